#!/usr/bin/env bash
# Automated-coding benchmark (ECOICOP product names): StatML's `statml code` next to its peers
# (fastText, scikit-learn TF-IDF + LinearSVC / LogisticRegression), same split, same scoring code
# (metrics.py), same timing rules; then a 5-fold cross-validation of StatML, fastText tuned and
# TF-IDF + LinearSVC on the very same folds (cv.py); then the `## Automated coding (ECOICOP)` section of
# Benchmarks/RESULTS.md is replaced (the rest of the file is left alone).
#
#   bash Benchmarks/coding/run.sh                                   # peers (+ .build/release/statml if built)
#   STATML_BIN=.build/release/statml bash Benchmarks/coding/run.sh  # a given statml binary
#
# Environment:
#   STATML_BIN      statml binary; default .build/release/statml when it exists. StatML is measured only
#                   if `$STATML_BIN code --help` exits 0; otherwise the section says so and shows the peers.
#   ECOICOP_DATA    directory with train.csv and valid.csv (default ../shared/data/ecoicop from the repo root)
#   PYTHON          python interpreter (default python3)
#   CODING_REPEATS  throughput = best of this many timed prediction runs (default 3)
#   CODING_SPEED_ROUNDS  rounds of the interleaved StatML / fastText speed comparison (speed.py; default 7)
#   CODING_CV       1 (default): also run the 5-fold cross-validation (about 5 minutes more; fold files in
#                   work/cv/, figures in work/cv.json); 0: single split only
# Everything runs on one thread. Intermediate files go to Benchmarks/coding/work/ (not committed).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
PY="${PYTHON:-python3}"
DATA="${ECOICOP_DATA:-$ROOT/../shared/data/ecoicop}"
WORK="$HERE/work"
REPEATS="${CODING_REPEATS:-3}"
CV="${CODING_CV:-1}"
export ECOICOP_DATA="$DATA"
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 BLIS_NUM_THREADS=1 NUMEXPR_NUM_THREADS=1

if [[ ! -f "$DATA/train.csv" || ! -f "$DATA/valid.csv" ]]; then
    echo "coding benchmark: ECOICOP data not found ($DATA/train.csv, $DATA/valid.csv); skipping." >&2
    echo "  (set ECOICOP_DATA to the directory holding them; Benchmarks/RESULTS.md is left unchanged)" >&2
    exit 0
fi

# Install the pinned peers only if something is missing or at another version.
if ! "$PY" - "$HERE/requirements.txt" <<'EOF'
import sys
from importlib import metadata
ok = True
for line in open(sys.argv[1], encoding="utf-8"):
    line = line.split("#", 1)[0].strip()
    if not line:
        continue
    name, _, want = line.partition("==")
    try:
        have = metadata.version(name)
    except metadata.PackageNotFoundError:
        have = None
    if have != want:
        print(f"  {name}: want {want}, have {have}", file=sys.stderr)
        ok = False
sys.exit(0 if ok else 1)
EOF
then
    echo "== coding benchmark: installing $HERE/requirements.txt" >&2
    "$PY" -m pip install -q --disable-pip-version-check -r "$HERE/requirements.txt"
fi

mkdir -p "$WORK"
START=$(date +%s)
"$PY" "$HERE/metrics.py"

echo "== coding benchmark: peers (fastText, scikit-learn) on $DATA" >&2
"$PY" "$HERE/peers.py" --data "$DATA" --json "$WORK/peers.json" --markdown "$WORK/peers.md" --repeats "$REPEATS"

if [[ -z "${STATML_BIN:-}" && -x "$ROOT/.build/release/statml" ]]; then
    STATML_BIN="$ROOT/.build/release/statml"
fi
STATML_STATUS=0
if [[ -n "${STATML_BIN:-}" ]]; then
    echo "== coding benchmark: StatML ($STATML_BIN)" >&2
    "$PY" "$HERE/statml_side.py" --bin "$STATML_BIN" --data "$DATA" --work "$WORK" --json "$WORK/statml.json" \
        --repeats "$REPEATS" || STATML_STATUS=$?
else
    printf '{"available": false, "reason": "STATML_BIN was not set and %s does not exist"}\n' \
        ".build/release/statml" > "$WORK/statml.json"
fi

# Prediction speed, StatML and fastText taking turns on the same records (the single split times them
# minutes apart).
SPEED_ARGS=()
if [[ "$STATML_STATUS" -eq 0 && -n "${STATML_BIN:-}" ]] \
    && "$PY" -c 'import json, sys; sys.exit(0 if json.load(open(sys.argv[1])).get("available") else 1)' \
        "$WORK/statml.json" 2>/dev/null; then
    echo "== coding benchmark: prediction speed, interleaved (StatML, fastText default)" >&2
    rm -f "$WORK/speed.json"
    "$PY" "$HERE/speed.py" --bin "$STATML_BIN" --model "$WORK/ecoicop.statml" --data "$DATA" \
        --rounds "${CODING_SPEED_ROUNDS:-7}" --json "$WORK/speed.json" || STATML_STATUS=$?
    SPEED_ARGS=(--speed "$WORK/speed.json")
fi

# Cross-validation: after the single split, whose chosen peer hyperparameters (peers.json) it reuses.
CV_ARGS=()
if [[ "$CV" != "0" ]]; then
    echo "== coding benchmark: 5-fold cross-validation (StatML, fastText tuned, TF-IDF + LinearSVC)" >&2
    rm -f "$WORK/cv.json"   # a stale file must not be reported if this run fails
    CV_STATUS=0
    "$PY" "$HERE/cv.py" ${STATML_BIN:+--bin "$STATML_BIN"} --data "$DATA" --work "$WORK/cv" \
        --peers-json "$WORK/peers.json" --json "$WORK/cv.json" || CV_STATUS=$?
    if [[ "$STATML_STATUS" -eq 0 ]]; then STATML_STATUS=$CV_STATUS; fi
    CV_ARGS=(--cv "$WORK/cv.json")
fi

"$PY" "$HERE/report.py" --peers "$WORK/peers.json" --statml "$WORK/statml.json" ${CV_ARGS[@]+"${CV_ARGS[@]}"} \
    ${SPEED_ARGS[@]+"${SPEED_ARGS[@]}"} \
    --results "$ROOT/Benchmarks/RESULTS.md"
echo "== coding benchmark: done in $(( $(date +%s) - START )) s (JSON in $WORK)" >&2
exit "$STATML_STATUS"
