#!/usr/bin/env bash
# CSV reading: StatML's streaming reader against pandas' C engine and Python's csv module on the
# same generated file, in the same run. Writes the "## CSV reading" section of Benchmarks/RESULTS.md.
#
#     bash Benchmarks/csv/run.sh            # ~1 GB file (CSV_BENCH_MB=1024)
#     CSV_BENCH_MB=128 bash Benchmarks/csv/run.sh
#     CSV_BENCH_RUNS=5 bash Benchmarks/csv/run.sh
#
# Needs python3 with pandas (`pip install pandas`). Each tool runs RUNS times (default 3), round-robin,
# one process per run; the table reports the best and the median. StatML also reads a file 1/8 the
# size, to show that its peak memory does not depend on the file's size.
set -euo pipefail
cd "$(dirname "$0")/../.."

MB=${CSV_BENCH_MB:-1024}
SMALL_MB=$((MB / 8))
RUNS=${CSV_BENCH_RUNS:-3}
WORK=Benchmarks/work
BIG=$WORK/csv-bench-${MB}mb.csv
SMALL=$WORK/csv-bench-${SMALL_MB}mb.csv
RESULTS=$WORK/csv-results.jsonl
NUMERIC=id,amount,rate,quantity,score
mkdir -p "$WORK"

python3 -c "import pandas" 2>/dev/null || { echo "error: pandas is not installed (pip install pandas)" >&2; exit 1; }
[ -f "$BIG" ] || python3 Benchmarks/csv/generate.py --mb "$MB" --out "$BIG"
[ -f "$SMALL" ] || python3 Benchmarks/csv/generate.py --mb "$SMALL_MB" --out "$SMALL"

BUILD_PATH=${CSV_BENCH_BUILD_PATH:-.build}
swift build -c release --product statml-bench --build-path "$BUILD_PATH"
BIN="$(swift build -c release --product statml-bench --build-path "$BUILD_PATH" --show-bin-path)/statml-bench"

# Warm the page cache so every tool reads from memory, not from the disk.
cat "$BIG" "$SMALL" > /dev/null
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

: > "$RESULTS"
for run in $(seq "$RUNS"); do
    echo "run $run/$RUNS: statml" >&2
    "$BIN" csv "$BIG" --numeric "$NUMERIC" >> "$RESULTS"
    echo "run $run/$RUNS: pandas" >&2
    python3 Benchmarks/csv/peers.py pandas "$BIG" >> "$RESULTS"
    echo "run $run/$RUNS: csv module" >&2
    python3 Benchmarks/csv/peers.py csvmodule "$BIG" >> "$RESULTS"
    echo "run $run/$RUNS: statml, 1/8 file" >&2
    "$BIN" csv "$SMALL" --numeric "$NUMERIC" >> "$RESULTS"
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

python3 Benchmarks/csv/report.py "$RESULTS" Benchmarks/RESULTS.md \
    --load-before "$LOAD_BEFORE" --load-after "$LOAD_AFTER" \
    --swift-version "$(swift --version 2>/dev/null | head -1)"
awk '/^## CSV reading/ { shown = 1; print; next } /^## / { shown = 0 } shown' Benchmarks/RESULTS.md
