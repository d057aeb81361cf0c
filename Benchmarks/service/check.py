#!/usr/bin/env python3
"""Correctness check of the coding-service benchmark: the server's answers against `statml code predict`.

    python3 Benchmarks/service/check.py --batch-response batch.json --single-dir DIR \
        --predicted predicted.csv --json check.json

- batch.json: the server's answer to DIR/all.json (every valid.csv text in one request, ids 1…n);
- DIR/single-N.json: its answers to single-record requests for text N (the first few texts);
- predicted.csv: `statml code predict` on valid.csv with the same model (columns text, …, code,
  confidence, auto), the reference.

Codes and `auto` must be equal and confidences agree to 1e-6; writes a summary to --json and exits
1 on any difference.
"""
from __future__ import annotations

import argparse
import csv
import glob
import json
import os
import sys


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--batch-response", required=True)
    ap.add_argument("--single-dir", required=True)
    ap.add_argument("--predicted", required=True)
    ap.add_argument("--json", required=True)
    args = ap.parse_args()

    with open(args.predicted, encoding="utf-8", newline="") as f:
        reference = list(csv.DictReader(f))
    want = {str(i + 1): r for i, r in enumerate(reference)}

    def compare(result: dict, what: str, problems: list[str]) -> None:
        ref = want.get(str(result["id"]))
        if ref is None:
            problems.append(f"{what}: id {result['id']} is not in the reference")
            return
        auto = ref["auto"].strip().lower() == "true"
        if result["code"] != ref["code"] or bool(result["auto"]) != auto \
                or abs(float(result["confidence"]) - float(ref["confidence"])) > 1e-6:
            problems.append(f"{what} id {result['id']}: server {result['code']!r} {result['confidence']:.6f} "
                            f"auto={result['auto']}, statml code predict {ref['code']!r} {ref['confidence']} "
                            f"auto={ref['auto']}")

    problems: list[str] = []
    with open(args.batch_response, encoding="utf-8") as f:
        batch = json.load(f)["results"]
    for r in batch:
        compare(r, "batch", problems)
    if len(batch) != len(reference):
        problems.append(f"batch: {len(batch)} results for {len(reference)} records")
    singles = 0
    for path in sorted(glob.glob(os.path.join(args.single_dir, "single-*.json"))):
        with open(path, encoding="utf-8") as f:
            for r in json.load(f)["results"]:
                compare(r, "single", problems)
                singles += 1
    summary = {
        "batch_records": len(batch), "single_records": singles, "reference": "statml code predict",
        "mismatches": len(problems), "examples": problems[:10],
        "auto_share": sum(1 for r in batch if r["auto"]) / max(1, len(batch)),
    }
    with open(args.json, "w", encoding="utf-8") as f:
        json.dump(summary, f, indent=2, ensure_ascii=False)
    if problems:
        print(f"check.py: {len(problems)} differences from statml code predict, e.g.:", file=sys.stderr)
        for p in problems[:5]:
            print("  " + p, file=sys.stderr)
        return 1
    print(f"check.py: {len(batch)} batch and {singles} single-record answers equal statml code predict "
          f"(auto-coded share {summary['auto_share']:.3f})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
