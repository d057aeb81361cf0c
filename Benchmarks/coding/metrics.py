#!/usr/bin/env python3
"""Shared scoring for the automated-coding benchmark (peers and StatML are scored by this code).

Pure Python (no numpy, no scikit-learn), so both sides import exactly the same functions.

    from metrics import score
    result = score(truth, predicted, confidence)   # lists of equal length

`score` returns
    n, accuracy, macro_f1,
    coverage_at_precision   {"0.95": c, "0.97": c, "0.99": c}
    threshold_at_precision  {"0.95": t, ...}  the lowest confidence still auto-coded at that coverage
                                               (None when the coverage is 0)

Definitions
- accuracy: share of records whose predicted code equals the true code.
- macro_f1: unweighted mean of per-class F1 over the classes present in truth ∪ predictions, as
  sklearn.metrics.f1_score(average="macro") computes it (a class never predicted, or predicted but
  never true, has F1 = 0).
- coverage_at_precision(P): sort records by confidence (the model's top-class probability),
  highest first; the coverage is the largest k/n such that the top k records are at least P
  correct. All k are scanned (the precision curve is not monotone), with one refinement for ties:
  records with the same confidence cannot be separated by any threshold, so k only ever ends at
  the end of a group of equal confidences. Without ties this is exactly "scan all k". This is
  the share of records a statistical office could code automatically with a confidence
  threshold, at that precision on this set.

Run this file to execute its self-check:  python3 Benchmarks/coding/metrics.py
"""
from __future__ import annotations

import math

PRECISIONS = (0.95, 0.97, 0.99)

# A tiny tolerance, so that e.g. 3 correct of 4 counts as precision 0.75 despite float rounding.
_EPS = 1e-12


def accuracy(truth: list[str], predicted: list[str]) -> float:
    _check_lengths(truth, predicted)
    if not truth:
        return float("nan")
    return sum(1 for t, p in zip(truth, predicted) if t == p) / len(truth)


def macro_f1(truth: list[str], predicted: list[str]) -> float:
    """Macro-averaged F1 over truth ∪ predictions (sklearn's f1_score(average="macro"))."""
    _check_lengths(truth, predicted)
    if not truth:
        return float("nan")
    tp: dict[str, int] = {}
    n_true: dict[str, int] = {}
    n_pred: dict[str, int] = {}
    for t, p in zip(truth, predicted):
        n_true[t] = n_true.get(t, 0) + 1
        n_pred[p] = n_pred.get(p, 0) + 1
        if t == p:
            tp[t] = tp.get(t, 0) + 1
    classes = set(n_true) | set(n_pred)
    total = 0.0
    for c in classes:
        # F1 = 2 TP / (2 TP + FP + FN) = 2 TP / (n_true + n_pred); 0 when TP = 0 (sklearn's zero_division=0 result).
        denom = n_true.get(c, 0) + n_pred.get(c, 0)
        total += 2.0 * tp.get(c, 0) / denom if denom else 0.0
    return total / len(classes)


def coverage_at_precision(correct: list[bool], confidence: list[float], precision: float) -> tuple[float, float | None]:
    """(coverage, threshold): the largest share k/n of records, taken by decreasing confidence, whose
    precision is >= `precision`, and the confidence of the k-th record (None if k = 0).

    k only ends where the confidence changes (ties cannot be split by a threshold)."""
    _check_lengths(correct, confidence)
    n = len(correct)
    if n == 0:
        return float("nan"), None
    for c in confidence:
        if c is None or (isinstance(c, float) and math.isnan(c)):
            raise ValueError("confidence contains a missing value")
    order = sorted(range(n), key=lambda i: -float(confidence[i]))
    best_k, best_threshold = 0, None
    hits = 0
    for rank, i in enumerate(order):
        hits += 1 if correct[i] else 0
        k = rank + 1
        end_of_tie_group = k == n or float(confidence[order[k]]) != float(confidence[i])
        if end_of_tie_group and hits >= precision * k - _EPS:
            best_k, best_threshold = k, float(confidence[i])
    return best_k / n, best_threshold


