#!/usr/bin/env python3
"""Writes the request bodies of the coding-service benchmark (Benchmarks/service/run.sh).

    python3 Benchmarks/service/bodies.py --valid ../shared/data/ecoicop/valid.csv --out DIR [--repeat 10]

From the `text` column of ECOICOP valid.csv (1,500 Polish product names), in file order:

- DIR/single.jsonl       one single-record body a line, `{"id":"N","text":"..."}`, one per text; the load
                         generator (statml-bench load) sends them in turn, so consecutive requests carry different texts.
- DIR/batch1000.jsonl    bodies of 1,000 records `{"records":[...]}`: the texts taken cyclically, each
- DIR/batch10000.jsonl   body starting where the previous one stopped (so bodies differ); 15 and 3 bodies.
- DIR/all.json           one body holding every text once (ids 1…n), for the correctness check.
- DIR/texts.csv          the texts repeated `--repeat` times (CSV, column `text`): the in-process side
                         (`statml-bench predict`) codes the same texts the server sees, as often.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import sys


def body(records: list[tuple[int, str]]) -> str:
    return json.dumps({"records": [{"id": str(i), "text": t} for i, t in records]}, ensure_ascii=False,
                      separators=(",", ":"))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--valid", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--repeat", type=int, default=10)
    args = ap.parse_args()
    with open(args.valid, encoding="utf-8", newline="") as f:
        texts = [row["text"] for row in csv.DictReader(f)]
    if not texts:
        print(f"bodies.py: no texts in {args.valid}", file=sys.stderr)
        return 1
    os.makedirs(args.out, exist_ok=True)
    n = len(texts)
    with open(os.path.join(args.out, "single.jsonl"), "w", encoding="utf-8") as f:
        for i, t in enumerate(texts):
            f.write(json.dumps({"id": str(i + 1), "text": t}, ensure_ascii=False, separators=(",", ":")) + "\n")
    for size, count in ((1000, 15), (10000, 3)):
        with open(os.path.join(args.out, f"batch{size}.jsonl"), "w", encoding="utf-8") as f:
            for b in range(count):
                start = b * size
                f.write(body([(k + 1, texts[(start + k) % n]) for k in range(size)]) + "\n")
    with open(os.path.join(args.out, "all.json"), "w", encoding="utf-8") as f:
        f.write(body([(i + 1, t) for i, t in enumerate(texts)]))
    with open(os.path.join(args.out, "texts.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["text"])
        for _ in range(args.repeat):
            for t in texts:
                w.writerow([t])
    print(f"bodies.py: {n} texts → single, batch1000 ×15, batch10000 ×3, all ({n} records), "
          f"texts.csv ({n * args.repeat} rows) in {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
