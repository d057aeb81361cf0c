#!/usr/bin/env python3
"""The peer side of the CSV-reading benchmark: reads the file with one tool and prints one JSON
object (tool, seconds, mb_per_s, peak_rss_mb, and checksums comparable with statml-bench's).

    python3 Benchmarks/csv/peers.py pandas FILE
    python3 Benchmarks/csv/peers.py csvmodule FILE

Each tool runs in its own process (run.sh starts one process per run), so peak RSS is the tool's
own. Timing covers reading only, not the Python start-up or imports.

- pandas: `pandas.read_csv(path, engine="c")`, the whole table in memory, as pandas works.
- csvmodule: Python's `csv.reader`, iterating the rows and converting the numeric columns with
  float() (empty fields skipped) and summing the lengths of the others, as statml-bench does.
"""
import json
import os
import resource
import sys
import time

NUMERIC = ["id", "amount", "rate", "quantity", "score"]


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def run_pandas(path):
    import pandas as pd

    start = time.perf_counter()
    frame = pd.read_csv(path, engine="c")
    seconds = time.perf_counter() - start
    numeric = frame[NUMERIC]
    return {
        "tool": "pandas",
        "version": pd.__version__,
        "rows": len(frame),
        "seconds": seconds,
        "numeric_values": int(numeric.count().sum()),
        "numeric_sum": float(numeric.sum().sum()),
    }


def run_csvmodule(path):
    import csv

    start = time.perf_counter()
    rows = 0
    numeric_sum = 0.0
    numeric_values = 0
    text_bytes = 0
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        numeric = [name in NUMERIC for name in header]
        for row in reader:
            rows += 1
            for is_numeric, field in zip(numeric, row):
                if is_numeric:
                    if field:
                        numeric_sum += float(field)
                        numeric_values += 1
                else:
                    text_bytes += len(field)
    seconds = time.perf_counter() - start
    return {
        "tool": "csvmodule",
        "version": sys.version.split()[0],
        "rows": rows,
        "seconds": seconds,
        "numeric_values": numeric_values,
        "numeric_sum": numeric_sum,
        "text_chars": text_bytes,
    }


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("pandas", "csvmodule"):
        sys.exit(__doc__)
    tool, path = sys.argv[1], sys.argv[2]
    result = run_pandas(path) if tool == "pandas" else run_csvmodule(path)
    size = os.path.getsize(path)
    result.update(
        file=path,
        bytes=size,
        mb_per_s=size / 1e6 / result["seconds"],
        peak_rss_mb=peak_rss_mb(),
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
