#!/usr/bin/env python3
"""StatML side of the automated-coding benchmark: runs `statml code train` and `statml code predict` on the
same split as peers.py, scores the output with metrics.py and times it the same way.

    python3 Benchmarks/coding/statml_side.py --bin .build/release/statml [--data DIR] [--work DIR] [--json FILE]

Commands run (1 thread, seed 1):
    statml code train   --data TRAIN --text text --label label --model M.statml --seed 1 --threads 1
    statml code predict --model M.statml --data VALID --text text --output OUT.csv
OUT.csv must hold every input column plus `code`, `confidence`, `auto`, `source`, one row per input row in
the same order. Accuracy, macro-F1 and coverage@P come from `code` and `confidence` (metrics.score).

Timing: train = wall time of the train process. Throughput = wall time of the whole predict process on a
CSV file holding the valid set repeated to >= --predict-records rows (start-up, model loading, CSV reading
and writing included), best of --repeats runs; records/s = rows / seconds. CPU seconds of the child process
are recorded as well.

If the binary has no `code` command (`statml code --help` does not exit 0 with a help text naming `train`
and `predict`), the JSON says so
({"available": false, "reason": ...}) and the script exits 0.
"""
from __future__ import annotations

import argparse
import csv
import json
import math
import os
import resource
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import metrics  # noqa: E402

DEFAULT_DATA = os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared", "data", "ecoicop"))
REQUIRED_OUTPUT = ("code", "confidence", "auto", "source")
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_output(cmd: list[str]) -> tuple[float, float, str]:
    """Run a command; return (wall seconds, child CPU seconds, its stdout). Raises with its stderr on failure."""
    print("$ " + " ".join(cmd), file=sys.stderr)
    c0 = children_cpu()
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV)
    wall = time.perf_counter() - t0
    cpu = children_cpu() - c0
    if proc.returncode != 0:
        tail = proc.stderr.decode("utf-8", "replace")[-2000:]
        raise RuntimeError(f"exit status {proc.returncode}: {' '.join(cmd)}\n{tail}")
    return wall, cpu, proc.stdout.decode("utf-8", "replace")


def run(cmd: list[str]) -> tuple[float, float]:
    """Run a command; return (wall seconds, child CPU seconds). Raises with its stderr on failure."""
    wall, cpu, _ = run_output(cmd)
    return wall, cpu


