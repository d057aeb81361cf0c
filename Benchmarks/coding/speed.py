#!/usr/bin/env python3
"""Prediction speed of StatML and fastText, interleaved: the two take turns on the same records, round after
round, so that a slow minute on a shared machine slows both instead of one (peers.py and statml_side.py time
each tool once, minutes apart, and this machine's speed drifts by ±30% between minutes).

    python3 Benchmarks/coding/speed.py --bin .build/release/statml --model work/ecoicop.statml [--rounds 7]

Each round times, in alternating order:
  - fastText default (peers.py's `fastText default`, trained here on train.csv, 1 thread): in-process
    prediction of the records (list of strings -> codes and confidences, text preprocessing included);
  - `statml code predict --model M --data BENCH.csv --text text --output OUT.csv`: the whole process (start-up,
    model loading, CSV reading and writing included), 1 thread.
The records are valid.csv repeated to >= --records rows, as in the other two scripts. Reported: each tool's
records/s per round, best and median, and the per-round ratio StatML / fastText (median and range).

Per core: this script confines itself, and so the statml processes it starts and fastText running inside it, to
one CPU (--core, default the highest-numbered one it may use; -1 leaves them free). Whatever threads a tool has
(OpenBLAS starts a pool when statml loads it, though coding never calls it) then share that one core, and
records/s is records per second of one core. StatML's CPU seconds per round (user + system) are kept as well.
"""
from __future__ import annotations

import argparse
import csv
import json
import math
import os
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import peers  # noqa: E402
import statml_side  # noqa: E402


def summary(rates: list[float]) -> dict:
    return {"per_round": rates, "best": max(rates), "median": statistics.median(rates)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", required=True, help="statml binary")
    ap.add_argument("--model", required=True, help="a model from `statml code train` on train.csv")
    ap.add_argument("--data", default=statml_side.DEFAULT_DATA, help="directory with train.csv and valid.csv")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--core", type=int, help="the CPU to run on (default: the highest-numbered allowed); -1: any")
    ap.add_argument("--json", required=True)
    args = ap.parse_args()
    if args.rounds < 1:
        ap.error("--rounds must be at least 1")
    core = None
    if args.core != -1 and hasattr(os, "sched_setaffinity"):
        core = args.core if args.core is not None else max(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {core})
        print(f"== speed: confined to CPU {core} (with the processes it starts)", file=sys.stderr)

    train_t, train_l = peers.read_csv(os.path.join(args.data, "train.csv"))
    valid_t, _ = peers.read_csv(os.path.join(args.data, "valid.csv"))
    copies = max(1, math.ceil(args.records / len(valid_t)))
    bench_t = valid_t * copies
    fasttext = peers.fasttext_default_peer(args.seed)
    print(f"== speed: training {fasttext.name} on {len(train_t):,} rows", file=sys.stderr)
    fasttext.fit(train_t, train_l)

    started = time.time()
    rates: dict[str, list[float]] = {"statml": [], "fasttext": []}
    statml_cpu: list[float] = []
    ratios: list[float] = []
    with tempfile.TemporaryDirectory(prefix="statml-speed-") as tmp:
        bench_csv = os.path.join(tmp, "bench.csv")
        with open(bench_csv, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["text"])
            w.writerows([t] for t in bench_t)
        out_csv = os.path.join(tmp, "out.csv")

        def time_fasttext() -> float:
            t0 = time.perf_counter()
            fasttext.predict(bench_t)
            return len(bench_t) / (time.perf_counter() - t0)

        def time_statml() -> float:
            wall, cpu = statml_side.run([args.bin, "code", "predict", "--model", args.model, "--data", bench_csv,
                                         "--text", "text", "--output", out_csv, "-q"])
            statml_cpu.append(cpu)
            return len(bench_t) / wall

        for r in range(args.rounds):
            # Alternate which goes first, so that neither always follows the other.
            order = [("statml", time_statml), ("fasttext", time_fasttext)]
            if r % 2:
                order.reverse()
            got = {name: timer() for name, timer in order}
            for name, rate in got.items():
                rates[name].append(rate)
            ratios.append(got["statml"] / got["fasttext"])
            print(f"   round {r + 1}: StatML {got['statml']:,.0f} records/s, fastText {got['fasttext']:,.0f} "
                  f"records/s, ratio {ratios[-1]:.2f}", file=sys.stderr)

    result = {"created_utc": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(started)),
              "records": len(bench_t), "rounds": args.rounds, "cpu": core,
              "statml": {**summary(rates["statml"]), "cpu_seconds_per_round": statml_cpu},
              "fasttext": {"name": fasttext.name, **summary(rates["fasttext"])},
              "ratio": {"per_round": ratios, "median": statistics.median(ratios), "min": min(ratios),
                        "max": max(ratios)},
              "timed": "StatML: whole `statml code predict` process, CSV in and out; fastText: in-process "
                       "prediction of the same records" + (f"; both confined to CPU {core}" if core is not None else "")}
    with open(args.json, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
