#!/usr/bin/env python3
"""5-fold cross-validation for the automated-coding benchmark: StatML and its two strongest peers on the very
same folds, scored by the same code.

The single split of peers.py / statml_side.py scores 1,500 records, too few to tell methods apart (bootstrap SD
of coverage@0.97 about 0.027, of accuracy about 0.007). Here every labelled record is scored once.

    python3 Benchmarks/coding/cv.py [--bin STATML] [--data DIR] [--work DIR] [--peers-json FILE] [--json FILE]

Folds
    All rows of train.csv followed by all rows of valid.csv (15,130), shuffled with random.Random(--shuffle-seed)
    (default 7); fold k (k = 0 … 4) tests on rows[k::5] and trains on the other rows (shuffled order kept).
    Each fold is written as WORK/trainK.csv and WORK/testK.csv (columns text,label), and every tool reads
    exactly these rows.

Tools, on each fold (1 thread, seed 1):
  StatML (if --bin is given and the binary has `code train` and `code evaluate`)
      statml code train --data trainK.csv --text text --label label --model M --seed 1 --threads 1 -q
          default algorithm selection (no --algorithm); the algorithm it chose is read from its stdout line
          "trained <algorithm> on …"; train s = wall time of this process.
      statml code evaluate --model M --data testK.csv --text text --label label --json
          → accuracy, macro_f1, coverage_at_precision (the figures reported).
      statml code predict --model M --data testK.csv --text text --output WORK/statml-testK-coded.csv
          → codes and confidences scored by metrics.py as a cross-check of `evaluate` (both are kept in the
          JSON, with their largest difference); the coded file stays for error_sample.py.
  fastText tuned, TF-IDF + LinearSVC (calibrated)
      peers.py's own models (peers.fasttext_tuned_peer, peers.sklearn_peer) fitted by peers.fit_and_score and
      scored by metrics.score. Hyperparameters are NOT re-tuned per fold: the lr / C that peers.py chose on
      the main split are read from --peers-json (fixed defaults lr 0.5, C 1.0 when that file has no choice).
      train s = wall time of the fit, text preprocessing included.
  TF-IDF + LogisticRegression (about 80 s per fit) and fastText default are left out.

Output: JSON with the per-fold figures, mean ± standard error over folds (SD / sqrt(folds)) of each metric and
the per-fold differences StatML − peer (same folds, so paired). The exit status is 2 when the StatML run
failed (the peers are still measured and the JSON says why), 0 otherwise.
"""
from __future__ import annotations

import os

# One thread for every numeric library; this must happen before numpy/scipy are imported (as in peers.py).
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS",
             "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS"):
    os.environ[_var] = "1"

import argparse
import csv
import datetime
import json
import math
import random
import re
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import metrics  # noqa: E402
import peers  # noqa: E402
import statml_side  # noqa: E402

STATML_NAME = "StatML (`statml code`)"
FT_NAME = "fastText tuned"
SVC_NAME = peers.SKLEARN_PEERS["svc"][2]
# Fallbacks when peers.json holds no choice: the first lr of the grid (the one chosen so far), LinearSVC's C = 1.
DEFAULT_LR, DEFAULT_C = peers.FT_TUNED_LR_GRID[0], 1.0
SUMMARY_KEYS = ("accuracy", "macro_f1", "coverage@0.95", "coverage@0.97", "coverage@0.99", "train_seconds")
_TRAINED = re.compile(r"^trained (\S+) on ", re.MULTILINE)


# ----------------------------------------------------------------------------------------------- folds

def make_folds(rows: list[tuple[str, str]], folds: int, seed: int) -> list[tuple[list, list]]:
    """[(train rows, test rows)] for each fold k: the rows shuffled with random.Random(seed), test = rows[k::folds],
    train = every other row, in shuffled order."""
    shuffled = list(rows)
    random.Random(seed).shuffle(shuffled)
    out = []
    for k in range(folds):
        test = shuffled[k::folds]
        train = [r for i, r in enumerate(shuffled) if i % folds != k]
        out.append((train, test))
    return out


