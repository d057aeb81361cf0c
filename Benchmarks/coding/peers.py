#!/usr/bin/env python3
"""Peer side of the automated-coding benchmark (ECOICOP product names → category).

Trains on train.csv and scores on valid.csv, the same split StatML's `statml code` is measured on:

  fastText default   fastText supervised with its own defaults (lr 0.1, epoch 5, word unigrams, no char n-grams)
  fastText tuned     lr chosen from {0.5, 1.0} on a held-out 15% of train; epoch 25, wordNgrams 2,
                     char n-grams 2–5, dim 100, softmax
  TF-IDF + LinearSVC (calibrated)   word 1–2-grams + char_wb 2–5-grams (sublinear tf), LinearSVC with C from
                     {0.3, 1, 3} chosen on the held-out part, then CalibratedClassifierCV(sigmoid, cv=3)
  TF-IDF + LogisticRegression       same features, multinomial LR (lbfgs), C from {3, 10, 30} chosen the same way

Everything runs on 1 thread (BLAS/OpenMP pinned to 1, fastText thread=1) with a fixed seed.

Text preprocessing
  - all peers: lowercase.
  - fastText: additionally tokenised (see `fasttext_text`): numbers (with a decimal comma/point) and words
    (letters, with inner hyphens/apostrophes kept: "coca-cola", "d'or") become tokens, every other
    non-space character becomes its own token, and tokens are joined by single spaces. So "Jogurt 0,5L."
    becomes "jogurt 0,5 l ." and "Kamis - Specialite" stays "kamis - specialite".
  - scikit-learn: TfidfVectorizer(lowercase=True); word analyzer with token_pattern \\b\\w+\\b (single
    characters such as the units "g", "l" are kept); char_wb analyzer on the lowercased text.

Metrics (metrics.py, shared with the StatML side): accuracy, macro-F1, coverage at precision 0.95/0.97/0.99.
Timings: train = wall time of the final fit on all of train.csv (preprocessing included, tuning excluded and
reported separately); predict = valid set repeated to >= --predict-records records, raw strings → codes and
confidences, preprocessing included, best of --repeats runs.

    python3 Benchmarks/coding/peers.py [--data DIR] [--json FILE] [--markdown FILE] [--peers NAME ...]

JSON goes to stdout unless --json is given; the Markdown table goes to stderr unless --markdown is given.
The peers' settings (FT_*, SKLEARN_PEERS and the *_peer constructors) and `fit_and_score` are also used by
cv.py, the 5-fold cross-validation, with the hyperparameter values this script chose on the main split.
If the data directory is missing, it says so and exits 0 (the JSON then holds {"skipped": reason}).
"""
from __future__ import annotations

# One thread for every numeric library; this must happen before numpy/scipy are imported.
import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS",
             "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS"):
    os.environ[_var] = "1"

import argparse
import csv
import datetime
import json
import math
import platform
import re
import sys
import tempfile
import time
import warnings
from importlib import metadata

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import metrics  # noqa: E402
from report import markdown_table, rows_for  # noqa: E402

# /work/main/Benchmarks/coding → /work/shared/data/ecoicop (../shared/data/ecoicop relative to the repository)
DEFAULT_DATA = os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared", "data", "ecoicop"))
PREDICT_CHUNK = 10_000


# ----------------------------------------------------------------------------------------------- data

def read_csv(path: str, text_col: str = "text", label_col: str = "label") -> tuple[list[str], list[str]]:
    texts, labels = [], []
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        missing = {text_col, label_col} - set(reader.fieldnames or [])
        if missing:
            raise SystemExit(f"{path}: missing column(s) {sorted(missing)}")
        for row in reader:
            texts.append(row[text_col] or "")
            labels.append(row[label_col])
    return texts, labels


def stratified_holdout(labels: list[str], fraction: float, seed: int) -> tuple[list[int], list[int]]:
    from sklearn.model_selection import train_test_split
    idx = list(range(len(labels)))
    fit_idx, held_idx = train_test_split(idx, test_size=fraction, random_state=seed, stratify=labels)
    return sorted(fit_idx), sorted(held_idx)


