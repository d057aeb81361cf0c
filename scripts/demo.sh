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

echo "== 4. Coding service: a tenant, keys, the model in production, records coded over HTTP, one reviewed"
store="$out/service.db"
rm -f "$store" "$store"-wal "$store"-shm
"$statml" admin create-tenant demo-office --store "$store"
client=$("$statml" admin create-key --tenant demo-office --role client --label "survey system" --store "$store")
coder=$("$statml" admin create-key --tenant demo-office --role coder --label "coder 1" --store "$store")
"$statml" models push "$out/coding.statml" --tenant demo-office --stage production --store "$store" >/dev/null
"$statml" serve --port 0 --host 127.0.0.1 --store "$store" 2> "$out/serve.log" &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
for _ in $(seq 50); do grep -q listening "$out/serve.log" && break; sleep 0.1; done
port=$(sed -n 's/.*listening on http:\/\/[0-9.]*:\([0-9]*\).*/\1/p' "$out/serve.log")
api="http://127.0.0.1:$port"
echo "(serving on $api; the review workbench is at $api/review)"
python3 - "$api" "$client" "$coder" "$test" <<'PY'
import csv, json, sys, urllib.request
api, client, coder, test = sys.argv[1:5]
def call(method, path, key, body=None):
    request = urllib.request.Request(api + path, method=method, data=None if body is None else json.dumps(body).encode(),
                                     headers={"Authorization": "Bearer " + key})
    with urllib.request.urlopen(request) as response:
        return json.load(response)
texts = [row["text"] for row in csv.DictReader(open(test, encoding="utf-8"))][:500]
coded = call("POST", "/v1/code", client, {"records": [{"id": str(i), "text": t} for i, t in enumerate(texts)]})
auto = sum(r["auto"] for r in coded["results"])
print(f"POST /v1/code: {len(texts)} records, {auto} coded automatically, {len(texts) - auto} sent to review")
queue = call("GET", "/v1/review/next?limit=1", coder)
item = queue["items"][0]
print(f"review queue: {queue['queue_length']} records; most uncertain: {item['text']!r}")
print("  suggestions: " + ", ".join(f"{s['code']} ({s['confidence']:.2f})" for s in item["suggestions"][:3]))
decided = call("POST", f"/v1/review/items/{item['id']}", coder, {"code": item["suggestions"][0]["code"]})
print(f"  coder chose {decided['code']!r}: {decided['decision']}")
PY
curl -s "$api/metrics" | grep -E "^statml_(coding_auto_ratio|review_queue_length)"
kill -TERM "$server"; wait "$server" || true
trap - EXIT
tail -n 1 "$out/serve.log"
echo
echo "demo finished: outputs in $out/"