def write_csv(path: str, rows: list[tuple[str, str]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["text", "label"])
        w.writerows(rows)


# ---------------------------------------------------------------------------------------------- StatML

def statml_fold(binary: str, train_csv: str, test_csv: str, work: str, k: int) -> dict:
    """Train, evaluate and cross-check StatML on one fold. Raises RuntimeError on any failure."""
    model = os.path.join(work, f"statml{k}.statml")
    coded = os.path.join(work, f"statml-test{k}-coded.csv")
    train_s, train_cpu, stdout = statml_side.run_output(
        [binary, "code", "train", "--data", train_csv, "--text", "text", "--label", "label", "--model", model,
         "--seed", "1", "--threads", "1", "-q"])
    if not os.path.isfile(model):
        raise RuntimeError(f"`statml code train` exited 0 but wrote no model file {model}")
    chosen = _TRAINED.search(stdout)
    _, _, ev_out = statml_side.run_output(
        [binary, "code", "evaluate", "--model", model, "--data", test_csv, "--text", "text", "--label", "label",
         "--json"])
    try:
        ev = json.loads(ev_out)
        evaluate = {"n": int(ev["rows"]), "accuracy": float(ev["accuracy"]), "macro_f1": float(ev["macro_f1"]),
                    "coverage_at_precision": {f"{float(p):.2f}": float(c)
                                              for p, c in ev["coverage_at_precision"].items()}}
    except (ValueError, KeyError, TypeError) as e:
        raise RuntimeError(f"`statml code evaluate --json` printed no usable JSON ({e}): {ev_out[:300]!r}")

    # Cross-check: the same model's `predict` output scored by metrics.py, as the peers are.
    statml_side.run([binary, "code", "predict", "--model", model, "--data", test_csv, "--text", "text",
                     "--output", coded])
    columns, test_rows = statml_side.read_rows(test_csv)
    out_rows = statml_side.read_output(coded, columns, len(test_rows))
    try:
        ours = metrics.score([r["label"] for r in test_rows], [r["code"] for r in out_rows],
                             [float(r["confidence"]) for r in out_rows])
    except ValueError as e:
        raise RuntimeError(f"{coded}: unusable confidence ({e})")
    diffs = [abs(evaluate["accuracy"] - ours["accuracy"]), abs(evaluate["macro_f1"] - ours["macro_f1"])]
    diffs += [abs(evaluate["coverage_at_precision"].get(p, math.nan) - ours["coverage_at_precision"][p])
              for p in ours["coverage_at_precision"]]
    os.remove(model)  # (the coded fold is kept: error_sample.py reads it)
    return {**evaluate, "algorithm": chosen.group(1) if chosen else None, "train_seconds": train_s,
            "train_cpu_seconds": train_cpu, "metrics_py": ours,
            "max_abs_difference_evaluate_vs_metrics_py": max(diffs)}


# ------------------------------------------------------------------------------------------- summaries

def flat(fold: dict) -> dict:
    """The summarised figures of one fold result, under SUMMARY_KEYS."""
    out = {"accuracy": fold["accuracy"], "macro_f1": fold["macro_f1"], "train_seconds": fold["train_seconds"]}
    for p, c in fold["coverage_at_precision"].items():
        out[f"coverage@{p}"] = c
    return out


def mean_se(values: list[float]) -> dict:
    """Mean, standard error (sample SD / sqrt(n)), min and max over folds."""
    n = len(values)
    se = statistics.stdev(values) / math.sqrt(n) if n > 1 else math.nan
    return {"mean": statistics.fmean(values), "se": se, "min": min(values), "max": max(values), "folds": n}


def summarise(folds: list[dict]) -> dict:
    rows = [flat(f) for f in folds]
    return {key: mean_se([r[key] for r in rows]) for key in SUMMARY_KEYS if all(key in r for r in rows)}


def paired(a: list[dict], b: list[dict]) -> dict:
    """Per-fold differences a − b (same folds) of accuracy, macro-F1 and coverage@P, with mean ± SE."""
    out = {}
    for key in SUMMARY_KEYS[:-1]:
        d = [flat(x)[key] - flat(y)[key] for x, y in zip(a, b)]
        out[key] = {**mean_se(d), "per_fold": d}
    return out


def chosen_value(peers_json: dict | None, name: str, default: float) -> tuple[float, str]:
    """The hyperparameter peers.py chose for peer `name` on the main split, or `default`."""
    for p in (peers_json or {}).get("peers", []):
        if p.get("name") == name and p.get("tuning", {}).get("chosen") is not None:
            return float(p["tuning"]["chosen"]), "chosen by peers.py on the main split (held-out 15% of train.csv)"
    return default, "fixed default (peers.json had no tuned value)"


# ------------------------------------------------------------------------------------------------- main

def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=os.environ.get("STATML_BIN"), help="statml binary (default $STATML_BIN)")
    ap.add_argument("--data", default=os.environ.get("ECOICOP_DATA", peers.DEFAULT_DATA),
                    help="directory with train.csv and valid.csv")
    ap.add_argument("--work", default=os.path.join(HERE, "work", "cv"), help="where the fold CSVs are written")
    ap.add_argument("--peers-json", default=os.path.join(HERE, "work", "peers.json"),
                    help="peers.py's JSON, for the hyperparameters it chose on the main split")
    ap.add_argument("--json", help="write the JSON result here instead of stdout")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--shuffle-seed", type=int, default=7)
    ap.add_argument("--seed", type=int, default=1, help="the models' random seed")
    ap.add_argument("--tools", nargs="*", default=["statml", "fasttext-tuned", "svc"],
                    help="subset of: statml fasttext-tuned svc")
    args = ap.parse_args()
    t_start = time.perf_counter()
    created = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    machine_start = peers.machine_info()

    paths = [os.path.join(args.data, f) for f in ("train.csv", "valid.csv")]
    if not all(os.path.isfile(p) for p in paths):
        reason = f"ECOICOP data not found ({', '.join(paths)}); skipping the cross-validation"
        print(reason, file=sys.stderr)
        peers.emit(args.json, {"benchmark": "automated-coding-ecoicop-cv", "skipped": reason})
        return 0

    from threadpoolctl import threadpool_limits
    threadpool_limits(1)

    rows: list[tuple[str, str]] = []
    for p in paths:
        texts, labels = peers.read_csv(p)
        rows += list(zip(texts, labels))
    folds = make_folds(rows, args.folds, args.shuffle_seed)
    os.makedirs(args.work, exist_ok=True)
    fold_files = []
    for k, (train, test) in enumerate(folds):
        train_csv, test_csv = os.path.join(args.work, f"train{k}.csv"), os.path.join(args.work, f"test{k}.csv")
        write_csv(train_csv, train)
        write_csv(test_csv, test)
        fold_files.append((train_csv, test_csv))

    peers_json = None
    if os.path.isfile(args.peers_json):
        with open(args.peers_json, encoding="utf-8") as f:
            peers_json = json.load(f)
    lr, lr_source = chosen_value(peers_json, FT_NAME, DEFAULT_LR)
    C, c_source = chosen_value(peers_json, SVC_NAME, DEFAULT_C)

    # StatML: measured only if the binary has the commands this needs.
    statml: dict | None = None
    statml_failed = False
    if "statml" in args.tools:
        if not args.bin:
            statml = {"name": STATML_NAME, "available": False, "reason": "STATML_BIN was not set"}
        elif not statml_side.code_subcommands(os.path.abspath(args.bin), ("train", "predict", "evaluate")):
            statml = {"name": STATML_NAME, "available": False,
                      "reason": f"`{args.bin} code --help` does not offer train, predict and evaluate"}
        else:
            statml = {"name": STATML_NAME, "available": True, "binary": args.bin,
                      "version": statml_side.version(os.path.abspath(args.bin)), "folds": []}
    peer_runs = []
    # "build" makes a fresh, unfitted peer for each fold.
    if "fasttext-tuned" in args.tools:
        peer_runs.append({"key": "fasttext-tuned", "name": FT_NAME,
                          "build": lambda: peers.fasttext_tuned_peer(lr, args.seed),
                          "hyperparameters": {"lr": lr, "source": lr_source}})
    if "svc" in args.tools:
        peer_runs.append({"key": "svc", "name": SVC_NAME, "build": lambda: peers.sklearn_peer("svc", C, args.seed),
                          "hyperparameters": {"C": C, "source": c_source}})
    for run in peer_runs:
        run.update(available=True, description=run["build"]().description, folds=[])

    # Fold by fold, every tool on the fold before the next one, so that changes in the machine's load over the
    # run fall on all tools alike.
    for k, ((train, test), (train_csv, test_csv)) in enumerate(zip(folds, fold_files)):
        print(f"== cv fold {k}: train {len(train):,} rows, test {len(test):,} rows", file=sys.stderr)
        if statml and statml["available"]:
            try:
                r = statml_fold(os.path.abspath(args.bin), train_csv, test_csv, args.work, k)
            except RuntimeError as e:
                print(f"StatML failed on fold {k}: {e}", file=sys.stderr)
                statml_failed = True
                statml.update(available=False, reason=f"the StatML run failed on fold {k}: " + str(e).splitlines()[0],
                              error=str(e))
            else:
                statml["folds"].append({"fold": k, **r})
                print(f"   StatML ({r['algorithm']}): accuracy {r['accuracy']:.4f}, "
                      f"coverage@0.97 {r['coverage_at_precision']['0.97']:.4f}, train {r['train_seconds']:.1f} s",
                      file=sys.stderr)
        train_t, train_l = [t for t, _ in train], [l for _, l in train]
        test_t, test_l = [t for t, _ in test], [l for _, l in test]
        for run in peer_runs:
            result, _ = peers.fit_and_score(run["build"](), train_t, train_l, test_t, test_l)
            result.pop("name"), result.pop("description")
            run["folds"].append({"fold": k, **result})
            print(f"   {run['name']}: accuracy {result['accuracy']:.4f}, "
                  f"coverage@0.97 {result['coverage_at_precision']['0.97']:.4f}, "
                  f"train {result['train_seconds']:.1f} s", file=sys.stderr)

    tools = []
    if statml:
        if statml["available"]:
            statml["summary"] = summarise(statml["folds"])
            statml["algorithms"] = [f["algorithm"] for f in statml["folds"]]
            statml["max_abs_difference_evaluate_vs_metrics_py"] = max(
                f["max_abs_difference_evaluate_vs_metrics_py"] for f in statml["folds"])
        tools.append(statml)
    for run in peer_runs:
        run.pop("build")
        run["summary"] = summarise(run["folds"])
        tools.append(run)
    differences = {}
    if statml and statml["available"]:
        for run in peer_runs:
            differences[f"StatML − {run['name']}"] = paired(statml["folds"], run["folds"])

    out = {
        "benchmark": "automated-coding-ecoicop-cv",
        "created_utc": created,
        "data": {"dir": args.data, "rows": len(rows), "classes": len({l for _, l in rows}),
                 "train_rows": [len(tr) for tr, _ in folds], "test_rows": [len(te) for _, te in folds],
                 "fold_files": args.work},
        "protocol": {"folds": args.folds, "shuffle_seed": args.shuffle_seed, "seed": args.seed, "threads": 1,
                     "construction": f"train.csv + valid.csv rows, shuffled with random.Random({args.shuffle_seed}); "
                                     f"fold k tests on rows[k::{args.folds}] and trains on the rest",
                     "standard_error": "sample SD over folds / sqrt(folds)",
                     "statml_figures": "`statml code evaluate --json` (cross-checked against metrics.py on "
                                       "`statml code predict` output)",
                     "peer_figures": "metrics.score on in-process predictions",
                     "left_out": {"TF-IDF + LogisticRegression": "about 80 s per fit",
                                  "fastText default": "not among the two strongest peers"}},
        "machine": {**machine_start, "loadavg_at_end": peers.machine_info()["loadavg_1_5_15"]},
        "versions": peers.versions(),
        "tools": tools,
        "paired_differences": differences,
        "total_seconds": time.perf_counter() - t_start,
    }
    peers.emit(args.json, out)
    print(f"cv.py finished in {out['total_seconds']:.0f} s", file=sys.stderr)
    return 2 if statml_failed else 0


if __name__ == "__main__":
    sys.exit(main())