def machine_info() -> dict:
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem_gb = None
    try:
        with open("/proc/meminfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    mem_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    os_name = platform.platform()
    load = None
    try:
        load = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        pass
    try:
        with open("/etc/os-release", encoding="utf-8") as f:
            for line in f:
                if line.startswith("PRETTY_NAME="):
                    os_name = line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu_model": cpu, "memory_gb": mem_gb, "os": os_name, "loadavg_1_5_15": load}


def versions() -> dict:
    out = {"python": platform.python_version()}
    for dist in ("numpy", "scipy", "scikit-learn", "fasttext-wheel", "fasttext"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    return out


# ------------------------------------------------------------------------------------------- fastText

_FT_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+(?:['’\-][^\W\d_]+)*|[^\w\s]|_")


def fasttext_text(text: str) -> str:
    """Lowercase, split numbers from letters and punctuation from words, one space between tokens."""
    return " ".join(_FT_TOKEN.findall(text.lower()))


class FastTextPeer:
    LABEL = "__label__"

    def __init__(self, name: str, params: dict, description: str):
        self.name, self.params, self.description = name, dict(params), description
        self.model = None
        self.classes: list[str] = []

    def fit(self, texts: list[str], labels: list[str]) -> None:
        import fasttext
        # Category names contain spaces and commas, so fastText sees the class index instead.
        self.classes = sorted(set(labels))
        index = {c: i for i, c in enumerate(self.classes)}
        with tempfile.TemporaryDirectory(prefix="statml-coding-") as tmp:
            path = os.path.join(tmp, "train.txt")
            with open(path, "w", encoding="utf-8") as f:
                for t, l in zip(texts, labels):
                    f.write(f"{self.LABEL}{index[l]} {fasttext_text(t)}\n")
            self.model = fasttext.train_supervised(input=path, verbose=0, **self.params)

    def predict(self, texts: list[str]) -> tuple[list[str], list[float]]:
        # fastText 0.9.2's FastText.predict() on a single string ends in np.array(probs, copy=False), which
        # raises ValueError on numpy >= 2. Its list path calls the C++ multilinePredict and only builds plain
        # lists, so call that binding directly (this is exactly what predict([...]) does, minus the wrapper).
        lines = [fasttext_text(t) + "\n" for t in texts]
        labels, probs = self.model.f.multilinePredict(lines, 1, 0.0, "strict")
        out_labels, out_conf = [], []
        n = len(self.LABEL)
        for lab, prob in zip(labels, probs):
            if len(lab):
                out_labels.append(self.classes[int(lab[0][n:])])
                # fastText's softmax can return 1.00001 (it adds 1e-5 inside the log); a probability is <= 1.
                out_conf.append(min(1.0, float(prob[0])))
            else:  # cannot happen with k=1, threshold=0, kept for safety
                out_labels.append(self.classes[0])
                out_conf.append(0.0)
        return out_labels, out_conf


# ---------------------------------------------------------------------------------------- scikit-learn

def tfidf_features():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion
    return FeatureUnion([
        ("word", TfidfVectorizer(analyzer="word", lowercase=True, ngram_range=(1, 2),
                                 token_pattern=r"(?u)\b\w+\b", sublinear_tf=True)),
        ("char", TfidfVectorizer(analyzer="char_wb", lowercase=True, ngram_range=(2, 5), sublinear_tf=True)),
    ])


class SklearnPeer:
    def __init__(self, name: str, kind: str, C: float, seed: int, description: str):
        self.name, self.kind, self.C, self.seed, self.description = name, kind, C, seed, description
        self.features = None
        self.model = None

    def estimator(self, calibrated: bool = True):
        return make_estimator(self.kind, self.C, self.seed, calibrated)

    def fit(self, texts: list[str], labels: list[str]) -> None:
        self.features = tfidf_features()
        X = self.features.fit_transform(texts)
        self.model = self.estimator()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", category=FutureWarning)
            self.model.fit(X, labels)

    def predict(self, texts: list[str]) -> tuple[list[str], list[float]]:
        out_labels: list[str] = []
        out_conf: list[float] = []
        classes = self.model.classes_
        for start in range(0, len(texts), PREDICT_CHUNK):
            X = self.features.transform(texts[start:start + PREDICT_CHUNK])
            proba = self.model.predict_proba(X)
            best = proba.argmax(axis=1)
            out_labels.extend(classes[best].tolist())
            out_conf.extend(proba[range(len(best)), best].tolist())
        return out_labels, out_conf

    def params(self) -> dict:
        est = self.model.get_params() if self.model is not None else {}
        keep = {k: v for k, v in est.items() if isinstance(v, (int, float, str, bool, type(None)))}
        return {"C": self.C, "features": "word 1-2 + char_wb 2-5 TF-IDF, sublinear_tf", **keep}


def make_estimator(kind: str, C: float, seed: int, calibrated: bool = True):
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import LinearSVC
    if kind == "svc":
        svc = LinearSVC(C=C, random_state=seed, max_iter=10_000)
        return CalibratedClassifierCV(svc, method="sigmoid", cv=3) if calibrated else svc
    if kind == "logreg":
        # lbfgs fits the multinomial (softmax) model for more than two classes.
        return LogisticRegression(C=C, solver="lbfgs", max_iter=3_000, random_state=seed)
    raise ValueError(kind)


# ------------------------------------------------------------------------------------ peer definitions
# The peers' settings live here, so that main() (single split) and cv.py (cross-validation) build exactly
# the same models from a chosen hyperparameter value.

FT_COMMON = {"dim": 100, "loss": "softmax", "thread": 1, "minCount": 1}
FT_DEFAULT = {"lr": 0.1, "epoch": 5, "wordNgrams": 1, "minn": 0, "maxn": 0}
FT_TUNED = {"epoch": 25, "wordNgrams": 2, "minn": 2, "maxn": 5}
FT_TUNED_LR_GRID = [0.5, 1.0]

# key → (kind, C grid, table name, description with {C}); both use tfidf_features().
SKLEARN_PEERS = {
    "svc": ("svc", [0.3, 1.0, 3.0], "TF-IDF + LinearSVC (calibrated)",
            "TF-IDF word 1–2 + char_wb 2–5 (sublinear tf), LinearSVC C={C} (from 0.3, 1, 3 on held-out), "
            "CalibratedClassifierCV(sigmoid, cv=3) for confidences."),
    "logreg": ("logreg", [3.0, 10.0, 30.0], "TF-IDF + LogisticRegression",
               "same TF-IDF features, multinomial LogisticRegression (lbfgs) C={C} (from 3, 10, 30 on held-out)."),
}


def fasttext_default_peer(seed: int) -> FastTextPeer:
    return FastTextPeer("fastText default", {**FT_COMMON, "seed": seed, **FT_DEFAULT},
                        "fastText supervised, its defaults (lr 0.1, epoch 5, word unigrams, no char n-grams, "
                        "dim 100, softmax), thread 1; lowercased and punctuation split off.")


def fasttext_tuned_peer(lr: float, seed: int, name: str = "fastText tuned") -> FastTextPeer:
    """The tuned fastText peer with learning rate `lr` (chosen from FT_TUNED_LR_GRID on the main split)."""
    return FastTextPeer(name, {**FT_COMMON, "seed": seed, **FT_TUNED, "lr": lr},
                        f"fastText supervised, lr {lr} (from 0.5, 1.0 on held-out), epoch 25, wordNgrams 2, "
                        "char n-grams 2–5, dim 100, softmax, thread 1; lowercased and punctuation split off.")


def sklearn_peer(key: str, C: float, seed: int) -> SklearnPeer:
    """The scikit-learn peer `key` ("svc" or "logreg") with penalty C (chosen from its grid on the main split)."""
    kind, _, name, description = SKLEARN_PEERS[key]
    return SklearnPeer(name, kind, C, seed, description.format(C=C))


# ------------------------------------------------------------------------------------------- protocol

def tune(name, candidates, build, texts, labels, fit_idx, held_idx):
    """Fit each candidate on the fit part of train, score accuracy on the held-out part, keep the best
    (the first one on ties)."""
    fit_t = [texts[i] for i in fit_idx]
    fit_l = [labels[i] for i in fit_idx]
    held_t = [texts[i] for i in held_idx]
    held_l = [labels[i] for i in held_idx]
    t0 = time.perf_counter()
    scores = {}
    for value in candidates:
        predicted = build(value, fit_t, fit_l, held_t)
        scores[value] = metrics.accuracy(held_l, predicted)
        print(f"  [{name}] held-out accuracy {scores[value]:.4f} for {value}", file=sys.stderr)
    best = max(candidates, key=lambda v: (scores[v], -candidates.index(v)))
    return best, {"held_out_rows": len(held_idx), "fit_rows": len(fit_idx), "criterion": "held-out accuracy",
                  "held_out_accuracy": {str(k): v for k, v in scores.items()}, "chosen": best,
                  "seconds": time.perf_counter() - t0}


def time_predict(peer, texts: list[str], reference: list[str], repeats: int) -> dict:
    best, best_cpu = math.inf, math.inf
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        labels, conf = peer.predict(texts)
        best = min(best, time.perf_counter() - t0)
        best_cpu = min(best_cpu, time.process_time() - c0)
    # Same model, same records: predictions on the repeated set must equal those on the single copy.
    period = len(reference)
    if any(labels[i] != reference[i % period] for i in range(len(labels))):
        raise RuntimeError(f"{peer.name}: predictions on the repeated set differ from the single set")
    return {"records": len(texts), "repeats": repeats, "seconds": best, "records_per_second": len(texts) / best,
            "cpu_seconds": best_cpu}


def fit_and_score(peer, train_t, train_l, test_t, test_l) -> tuple[dict, list[str]]:
    """Fit `peer` on the training texts (timed: wall and CPU seconds), predict the test texts and score them
    with metrics.score. Returns (result, predicted codes)."""
    print(f"== {peer.name}: training on {len(train_t):,} rows", file=sys.stderr)
    t0, c0 = time.perf_counter(), time.process_time()
    peer.fit(train_t, train_l)
    train_seconds = time.perf_counter() - t0
    train_cpu_seconds = time.process_time() - c0
    predicted, confidence = peer.predict(test_t)
    result = {"name": peer.name, "description": peer.description}
    result.update(metrics.score(test_l, predicted, confidence))
    result["train_seconds"] = train_seconds
    result["train_cpu_seconds"] = train_cpu_seconds
    return result, predicted


def run_peer(peer, train_t, train_l, valid_t, valid_l, bench_t, repeats, tuning) -> dict:
    result, predicted = fit_and_score(peer, train_t, train_l, valid_t, valid_l)
    print(f"== {peer.name}: accuracy {result['accuracy']:.4f}, timing prediction of {len(bench_t):,} records",
          file=sys.stderr)
    result["predict"] = time_predict(peer, bench_t, predicted, repeats)
    result["params"] = peer.params() if callable(getattr(peer, "params", None)) else peer.params
    if tuning:
        result["tuning"] = tuning
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.environ.get("ECOICOP_DATA", DEFAULT_DATA),
                    help="directory with train.csv and valid.csv (default ../shared/data/ecoicop from the repo root)")
    ap.add_argument("--json", help="write the JSON result here instead of stdout")
    ap.add_argument("--markdown", help="write the Markdown table here instead of stderr")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--held-out", type=float, default=0.15, help="share of train used to choose hyperparameters")
    ap.add_argument("--predict-records", type=int, default=100_000,
                    help="repeat the valid set until at least this many records for the throughput timing")
    ap.add_argument("--repeats", type=int, default=3, help="throughput = best of this many timed runs")
    ap.add_argument("--peers", nargs="*", default=None,
                    help="subset of peers by key: fasttext-default fasttext-tuned svc logreg")
    args = ap.parse_args()
    t_start = time.perf_counter()
    machine_start = machine_info()
    created = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")

    train_path = os.path.join(args.data, "train.csv")
    valid_path = os.path.join(args.data, "valid.csv")
    if not (os.path.isfile(train_path) and os.path.isfile(valid_path)):
        reason = f"ECOICOP data not found ({train_path}, {valid_path}); skipping the automated-coding benchmark"
        print(reason, file=sys.stderr)
        emit(args.json, {"benchmark": "automated-coding-ecoicop", "skipped": reason})
        return 0

    from threadpoolctl import threadpool_limits
    threadpool_limits(1)

    train_t, train_l = read_csv(train_path)
    valid_t, valid_l = read_csv(valid_path)
    copies = max(1, math.ceil(args.predict_records / len(valid_t)))
    bench_t = valid_t * copies
    fit_idx, held_idx = stratified_holdout(train_l, args.held_out, args.seed)
    seed = args.seed
    wanted = set(args.peers) if args.peers else None
    results = []

    if wanted is None or "fasttext-default" in wanted:
        peer = fasttext_default_peer(seed)
        results.append(run_peer(peer, train_t, train_l, valid_t, valid_l, bench_t, args.repeats, None))

    if wanted is None or "fasttext-tuned" in wanted:

        def build_ft(lr, ft, fl, ht):
            p = fasttext_tuned_peer(lr, seed, name="tuning")
            p.fit(ft, fl)
            return p.predict(ht)[0]

        lr, tuning = tune("fastText tuned lr", FT_TUNED_LR_GRID, build_ft, train_t, train_l, fit_idx, held_idx)
        peer = fasttext_tuned_peer(lr, seed)
        results.append(run_peer(peer, train_t, train_l, valid_t, valid_l, bench_t, args.repeats, tuning))

    for key, (kind, grid, label, _) in SKLEARN_PEERS.items():
        if wanted is not None and key not in wanted:
            continue

        def build_sk(C, ft, fl, ht, kind=kind):
            feats = tfidf_features()
            X = feats.fit_transform(ft)
            # For LinearSVC the C is chosen on the plain SVM (calibration does not move the argmax much and
            # would triple the cost); the final model is calibrated.
            est = make_estimator(kind, C, seed, calibrated=False)
            est.fit(X, fl)
            return est.predict(feats.transform(ht)).tolist()

        C, tuning = tune(f"{label} C", grid, build_sk, train_t, train_l, fit_idx, held_idx)
        peer = sklearn_peer(key, C, seed)
        res = run_peer(peer, train_t, train_l, valid_t, valid_l, bench_t, args.repeats, tuning)
        if kind == "logreg":
            res["n_iter"] = int(max(peer.model.n_iter_))
        results.append(res)

    out = {
        "benchmark": "automated-coding-ecoicop",
        "created_utc": created,
        "data": {"dir": args.data, "train_rows": len(train_t), "valid_rows": len(valid_t),
                 "classes": len(set(train_l) | set(valid_l))},
        "protocol": {"seed": seed, "threads": 1, "held_out_fraction": args.held_out,
                     "predict_records": len(bench_t), "predict_repeats": args.repeats,
                     "precisions": list(metrics.PRECISIONS)},
        "machine": {**machine_start, "loadavg_at_end": machine_info()["loadavg_1_5_15"]},
        "versions": versions(),
        "peers": results,
        "total_seconds": time.perf_counter() - t_start,
    }
    emit(args.json, out)
    table = markdown_table(rows_for(out)) + "\n"
    if args.markdown:
        with open(args.markdown, "w", encoding="utf-8") as f:
            f.write(table)
    else:
        sys.stderr.write(table)
    print(f"peers.py finished in {out['total_seconds']:.0f} s", file=sys.stderr)
    return 0


def emit(path: str | None, obj: dict) -> None:
    text = json.dumps(obj, indent=2, ensure_ascii=False) + "\n"
    if path:
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    sys.exit(main())
