#!/usr/bin/env python3
"""Turns the JSON lines of Benchmarks/csv/run.sh into the "## CSV reading" section of
Benchmarks/RESULTS.md, replacing only that section so other benchmarks' sections survive."""
import argparse
import datetime
import json
import os
import platform
import statistics
import sys

SECTION = "## CSV reading"


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("results")
    parser.add_argument("markdown")
    parser.add_argument("--load-before", default="?")
    parser.add_argument("--load-after", default="?")
    parser.add_argument("--swift-version", default="?")
    args = parser.parse_args()

    runs = [json.loads(line) for line in open(args.results) if line.strip()]
    big = max(r["bytes"] for r in runs)
    groups = {}
    for r in runs:
        key = (r["tool"], r["bytes"])
        groups.setdefault(key, []).append(r)

    def summary(tool, size):
        rs = groups[(tool, size)]
        speeds = sorted(r["mb_per_s"] for r in rs)
        return {
            "best": speeds[-1],
            "median": statistics.median(speeds),
            "rss": max(r["peak_rss_mb"] for r in rs),
            "runs": len(rs),
            "rows": rs[0]["rows"],
            "values": rs[0]["numeric_values"],
            "version": rs[0].get("version", ""),
            "file": rs[0]["file"],
        }

    pandas = summary("pandas", big)
    rows = [
        ("StatML `CSVReader.forEachRecord` (streaming)", summary("statml", big), big),
        ("pandas `read_csv(engine=\"c\")` (whole table)", pandas, big),
        ("Python `csv.reader` + `float()`", summary("csvmodule", big), big),
    ]
    small_sizes = sorted({r["bytes"] for r in runs if r["tool"] == "statml" and r["bytes"] != big})
    for size in small_sizes:
        rows.append(("StatML streaming, file 1/8 the size", summary("statml", size), size))

    # The tools must have read the same thing.
    counts = {(t, s): (g[0]["rows"], g[0]["numeric_values"]) for (t, s), g in groups.items()}
    agree = len({v for (t, s), v in counts.items() if s == big}) == 1

    lines = [SECTION, ""]
    lines.append(
        f"{datetime.date.today().isoformat()} · {os.cpu_count()} cores ({cpu_model()}) · "
        f"pandas {pandas['version']} · Python {platform.python_version()} · {args.swift_version}"
    )
    lines.append("")
    lines.append(
        f"Input: `{os.path.basename(rows[0][1]['file'])}`, {big / 1e6:.0f} MB, {rows[0][1]['rows']:,} rows × 10 columns "
        "from `Benchmarks/csv/generate.py` (seeded): integers, decimals, floats with exponents and up to 17 digits, "
        "quoted names with commas, doubled quotes and line breaks, dates, booleans, free text, empty fields. "
        "Every tool parses the five numeric columns to doubles and touches every other field; "
        f"row and value counts {'agree across tools' if agree else 'DISAGREE across tools — see csv-results.jsonl'}. "
        f"MB = 10^6 bytes; {rows[0][1]['runs']} runs per tool, round-robin, page cache warm."
    )
    lines.append("")
    lines.append("| tool | file MB | MB/s best | MB/s median | peak RSS MB | speed vs pandas (best) |")
    lines.append("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, s, size in rows:
        # A ratio only between runs on the same file.
        ratio = f"{s['best'] / pandas['best']:.2f}×" if size == big else "—"
        lines.append(
            f"| {name} | {size / 1e6:.0f} | {s['best']:.0f} | {s['median']:.0f} | {s['rss']:.0f} | {ratio} |"
        )
    lines.append("")
    lines.append(
        f"Load average (1, 5, 15 min) before: {args.load_before}, after: {args.load_after}. The machine is shared "
        "with other builds, so absolute figures vary from run to run; the ratios from the same run are the point."
    )
    lines.append("")
    lines.append("Reproduce: `bash Benchmarks/csv/run.sh` (or `make bench`); size with `CSV_BENCH_MB`, runs with `CSV_BENCH_RUNS`.")
    lines.append("")
    section = "\n".join(lines)

    try:
        text = open(args.markdown).read()
    except FileNotFoundError:
        text = "# Benchmark results\n\nEach section is written by its benchmark script; see the command under each table.\n\n"
    start = text.find(SECTION + "\n")
    if start < 0:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        end = text.find("\n## ", start + len(SECTION))
        text = text[:start] + section + ("\n" + text[end + 1 :] if end >= 0 else "")
    with open(args.markdown, "w") as f:
        f.write(text.rstrip("\n") + "\n")


if __name__ == "__main__":
    sys.exit(main())