def code_subcommands(binary: str, needed: tuple[str, ...] = ("train", "predict")) -> bool:
    """True when `binary code --help` exits 0 with a help text naming every subcommand in `needed` (a stub build
    that answers every command with status 0 does not count as having `code`)."""
    try:
        probe = subprocess.run([binary, "code", "--help"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return False
    help_text = probe.stdout.decode("utf-8", "replace")
    return probe.returncode == 0 and all(word in help_text for word in needed)


def read_rows(path: str) -> tuple[list[str], list[dict]]:
    if not os.path.isfile(path):
        raise RuntimeError(f"{path} was not written")
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def read_output(path: str, input_columns: list[str], n_expected: int) -> list[dict]:
    columns, rows = read_rows(path)
    missing = [c for c in list(input_columns) + list(REQUIRED_OUTPUT) if c not in columns]
    if missing:
        raise RuntimeError(f"{path}: missing column(s) {missing} (has {columns})")
    if len(rows) != n_expected:
        raise RuntimeError(f"{path}: {len(rows)} rows, expected {n_expected}")
    return rows


def is_true(value: str) -> bool:
    return value.strip().lower() in ("true", "1", "yes", "y", "t")


def version(binary: str) -> str | None:
    try:
        p = subprocess.run([binary, "--version"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    text = (p.stdout or p.stderr).decode("utf-8", "replace").strip()
    return text.splitlines()[0] if p.returncode == 0 and text else None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=os.environ.get("STATML_BIN"), help="statml binary (default $STATML_BIN)")
    ap.add_argument("--data", default=os.environ.get("ECOICOP_DATA", DEFAULT_DATA))
    ap.add_argument("--work", default=os.path.join(HERE, "work"))
    ap.add_argument("--json", help="write the JSON result here instead of stdout")
    ap.add_argument("--predict-records", type=int, default=100_000)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    t_start = time.perf_counter()

    def finish(obj: dict) -> int:
        text = json.dumps(obj, indent=2, ensure_ascii=False) + "\n"
        if args.json:
            with open(args.json, "w", encoding="utf-8") as f:
                f.write(text)
        else:
            sys.stdout.write(text)
        return 0

    if not args.bin:
        return finish({"available": False, "reason": "STATML_BIN was not set"})
    binary = os.path.abspath(args.bin)
    if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
        return finish({"available": False, "reason": f"{args.bin} is not an executable file"})
    if not code_subcommands(binary):
        print(f"{args.bin} has no `code` command yet; StatML is left out of the coding benchmark", file=sys.stderr)
        return finish({"available": False, "reason": f"`{args.bin} code --help` did not exit 0 with a help text "
                                                     "naming `train` and `predict` (no `code` command in this build)",
                       "version": version(binary)})

    try:
        result = measure(binary, args)
    except RuntimeError as e:
        print(f"StatML run failed: {e}", file=sys.stderr)
        finish({"available": False, "reason": "the StatML run failed: " + str(e).splitlines()[0],
                "error": str(e), "version": version(binary)})
        return 2
    result["total_seconds"] = time.perf_counter() - t_start
    return finish(result)


def measure(binary: str, args) -> dict:
    train = os.path.join(args.data, "train.csv")
    valid = os.path.join(args.data, "valid.csv")
    os.makedirs(args.work, exist_ok=True)
    model = os.path.join(args.work, "ecoicop.statml")
    out_valid = os.path.join(args.work, "statml-valid-coded.csv")

    train_seconds, train_cpu = run([binary, "code", "train", "--data", train, "--text", "text", "--label", "label",
                                    "--model", model, "--seed", "1", "--threads", "1"])
    if not os.path.isfile(model):
        raise RuntimeError(f"`statml code train` exited 0 but wrote no model file {model}")

    columns, valid_rows = read_rows(valid)
    run([binary, "code", "predict", "--model", model, "--data", valid, "--text", "text", "--output", out_valid])
    coded = read_output(out_valid, columns, len(valid_rows))
    for i, (a, b) in enumerate(zip(valid_rows, coded)):
        if a["text"] != b["text"]:
            raise RuntimeError(f"{out_valid}: row {i + 1} text differs from the input (row order must be kept)")
    truth = [r["label"] for r in valid_rows]
    predicted = [r["code"] for r in coded]
    try:
        confidence = [float(r["confidence"]) for r in coded]
    except ValueError as e:
        raise RuntimeError(f"{out_valid}: non-numeric confidence ({e})")
    result = {"available": True, "name": "StatML (`statml code`)", "version": version(binary), "binary": args.bin}
    result.update(metrics.score(truth, predicted, confidence))
    result["train_seconds"] = train_seconds
    result["train_cpu_seconds"] = train_cpu
    auto = [is_true(r["auto"]) for r in coded]
    n_auto = sum(auto)
    result["statml_auto"] = {
        "share": n_auto / len(auto),
        "precision": (sum(1 for a, t, p in zip(auto, truth, predicted) if a and t == p) / n_auto) if n_auto else None,
        "sources": sorted({r["source"] for r in coded}),
    }

    # Throughput on the repeated valid set, as for the peers.
    copies = max(1, math.ceil(args.predict_records / len(valid_rows)))
    bench_in = os.path.join(args.work, f"valid-x{copies}.csv")
    bench_out = os.path.join(args.work, f"statml-valid-x{copies}-coded.csv")
    with open(bench_in, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=columns)
        w.writeheader()
        for _ in range(copies):
            w.writerows(valid_rows)
    best, best_cpu = math.inf, math.inf
    for _ in range(args.repeats):
        wall, cpu = run([binary, "code", "predict", "--model", model, "--data", bench_in, "--text", "text",
                         "--output", bench_out])
        best, best_cpu = min(best, wall), min(best_cpu, cpu)
    records = len(valid_rows) * copies
    rep = read_output(bench_out, columns, records)
    consistent = all(rep[i]["code"] == predicted[i % len(predicted)] for i in range(records))
    if not consistent:
        print("warning: StatML's codes on the repeated set differ from those on the single set", file=sys.stderr)
    result["predict"] = {"records": records, "repeats": args.repeats, "seconds": best,
                         "records_per_second": records / best, "cpu_seconds": best_cpu,
                         "timed": "whole `statml code predict` process, CSV in and out",
                         "consistent_with_single_set": consistent}
    for path in (bench_in, bench_out):
        os.remove(path)
    return result


if __name__ == "__main__":
    sys.exit(main())
