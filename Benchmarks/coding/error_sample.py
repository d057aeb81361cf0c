#!/usr/bin/env python3
"""A random sample of StatML's cross-validation errors on ECOICOP, for reading by people (ERROR_AUDIT.md).

    python3 Benchmarks/coding/error_sample.py [--work Benchmarks/coding/work/cv] [--size 60] [--seed 3]

Reads the coded test folds cv.py leaves behind (WORK/statml-testK-coded.csv: text, label, code, confidence, ...),
takes every record whose code is not its label, in fold order, and prints a sample of --size of them drawn
with random.Random(--seed) as a Markdown table: text, label, StatML's code, its confidence. The verdict column
is left for the reader: ERROR_AUDIT.md holds the developers' reading of the default sample.
"""
from __future__ import annotations

import argparse
import csv
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", default=os.path.join(HERE, "work", "cv"), help="cv.py's fold directory")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--size", type=int, default=60)
    ap.add_argument("--seed", type=int, default=3)
    args = ap.parse_args()
    rows, errors = 0, []
    for k in range(args.folds):
        path = os.path.join(args.work, f"statml-test{k}-coded.csv")
        if not os.path.isfile(path):
            print(f"error: {path} not found: run Benchmarks/coding/cv.py first", file=sys.stderr)
            return 1
        with open(path, newline="", encoding="utf-8") as f:
            for r in csv.DictReader(f):
                rows += 1
                if r["code"] != r["label"]:
                    errors.append(r)
    sample = random.Random(args.seed).sample(errors, min(args.size, len(errors)))
    print(f"{len(errors)} errors in {rows} records (accuracy {1 - len(errors) / max(rows, 1):.4f}); "
          f"{len(sample)} drawn with seed {args.seed}\n")
    print("| # | text | label | StatML | confidence | verdict |")
    print("|---|---|---|---|---|---|")
    for i, r in enumerate(sample):
        cells = [r["text"], r["label"], r["code"]]
        cells = [c.replace("|", "\\|").replace("\n", " ") for c in cells]
        print(f"| {i} | {cells[0]} | {cells[1]} | {cells[2]} | {float(r['confidence']):.2f} | |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
