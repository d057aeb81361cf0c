#!/usr/bin/env bash
# Builds the CSV, JSON and service-request fuzz targets with libFuzzer and AddressSanitizer (STYLE.md §5) and runs
# each for SECONDS (default 20). Crash inputs land in Fuzz/artifacts/; exits non-zero if any.
#
#     bash Fuzz/run.sh [SECONDS]
#
# The seed corpora in Fuzz/corpus/ are read, never written: new inputs go to a scratch corpus
# under Fuzz/artifacts/ so the committed corpus stays small.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET=${1:-20}
BUILD_PATH=${FUZZ_BUILD_PATH:-.build/fuzz}
ARTIFACTS=Fuzz/artifacts
mkdir -p "$ARTIFACTS"

status=0
for target in FuzzCSV FuzzJSON FuzzRequest; do
    STATML_FUZZ=1 swift build --product "$target" --build-path "$BUILD_PATH" \
        -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld
done
BIN="$(STATML_FUZZ=1 swift build --build-path "$BUILD_PATH" --show-bin-path)"

for target in FuzzCSV FuzzJSON FuzzRequest; do
    case $target in
        FuzzCSV) seeds=Fuzz/corpus/csv ;;
        FuzzJSON) seeds=Fuzz/corpus/json ;;
        FuzzRequest) seeds=Fuzz/corpus/request ;;
    esac
    scratch="$ARTIFACTS/corpus-$target"
    mkdir -p "$scratch"
    before=$(find "$ARTIFACTS" -maxdepth 1 -name "$target-*" | wc -l)
    echo "== $target for ${SECONDS_PER_TARGET}s" >&2
    # -rss_limit_mb: the reader's memory is bounded; a blow-up is a bug worth a report.
    if ! SWIFT_BACKTRACE=enable=no "$BIN/$target" "$scratch" "$seeds" \
        -max_total_time="$SECONDS_PER_TARGET" -rss_limit_mb=2048 -max_len=4096 \
        -artifact_prefix="$ARTIFACTS/$target-" -print_final_stats=1 2> "$ARTIFACTS/$target.log"; then
        status=1
    fi
    after=$(find "$ARTIFACTS" -maxdepth 1 -name "$target-*" | wc -l)
    grep -E "^(stat::number_of_executed_units|stat::new_units_added|#[0-9]+ +DONE)" "$ARTIFACTS/$target.log" >&2 || true
    if [ "$after" -gt "$before" ]; then
        echo "$target: crash input(s) in $ARTIFACTS/ (log: $ARTIFACTS/$target.log)" >&2
        status=1
    fi
done
if [ $status -eq 0 ]; then echo "fuzzing found nothing" >&2; fi
exit $status
