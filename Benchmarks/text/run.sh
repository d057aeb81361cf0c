#!/usr/bin/env bash
# Times TextNormalizer.tokens, FeatureHashing.features and TextFeaturizer on the ECOICOP product names
# (ns per record, one thread). Run from the repository root: bash Benchmarks/text/run.sh
# TEXT_SOURCES=DIR times another copy of Sources/Text instead, e.g. the one before the fast path
# (`git show <commit>:Sources/Text/<file>` for each file), for a before/after comparison on the same machine.
set -euo pipefail
cd "$(dirname "$0")/../.."
data=../shared/data/ecoicop
[ -f "$data/train.csv" ] || { echo "text-bench: $data/train.csv is missing (see ../shared/data/README.md)" >&2; exit 2; }
out=.build/text-bench
mkdir -p "$out"
if [ -n "${TEXT_SOURCES:-}" ]; then
    swiftc -O -wmo -module-name TextBench "$TEXT_SOURCES"/*.swift Benchmarks/text/main.swift -o "$out/text-bench-other"
    "$out/text-bench-other" "$data/train.csv" "$data/valid.csv"
else
    swiftc -O -wmo -module-name TextBench -D FAST_API Sources/Text/*.swift Benchmarks/text/main.swift -o "$out/text-bench"
    "$out/text-bench" "$data/train.csv" "$data/valid.csv"
fi
