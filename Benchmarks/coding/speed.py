#!/usr/bin/env python3
"""Prediction speed of StatML and fastText, interleaved: the two take turns on the same records, round after
round, so that a slow minute on a shared machine slows both instead of one (peers.py and statml_side.py time
each tool once, minutes apart, and this machine's speed drifts by ±30% between minutes).

    python3 Benchmarks/coding/speed.py --bin .build/release/statml --model work/ecoicop.statml [--rounds 7]

Each round times, in alternating order:
  - fastText default (peers.py's `fastText default`, trained here on train.csv, 1 thread): in-process
    prediction of the stream's records (list of strings -> codes and confidences, text preprocessing included;
    its model is already loaded);
  - `statml code predict --model M --data STREAM.csv --text text --output OUT.csv`: the whole process (start-up,
    model loading, CSV reading and writing included), 1 thread;
and, after these two, the same statml command on two shorter files: --short-records records (a file of the size
the earlier runs of this benchmark used, where start-up weighs more), and one record (start-up alone: process
start, dynamic libraries, model loading and checking).
With --bench-bin (statml-bench; default: the one beside --bin, when built), each round also times both tools
in-process on valid.csv's 1,500 records once ("first sight"): StatML's predictor with a fresh word cache, as a
new `statml code predict` starts, so every word is new to it the first time it comes, best of 5 passes; and
fastText on the same texts, best of 5 passes. The stream's records come back ~670 times, so after the first
1,500 StatML finds every word in its cache; the first-sight figure is what a file of words it has not seen
costs.
The stream is valid.csv repeated to >= --records rows (default 1,000,000: a census-scale file, where start-up
is spread thin, as "streaming mode" is meant); the short file is its first rows. Reported: each tool's
records/s per round, best and median, StatML's short-file records/s and start-up seconds, and the per-round
ratio StatML / fastText on the stream (median and range).

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
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import peers  # noqa: E402
import statml_side  # noqa: E402


def summary(rates: list[float]) -> dict:
    return {"per_round": rates, "best": max(rates), "median": statistics.median(rates)}


def first_sight_rates(bench_bin: str, model: str, valid_csv: str, fasttext, texts: list[str],
                      passes: int = 5) -> dict[str, float]:
    """Records/s of StatML (statml-bench predict: fresh word cache each pass, best pass) and of fastText (best
    pass) on texts seen once."""
    out = subprocess.run([bench_bin, "predict", model, valid_csv, "--passes", str(passes)], check=True,
                         capture_output=True, text=True)
    statml_us = json.loads(out.stdout)["cached_us_per_record"]
    best = math.inf
    for _ in range(passes):
        t0 = time.perf_counter()
        fasttext.predict(texts)
        best = min(best, time.perf_counter() - t0)
    return {"statml": 1e6 / statml_us, "fasttext": len(texts) / best}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", required=True, help="statml binary")
    ap.add_argument("--model", required=True, help="a model from `statml code train` on train.csv")
    ap.add_argument("--data", default=statml_side.DEFAULT_DATA, help="directory with train.csv and valid.csv")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--records", type=int, default=1_000_000, help="records of the stream (default 1,000,000)")
    ap.add_argument("--short-records", type=int, default=100_000,
                    help="records of the short file (default 100,000; 0: skip it)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--bench-bin", help="statml-bench binary (default: beside --bin, if there); '' to skip")
    ap.add_argument("--core", type=int, help="the CPU to run on (default: the highest-numbered allowed); -1: any")
    ap.add_argument("--json", required=True)
    args = ap.parse_args()
    if args.rounds < 1:
        ap.error("--rounds must be at least 1")
    if args.records < 1 or args.short_records < 0:
        ap.error("--records must be at least 1 and --short-records at least 0")
    core = None
    if args.core != -1 and hasattr(os, "sched_setaffinity"):
        core = args.core if args.core is not None else max(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {core})
        print(f"== speed: confined to CPU {core} (with the processes it starts)", file=sys.stderr)

    train_t, train_l = peers.read_csv(os.path.join(args.data, "train.csv"))
    valid_t, _ = peers.read_csv(os.path.join(args.data, "valid.csv"))
    copies = max(1, math.ceil(args.records / len(valid_t)))
    bench_t = valid_t * copies
    bench_bin = args.bench_bin
    if bench_bin is None:
        bench_bin = os.path.join(os.path.dirname(os.path.abspath(args.bin)), "statml-bench")
    if bench_bin and not os.access(bench_bin, os.X_OK):
        print(f"== speed: no statml-bench at {bench_bin}; first-sight figures skipped", file=sys.stderr)
        bench_bin = ""
    short_t = bench_t[:math.ceil(args.short_records / len(valid_t)) * len(valid_t)] if args.short_records else []
    fasttext = peers.fasttext_default_peer(args.seed)
    print(f"== speed: training {fasttext.name} on {len(train_t):,} rows", file=sys.stderr)
    fasttext.fit(train_t, train_l)

    started = time.time()
    rates: dict[str, list[float]] = {"statml": [], "fasttext": []}
    first_sight: dict[str, list[float]] = {"statml": [], "fasttext": []}
    short_rates: list[float] = []
    startup: list[float] = []
    statml_cpu: list[float] = []
    ratios: list[float] = []
    with tempfile.TemporaryDirectory(prefix="statml-speed-") as tmp:
        def write(name: str, texts: list[str]) -> str:
            path = os.path.join(tmp, name)
            with open(path, "w", newline="", encoding="utf-8") as f:
                w = csv.writer(f)
                w.writerow(["text"])
                w.writerows([t] for t in texts)
            return path

        bench_csv = write("stream.csv", bench_t)
        short_csv = write("short.csv", short_t) if short_t else None
        one_csv = write("one.csv", bench_t[:1])
        out_csv = os.path.join(tmp, "out.csv")

        def statml_seconds(data: str) -> tuple[float, float]:
            return statml_side.run([args.bin, "code", "predict", "--model", args.model, "--data", data,
                                    "--text", "text", "--output", out_csv, "-q"])

        def time_fasttext() -> float:
            t0 = time.perf_counter()
            fasttext.predict(bench_t)
            return len(bench_t) / (time.perf_counter() - t0)

        def time_statml() -> float:
            wall, cpu = statml_seconds(bench_csv)
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
            short = ""
            if short_csv:
                short_rates.append(len(short_t) / statml_seconds(short_csv)[0])
                short = f", StatML on {len(short_t):,} records {short_rates[-1]:,.0f} records/s"
            startup.append(statml_seconds(one_csv)[0])
            if bench_bin:
                first = first_sight_rates(bench_bin, args.model, os.path.join(args.data, "valid.csv"), fasttext,
                                          valid_t)
                for name, rate in first.items():
                    first_sight[name].append(rate)
                short += (f", first sight StatML {first['statml']:,.0f} records/s, fastText "
                          f"{first['fasttext']:,.0f}")
            print(f"   round {r + 1}: StatML {got['statml']:,.0f} records/s, fastText {got['fasttext']:,.0f} "
                  f"records/s, ratio {ratios[-1]:.2f}{short}, start-up {startup[-1]:.3f} s", file=sys.stderr)

    result = {"created_utc": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(started)),
              "records": len(bench_t), "rounds": args.rounds, "cpu": core,
              "statml": {**summary(rates["statml"]), "cpu_seconds_per_round": statml_cpu},
              "statml_short": {"records": len(short_t), **summary(short_rates)} if short_rates else None,
              "first_sight": ({"records": len(valid_t), "statml": summary(first_sight["statml"]),
                               "fasttext": summary(first_sight["fasttext"])} if first_sight["statml"] else None),
              "statml_startup_seconds": {"per_round": startup, "median": statistics.median(startup),
                                         "best": min(startup)},
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
