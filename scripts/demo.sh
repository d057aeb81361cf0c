#!/usr/bin/env bash
# The end-to-end demo behind `make demo`: every capability adds its step here.
set -euo pipefail
statml="${1:-.build/release/statml}"
out=demo-output
shared=../shared/data
mkdir -p "$out"

echo "== 1. Data: a generated household survey with the quirks of real exports"
"$statml" data sample "$out/survey.csv" --rows 20000 --seed 42
"$statml" data inspect "$out/survey.csv"
echo
echo "== 2. Data: the same file as typed JSON Lines, inspected again"
"$statml" data convert "$out/survey.csv" "$out/survey.jsonl"
"$statml" data inspect "$out/survey.jsonl" --json | head -c 400; echo " ..."
echo

echo "== 3. Automated coding: train a coding model, code unseen products, measure it"
if [ -f "$shared/ecoicop/train.csv" ]; then
    train="$shared/ecoicop/train.csv"; test="$shared/ecoicop/valid.csv"
    echo "(Statistics Poland's ECOICOP product names from $shared/ecoicop)"
    hierarchy=()
else
    echo "($shared/ecoicop is absent: generated product names instead)"
    "$statml" code sample "$out/products-train.csv" --rows 6000 --seed 1 --hierarchy "$out/classification.csv"
    "$statml" code sample "$out/products-test.csv" --rows 1500 --seed 2
    train="$out/products-train.csv"; test="$out/products-test.csv"
    hierarchy=(--hierarchy "$out/classification.csv")
fi
"$statml" code train --data "$train" --text text --label label --model "$out/coding.statml" \
    --target-precision 0.97 "${hierarchy[@]}"
"$statml" code predict --model "$out/coding.statml" --data "$test" --output "$out/coded.csv"
head -n 4 "$out/coded.csv"
"$statml" code evaluate --model "$out/coding.statml" --data "$test" --text text --label label | head -n 6
echo
echo "demo finished: outputs in $out/"
