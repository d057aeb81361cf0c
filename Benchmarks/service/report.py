#!/usr/bin/env python3
"""Writes the `## Coding service (HTTP)` section of Benchmarks/RESULTS.md from Benchmarks/service/work/*.json.

    python3 Benchmarks/service/report.py [--work Benchmarks/service/work] [--results Benchmarks/RESULTS.md]

Reads load-*.json (one per load, written by run.sh from the output of `statml-bench load`), inprocess.json
(`statml-bench predict`), check.json (answers against `statml code predict`), fsync.json and run.json.
Only this section is replaced (from its heading to the next `#`/`##` heading outside a code fence,
or the end of the file); the rest of RESULTS.md is kept byte for byte. The section is also printed.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import results  # noqa: E402  (Benchmarks/results.py)


HEADING = "## Coding service (HTTP)"
P99_TARGET_MS = 5.0
RECORDS_TARGET = 100_000
COMMAND = "bash Benchmarks/service/run.sh   # needs curl and python3; builds statml and statml-bench"

# name in run.sh → (label, target kind); single-c16-disk has no target: it is there for comparison
LOADS = [
    ("single-c16", "single record", "p99"),
    ("single-c16-disk", "single record, `--coding-durability disk`", None),
    ("single-c1", "single record (latency floor)", None),
    ("batch1000-c4", "batch of 1,000", "records"),
    ("batch10000-c2", "batch of 10,000", "records"),
]


def _load(path: str) -> dict | None:
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def _n(x: float, digits: int = 0) -> str:
    return f"{x:,.{digits}f}"


def _la(values) -> str:
    return " ".join(f"{v:.2f}" for v in values) if values else "n/a"


def _threads(n: int) -> str:
    return "a thread per connection" if n == 0 else f"`--threads {n}`"


def _load_ok(r: dict) -> bool:
    """No answer other than 200, no socket error, and Little's law holds (closed loop: requests/s × mean
    latency cannot exceed the connections)."""
    return (r["non200"] == 0 and sum(r["errors"].values()) == 0
            and r.get("littles_law_concurrency", 0) <= r["connections"] * 1.001)


def section(work: str) -> str:
    run = _load(os.path.join(work, "run.json"))
    out = [HEADING, ""]
    if run is None:
        return "\n".join(out + ["Not run: no run.json in Benchmarks/service/work (run the command below).", ""])
    inproc = _load(os.path.join(work, "inprocess.json")) or {}
    check = _load(os.path.join(work, "check.json")) or {}
    fsync = _load(os.path.join(work, "fsync.json"))
    durability = run.get("coding_durability", "log")
    interval = run.get("checkpoint_interval_s", 0.1)
    client_threads = run.get("client_threads", 2)
    loads = []
    for name, label, kind in LOADS:
        if name == "single-c16" and durability != "log":
            label = f"single record, `--coding-durability {durability}`"
        loads.append((name, label, kind, _load(os.path.join(work, f"load-{name}.json"))))

    out.append(
        f"`statml serve` (SQLite store, {_threads(run['server_threads'])}, `--coding-durability {durability}`, "
        f"`--checkpoint-interval {interval:g}`) coding ECOICOP product names with the model of *Automated coding "
        f"(ECOICOP)*, loaded by `statml-bench load` ({client_threads} client threads) over HTTP/1.1 keep-alive on "
        f"127.0.0.1; request texts cycle through the 1,500 texts of `valid.csv`. Every answer waits for its audit "
        f"entry and its review-queue records (records not auto-coded) to be committed (SQLite WAL, group commit); "
        f"how durably depends on `--coding-durability` (below). **The load generator and the server share the "
        f"machine's {run['nproc']} cores**, so the server gets less than {run['nproc']} cores; the CPU each used "
        f"is in the second table. {run['duration_s']} s per load after a warm-up (all texts in one request, then "
        f"3 s of single records).")
    out.append("")
    head = ["load", "connections", "requests/s", "records/s", "p50 ms", "p90 ms", "p99 ms", "max ms",
            "Little's law", "target", "met?"]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] + ["---:"] * 8 + ["---", "---"]) + "|"]
    best_http = 0.0
    for name, label, kind, r in loads:
        if r is None:
            lines.append(f"| {label} | – | not run | | | | | | | | |")
            continue
        lat = r["latency_ms"]
        ok = _load_ok(r)
        if kind == "p99":
            target = f"p99 < {P99_TARGET_MS:g} ms"
            met = lat["p99"] < P99_TARGET_MS and ok
        elif kind == "records":
            target = f"≥ {RECORDS_TARGET:,} records/s"
            met = r["records_per_s"] >= RECORDS_TARGET and ok
            best_http = max(best_http, r["records_per_s"])
        else:
            target, met = "–", None
        little = r.get("littles_law_concurrency")
        lines.append("| " + " | ".join([
            label, str(r["connections"]), _n(r["requests_per_s"]), _n(r["records_per_s"]),
            _n(lat["p50"], 2), _n(lat["p90"], 2), _n(lat["p99"], 2), _n(lat["max"], 1),
            "–" if little is None else f"{little:.2f} / {r['connections']}", target,
            "–" if met is None else ("**yes**" if met else "**no**"),
        ]) + " |")
    per_core = inproc.get("cached_records_per_s")
    if per_core:
        lines.append(f"| in-process `CodingPredictor`, 1 thread | – | – | {_n(per_core)} | | | | | | | |")
        lines.append(f"| in-process ×2 (2 cores, ideal) | – | – | {_n(2 * per_core)} | | | | | | "
                     f"≥ {RECORDS_TARGET:,} records/s | {'**yes**' if 2 * per_core >= RECORDS_TARGET else '**no**'} |")
    out.append("\n".join(lines))
    out.append("")
    if per_core and best_http:
        out.append(f"**HTTP / in-process**: the best batched HTTP rate is {best_http / (2 * per_core):.2f}× the "
                   f"in-process rate on 2 cores ({_n(best_http)} vs {_n(2 * per_core)} records/s) and "
                   f"{best_http / per_core:.2f}× one in-process thread.")
    single = next((r for n, _, _, r in loads if n == "single-c16" and r), None)
    if per_core and single:
        out.append(f"Single records: {_n(single['requests_per_s'])} records/s over HTTP is "
                   f"{single['requests_per_s'] / per_core:.3f}× one in-process thread; the model's own work is "
                   f"{inproc['cached_us_per_record']:.1f} µs of each request's "
                   f"{1000 * single['server_cpu_ms_per_request']:.0f} µs of server CPU.")
    out.append("")

    out.append("Where the CPU went during each load (from `/proc/PID/stat` of the server, the load generator's own "
               "`getrusage`, and `/proc/stat` for the whole machine: other processes' share is what the server and "
               "the load generator did not use):")
    out.append("")
    out.append("| load | server cores busy | client cores busy | other processes' cores busy | "
               "server CPU µs / request | server CPU µs / record | non-200 | socket errors | "
               "load avg before → after |")
    out.append("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for name, label, _, r in loads:
        if r is None:
            continue
        client = r.get("client_cores_busy")
        out.append("| " + " | ".join([
            f"{label}, {r['connections']} conn.", f"{r['server_cores_busy']:.2f}",
            "–" if client is None else f"{client:.2f}",
            f"{r['other_cores_busy']:.2f}" if "other_cores_busy" in r else "–",
            _n(1000 * r["server_cpu_ms_per_request"]),
            _n(1000 * r["server_cpu_ms_per_request"] / r["records_per_request"], 1),
            str(r["non200"]), str(sum(r["errors"].values())),
            f"{r['loadavg_before'][0]:.2f} → {r['loadavg_after'][0]:.2f}",
        ]) + " |")
    out.append("")

    notes = []
    notes.append(
        f"**Durability**: with `--coding-durability log` (the default) a `POST /v1/code` answer waits until its "
        f"audit entry and review items are committed to SQLite's write-ahead log, which survives a crash or "
        f"`kill -9` of statml, and a background checkpointer flushes the log to disk every {interval:g} s "
        f"(`--checkpoint-interval`). With `--coding-durability disk` every answer also waits for that disk flush "
        f"(fsync), as before, safe from power loss; the row *single record, `--coding-durability disk`* is the "
        f"16-connection single-record load against a second server started that way on the same store (after "
        f"the first one stopped, warmed up the same way). Review decisions always wait for the disk.")
    notes.append(
        "**Why not wrk**: earlier runs used wrk 4.1, whose latency statistics failed Little's law on this "
        "machine: 70,683 requests in 10 s over 16 closed-loop connections bound the mean latency by "
        "16 × 10 s / 70,683 = 2.3 ms, yet wrk reported a mean of 97 ms and p99 1.4 s, while the server's own "
        "histogram had only ~8 requests over 10 ms (known wrk issues #114 and #46).")
    notes.append(
        f"**Latency** is measured by `statml-bench load` for every request, none sampled: from just before the "
        f"request's first byte is written to when the last byte of its answer has been read. Closed loop: each "
        f"connection has one request outstanding and sends the next as soon as the answer is read (coordinated "
        f"omission not corrected, as with wrk); requests still in flight at the end are not counted. The client "
        f"({client_threads} threads, non-blocking sockets and `poll()`) runs on the same {run['nproc']} cores as "
        f"the server. *Little's law* is requests/s × mean latency against the connections: for a closed loop it "
        f"must come out just under the connection count (the rest is the client's time between an answer and "
        f"the next request); above it the figures would be wrong, and the load counts as failed.")
    if check:
        measured = [r for _, _, _, r in loads if r is not None]
        bad = sum(r["non200"] + sum(r["errors"].values()) for r in measured)
        answered = ("every load answered 200 only (counted by `statml-bench load`)" if bad == 0 else
                    f"**{bad:,} requests of the loads failed or answered other than 200** (see the second table)")
        if check.get("mismatches") == 0:
            notes.append(f"**Correctness**: {answered}; the answers for "
                         f"all {check['batch_records']:,} `valid.csv` texts in one request and for "
                         f"{check['single_records']} single-record requests equal `statml code predict` (code, "
                         f"`auto`, confidence to 1e-6). {check['auto_share']:.1%} of the texts are auto-coded; the "
                         f"rest are queued for review on every request.")
        else:
            notes.append(f"**Correctness: {check['mismatches']} answers differ from `statml code predict`** "
                         f"(see `Benchmarks/service/work/check.json`); {answered}.")
    if fsync:
        notes.append(f"**Disk**: a 4 KiB `fdatasync` on the store's file system takes p50 {fsync['p50_ms']:.2f} ms, "
                     f"p90 {fsync['p90_ms']:.2f} ms, p99 {fsync['p99_ms']:.2f} ms, max {fsync['max_ms']:.1f} ms "
                     f"({fsync['count']} timed in this run): a floor under any answer that waits for the disk "
                     f"(`--coding-durability disk`); with `log` the checkpointer pays it off the request path.")
    rss = run["rss_kb"]
    notes.append(f"**Memory (VmRSS)** of the `--coding-durability {durability}` server: idle "
                 f"{rss['idle_before'] / 1024:.1f} MB before any request, "
                 f"{rss['after_model_load'] / 1024:.1f} MB with the model loaded, {rss['idle_after'] / 1024:.1f} MB "
                 f"idle after the loads (peak {rss['peak'] / 1024:.1f} MB).")
    if per_core:
        notes.append(f"**In-process**: `statml-bench predict` on the same texts (`valid.csv` ×10, "
                     f"{int(inproc['records']):,} records, held in memory), the predictor with its word cache as the "
                     f"server uses it, 1 thread, best of {int(inproc['passes'])} passes "
                     f"({inproc['cached_us_per_record']:.1f} µs a record); ×2 is the ideal for 2 cores, not a "
                     f"measurement. It ranks no candidates, whereas the server's predictors also rank the 5 most "
                     f"probable codes of every record (the suggestions of the review queue).")
    statuses = [("`statml serve`", run.get("server_exit_status", 0))]
    if "disk_server" in run:
        statuses.append(("the `--coding-durability disk` server", run["disk_server"].get("exit_status", 0)))
    failed = [f"{who} exited with {st}" for who, st in statuses if st != 0]
    if failed:
        notes.append("**Shutdown**: " + "; ".join(failed) + " after SIGTERM.")
    out += [f"- {n}" for n in notes]
    out.append("")
    v = run["versions"]
    out.append(f"Run {run['created_utc']} on {run['nproc']} cores ({run['cpu_model']}, {run['memory_gb']} GB RAM, "
               f"{run['os']}); {v['statml']}, {v['swift']}, Python {v['python']}. Load average "
               f"(1, 5, 15 min) before: {_la(run['loadavg_start'])}, after: {_la(run['loadavg_end'])}; other work "
               f"shared the machine, so figures vary from run to run. Whole run {run['total_seconds']} s.")
    out.append("")
    out += results.reproduce(COMMAND)
    return "\n".join(out)


def replace_section(text: str, new_section: str) -> str:
    return results.replace_section(text, HEADING, new_section)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--work", default=os.path.join(here, "work"))
    ap.add_argument("--results", default=os.path.join(here, "..", "RESULTS.md"))
    ap.add_argument("--print-only", action="store_true", help="print the section, leave RESULTS.md alone")
    args = ap.parse_args()
    new = section(args.work)
    if args.print_only:
        sys.stdout.write(new)
        return 0
    path = os.path.normpath(args.results)
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            old = f.read()
    else:
        old = "# Benchmark results\n\nEach section is written by its benchmark script; see the command under each table.\n"
    tmp = path + ".tmp-service"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(replace_section(old, new))
    os.replace(tmp, path)
    sys.stdout.write(new)
    print(f"updated {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
