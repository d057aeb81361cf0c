#!/usr/bin/env bash
# The end-to-end demo behind `make demo`: every capability adds its step here.
set -euo pipefail
statml="${1:-.build/release/statml}"
out=demo-output
mkdir -p "$out"

echo "== 1. Data: a generated household survey with the quirks of real exports"
"$statml" data sample "$out/survey.csv" --rows 20000 --seed 42
"$statml" data inspect "$out/survey.csv"
echo
echo "== 2. Data: the same file as typed JSON Lines, and inspected again"
"$statml" data convert "$out/survey.csv" "$out/survey.jsonl"
"$statml" data inspect "$out/survey.jsonl" --json | head -c 600; echo " ..."
echo
echo "demo finished: outputs in $out/"