def score(truth: list[str], predicted: list[str], confidence: list[float]) -> dict:
    """All benchmark metrics for one tool on one evaluation set."""
    truth = [str(t) for t in truth]
    predicted = [str(p) for p in predicted]
    confidence = [float(c) for c in confidence]
    _check_lengths(truth, predicted)
    _check_lengths(truth, confidence)
    correct = [t == p for t, p in zip(truth, predicted)]
    coverage, thresholds = {}, {}
    for p in PRECISIONS:
        coverage[f"{p:.2f}"], thresholds[f"{p:.2f}"] = coverage_at_precision(correct, confidence, p)
    return {
        "n": len(truth),
        "accuracy": accuracy(truth, predicted),
        "macro_f1": macro_f1(truth, predicted),
        "coverage_at_precision": coverage,
        "threshold_at_precision": thresholds,
    }


def _check_lengths(a, b):
    if len(a) != len(b):
        raise ValueError(f"length mismatch: {len(a)} vs {len(b)}")


def self_check() -> None:
    # Hand-made example: sorted by confidence the correctness is 1, 1, 0, 1.
    correct = [True, True, False, True]
    conf = [0.9, 0.8, 0.7, 0.6]
    assert coverage_at_precision(correct, conf, 0.75) == (1.0, 0.6)   # 3 of 4 correct = 0.75
    assert coverage_at_precision(correct, conf, 0.8) == (0.5, 0.8)    # top 3: 0.667, top 4: 0.75
    assert coverage_at_precision(correct, conf, 1.0) == (0.5, 0.8)
    # Same records in another input order: the result depends on confidence only.
    assert coverage_at_precision(correct[::-1], conf[::-1], 0.8) == (0.5, 0.8)
    # Not monotone: precision dips below P at k = 2 and recovers at k = 4, so the scan must go on.
    assert coverage_at_precision([True, False, True, True], [0.9, 0.8, 0.7, 0.6], 0.75) == (1.0, 0.6)
    # Nothing qualifies.
    assert coverage_at_precision([False, True], [0.9, 0.1], 0.99) == (0.0, None)
    # Ties: the two 0.8 records (one wrong) cannot be split, so the top-2 prefix is not reachable.
    assert coverage_at_precision([True, True, False, True], [0.9, 0.8, 0.8, 0.1], 1.0) == (0.25, 0.9)
    # Macro-F1 over truth ∪ predictions: "c" is only predicted and counts with F1 = 0.
    truth = ["a", "a", "b", "b"]
    pred = ["a", "b", "b", "c"]
    expected = (2 * 1 / (2 + 1) + 2 * 1 / (2 + 2) + 0.0) / 3   # a: 2/3, b: 1/2, c: 0
    assert abs(macro_f1(truth, pred) - expected) < 1e-12
    assert accuracy(truth, pred) == 0.5
    s = score(truth, pred, [0.9, 0.8, 0.7, 0.6])
    assert s["coverage_at_precision"]["0.95"] == 0.25 and s["n"] == 4
    # Cross-check against scikit-learn when it is installed (it is not needed otherwise).
    try:
        from sklearn.metrics import f1_score
    except ImportError:
        return
    import random
    rng = random.Random(7)
    for _ in range(200):
        labels = [f"k{i}" for i in range(rng.randint(1, 6))]
        n = rng.randint(1, 30)
        t = [rng.choice(labels) for _ in range(n)]
        p = [rng.choice(labels + ["extra"]) for _ in range(n)]
        ref = f1_score(t, p, average="macro", zero_division=0)
        assert abs(macro_f1(t, p) - ref) < 1e-12, (t, p, macro_f1(t, p), ref)


if __name__ == "__main__":
    self_check()
    print("metrics.py self-check passed")
