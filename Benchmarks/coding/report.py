#!/usr/bin/env python3
"""Writes the `## Automated coding (ECOICOP)` section of Benchmarks/RESULTS.md.

    python3 Benchmarks/coding/report.py --peers work/peers.json [--statml work/statml.json] [--cv work/cv.json] \
        [--results Benchmarks/RESULTS.md] [--command "bash Benchmarks/coding/run.sh"]

The section holds the single-split table (peers.json, statml.json) and, below it, the 5-fold
cross-validation table (cv.json from cv.py: mean ± standard error over folds) when --cv is given.

Only this section is replaced (from its heading to the next `## ` heading or the end of the file);
the rest of RESULTS.md belongs to other benchmarks and is kept byte for byte. The file is created
if it is missing. The section is also printed to stdout.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import results  # noqa: E402  (Benchmarks/results.py)


HEADING = "## Automated coding (ECOICOP)"
PRECISION_KEYS = ("0.95", "0.97", "0.99")


def _fmt(x, digits=3):
    if x is None:
        return "–"
    if isinstance(x, float) and x != x:
        return "n/a"
    return f"{x:.{digits}f}"


def _rate(x):
    return "–" if x is None else f"{x:,.0f}"


def _ratio(value, best):
    if value is None or not best:
        return "–"
    return f"{value / best:.3f}"


def _load(m: dict) -> str:
    la = m.get("loadavg_1_5_15")
    return "n/a" if not la else f"{la[0]:.2f} (1 min)"


def rows_for(result: dict) -> list[dict]:
    """One flat row per tool from a peers.json / statml.json object."""
    out = []
    for p in result.get("peers", []):
        out.append({
            "tool": p["name"],
            "peer": True,
            "accuracy": p["accuracy"],
            "macro_f1": p["macro_f1"],
            "coverage": p["coverage_at_precision"],
            "train_seconds": p.get("train_seconds"),
            "records_per_second": p.get("predict", {}).get("records_per_second"),
        })
    return out


def markdown_table(rows: list[dict], with_ratio: bool = False) -> str:
    peers = [r for r in rows if r.get("peer")]
    best_acc = max((r["accuracy"] for r in peers), default=None)
    best_cov = max((r["coverage"]["0.97"] for r in peers), default=None)
    best_rps = max((r["records_per_second"] or 0 for r in peers), default=None)
    head = ["tool", "accuracy", "macro-F1", "coverage@0.95", "coverage@0.97", "coverage@0.99",
            "train s", "predict records/s"]
    if with_ratio:
        head += ["ratio to best peer: accuracy / cov@0.97 / records/s"]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|"]
    for r in rows:
        cells = [r["tool"], _fmt(r["accuracy"]), _fmt(r["macro_f1"])]
        cells += [_fmt(r["coverage"].get(k)) for k in PRECISION_KEYS]
        cells += [_fmt(r["train_seconds"], 1), _rate(r["records_per_second"])]
        if with_ratio:
            cells.append(" / ".join([_ratio(r["accuracy"], best_acc), _ratio(r["coverage"]["0.97"], best_cov),
                                     _ratio(r["records_per_second"], best_rps)]))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _pm(summary: dict | None, digits: int = 3) -> str:
    """'mean ± SE' of one cv.py summary entry."""
    if not summary:
        return "–"
    return f"{summary['mean']:.{digits}f} ± {summary['se']:.{digits}f}"


def _span(values: list[int]) -> str:
    """'3,026' when all folds have the same size, else 'min–max'."""
    lo, hi = min(values), max(values)
    return f"{lo:,}" if lo == hi else f"{lo:,}–{hi:,}"


def _signed_pm(d: dict) -> str:
    return f"{d['mean']:+.3f} ± {d['se']:.3f}"


# The targets for StatML, shown next to the cross-validated figures.
TARGETS = {"accuracy": 0.935, "coverage@0.97": 0.88}


def cv_lines(cv: dict | None, single_split: dict[str, float] | None = None) -> list[str]:
    """The cross-validation part of the section (a table and its notes) from cv.py's JSON; `single_split` maps
    tool names to their accuracy on valid.csv, to say how the two tables relate."""
    out = ["### 5-fold cross-validation", ""]
    if cv is None:
        return out + ["Not run this time (run.sh with `CODING_CV=0`).", ""]
    if cv.get("skipped"):
        return out + [f"Not run: {cv['skipped']}", ""]
    tools = cv["tools"]
    statml = next((t for t in tools if t["name"].startswith("StatML")), None)
    pr, d = cv["protocol"], cv["data"]
    k = pr["folds"]
    out.append(f"All {d['rows']:,} rows of `train.csv` + `valid.csv`, shuffled with Python "
               f"`random.Random({pr['shuffle_seed']})`; fold k (k = 0…{k - 1}) scores `rows[k::{k}]` "
               f"({_span(d['test_rows'])} rows) after training on the other {_span(d['train_rows'])}. Every tool "
               f"reads the same fold files, 1 thread. Figures are mean ± standard error over the {k} folds "
               f"(SD / √{k}; the folds share training rows, so this somewhat understates the uncertainty).")
    out.append("")
    if statml is not None and not statml.get("available"):
        out += [f"**StatML is not in this table**: {statml.get('reason')}.", ""]
    head = ["tool", "accuracy", "macro-F1", "coverage@0.97", "train s (mean)"]
    out += ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|"]
    for t in tools:
        if not t.get("available"):
            continue
        s = t["summary"]
        out.append("| " + " | ".join([t["name"], _pm(s.get("accuracy")), _pm(s.get("macro_f1")),
                                      _pm(s.get("coverage@0.97")), _fmt(s["train_seconds"]["mean"], 1)]) + " |")
    out.append("")
    target_line = (f"- **Targets** (from the issue): accuracy ≥ {TARGETS['accuracy']}, coverage@0.97 ≥ "
                   f"{TARGETS['coverage@0.97']}.")
    if statml is not None and statml.get("available"):
        s = statml["summary"]
        met = [f"{name} {s[key]['mean']:.3f} ({'met' if s[key]['mean'] >= goal else 'not met'})"
               for key, goal, name in (("accuracy", TARGETS["accuracy"], "accuracy"),
                                       ("coverage@0.97", TARGETS["coverage@0.97"], "coverage@0.97"))]
        target_line += " StatML's cross-validated means: " + ", ".join(met) + "."
    out.append(target_line)
    if statml is not None and statml.get("available"):
        algos = statml.get("algorithms", [])
        counts = ", ".join(f"`{a}` in {algos.count(a)}" for a in sorted(set(algos), key=str))
        out.append(f"- **StatML**: `statml code train --seed 1 --threads 1` with its default algorithm selection "
                   f"(no `--algorithm`); it chose {counts} of {len(algos)} folds. Its figures are those of "
                   f"`statml code evaluate --json`; metrics.py on the same model's `statml code predict` output "
                   f"gives the same figures (largest difference "
                   f"{statml['max_abs_difference_evaluate_vs_metrics_py']:.1g}).")
        diffs = cv.get("paired_differences", {})
        if diffs:
            parts = [f"vs {name.split(' − ', 1)[1]}: accuracy {_signed_pm(v['accuracy'])}, coverage@0.97 "
                     f"{_signed_pm(v['coverage@0.97'])}" for name, v in diffs.items()]
            out.append("- **StatML − peer on the same folds** (paired, mean ± SE of the per-fold differences): "
                       + "; ".join(parts) + ".")
    hp = [f"{t['name']} " + ", ".join(f"{k_} = {v}" for k_, v in t["hyperparameters"].items() if k_ != "source")
          for t in tools if t.get("hyperparameters")]
    sources = {t["hyperparameters"]["source"] for t in tools if t.get("hyperparameters")}
    if hp:
        out.append("- **Peers**: peers.py's own models, **not re-tuned per fold** (to keep the run short): "
                   + "; ".join(hp) + f", {' / '.join(sorted(sources))}. "
                   + " and ".join(f"{name} ({why})" for name, why in pr.get("left_out", {}).items())
                   + " are left out of the cross-validation.")
    out.append("- **train s**: wall time of each fold's fit, 1 thread (StatML: the whole `statml code train` "
               "process; peers: the in-process fit, text preprocessing included), mean over folds.")
    shifts = [t["summary"]["accuracy"]["mean"] - single_split[t["name"]] for t in tools
              if t.get("available") and t["name"] in (single_split or {})]
    if shifts and (all(x > 0 for x in shifts) or all(x < 0 for x in shifts)):
        out.append(f"- **Against the single split**: every tool's accuracy is {'higher' if shifts[0] > 0 else 'lower'} "
                   f"here than on `valid.csv` ({min(shifts):+.3f} to {max(shifts):+.3f}): Statistics Poland's "
                   "validation set is harder than a random fold of the pooled data, so compare tools within one "
                   "table, not figures across the two.")
    la = cv["machine"].get("loadavg_1_5_15")
    out.append("")
    out.append(f"Cross-validation run {cv['created_utc']}, {cv['total_seconds']:.0f} s"
               + (f", load average at its start {la[0]:.2f} (1 min)" if la else "")
               + "; per-fold figures in `Benchmarks/coding/work/cv.json`.")
    out.append("")
    return out


def speed_lines(speed: dict | None) -> list[str]:
    """The interleaved speed comparison (speed.py), or nothing when it was not run."""
    if not speed:
        return []
    s, f, r = speed["statml"], speed["fasttext"], speed["ratio"]
    where = f"both confined to CPU {speed['cpu']}" if speed.get("cpu") is not None else "on any CPU"
    cpu = s.get("cpu_seconds_per_round") or []
    cpu_note = (f" StatML's CPU time (user + system) per round: median {statistics.median(cpu):.2f} s."
                if cpu else "")
    return [
        f"- **Prediction speed, interleaved** (speed.py, run {speed.get('created_utc', '?')}: {speed['rounds']} "
        f"rounds on the same {speed['records']:,} records, 1 thread, {where}, StatML and fastText taking turns so "
        "that the machine's drift slows both): StatML "
        f"{_rate(s['median'])} records/s median, {_rate(s['best'])} best (whole process, start-up and CSV "
        f"included); {f['name']} {_rate(f['median'])} median, {_rate(f['best'])} best (in-process). StatML / "
        f"fastText per round: median {r['median']:.2f}, range {r['min']:.2f}–{r['max']:.2f}.{cpu_note}"
        + _short_note(speed)]


def _short_note(speed: dict) -> str:
    """StatML on the short file and on one record (start-up), when speed.py measured them."""
    out = ""
    short = speed.get("statml_short")
    if short:
        out += (f" The same `statml code predict` on a file of {short['records']:,} records (where start-up weighs "
                f"more): {_rate(short['median'])} records/s median, {_rate(short['best'])} best.")
    first = speed.get("first_sight")
    if first:
        out += (f" First sight ({first['records']:,} records seen once, in-process, StatML with a fresh word "
                f"cache as a new run has, every word new the first time it comes): StatML "
                f"{_rate(first['statml']['median'])} records/s median, {first['fasttext'].get('name', 'fastText')} "
                f"{_rate(first['fasttext']['median'])}.")
    startup = speed.get("statml_startup_seconds")
    if startup:
        out += (f" Start-up (one record: process, libraries, model loading and its checksum): "
                f"{startup['median']:.3f} s median, {startup['best']:.3f} s best.")
    return out


def section(peers: dict, statml: dict | None, command: str, cv: dict | None = None,
            speed: dict | None = None) -> str:
    out = [HEADING, ""]
    if peers.get("skipped"):
        out += [f"Not run: {peers['skipped']}", ""]
        return "\n".join(out)
    rows = rows_for(peers)
    statml_note = None
    if statml and statml.get("available"):
        rows.append({
            "tool": statml["name"], "peer": False,
            "accuracy": statml["accuracy"], "macro_f1": statml["macro_f1"],
            "coverage": statml["coverage_at_precision"],
            "train_seconds": statml.get("train_seconds"),
            "records_per_second": statml.get("predict", {}).get("records_per_second"),
        })
    else:
        reason = (statml or {}).get("reason") or "STATML_BIN was not set"
        if "failed" in reason:
            statml_note = f"**StatML is not in this table**: {reason} (details in `Benchmarks/coding/work/statml.json`)."
        else:
            statml_note = (f"**StatML is not in this table**: {reason}, so only the peers are shown. Rerun with "
                           "`STATML_BIN=.build/release/statml` once the build has the `statml code` command.")
    d = peers["data"]
    m = peers["machine"]
    out.append(f"Product names (Polish) → one of {d['classes']} ECOICOP categories. Train on `train.csv` "
               f"({d['train_rows']:,} rows), score on `valid.csv` ({d['valid_rows']:,} rows), the same split for "
               "every tool (data: `../shared/data/ecoicop`, Statistics Poland's split).")
    out.append("")
    if statml_note:
        out += [statml_note, ""]
    out.append(markdown_table(rows, with_ratio=True))
    out.append("")
    out.append("- **coverage@P**: records sorted by the tool's confidence (top-class probability), highest "
               "first; the largest share of the validation set whose most confident part is at least P "
               "correct (ties in confidence are not split). Scored by `Benchmarks/coding/metrics.py` for every tool.")
    out.append("- **macro-F1**: mean F1 over the classes in truth ∪ predictions (as scikit-learn's "
               "`f1_score(average=\"macro\")`).")
    out.append("- **train s**: wall time of the final fit on all of `train.csv` with 1 thread, text "
               "preprocessing included; for the peers, the hyperparameter choice on a held-out 15% of train is "
               "not included (its time is in the JSON)"
               + ("; for StatML, the whole `statml code train --threads 1` process." if statml and statml.get("available")
                  else "."))
    pr = next((p["predict"] for p in peers.get("peers", []) if "predict" in p), None)
    if pr:
        out.append(f"- **predict records/s**: the validation set repeated to {pr['records']:,} records, "
                   f"1 thread, text preprocessing included, best of {pr['repeats']} runs. Peers are timed "
                   "in-process (list of strings → codes and confidences)"
                   + ("; StatML is timed as the whole `statml code predict` process on a CSV file of the same "
                      "records (start-up, CSV reading and writing included)." if statml and statml.get("available")
                      else "."))
    out.append("- **ratio to best peer**: the tool's accuracy, coverage@0.97 and records/s, each divided by the "
               "best peer's value for that column.")
    out += speed_lines(speed)
    out.append("")
    for p in peers.get("peers", []):
        out.append(f"- `{p['name']}`: {p['description']}")
    out.append("")
    ver = ", ".join(f"{k} {v}" for k, v in peers["versions"].items())
    if statml and statml.get("available") and statml.get("version"):
        v = statml["version"]
        ver += ", " + (v if v.lower().startswith("statml") else f"statml {v}")
    out.append(f"Run {peers['created_utc']} on {m['nproc']} cores ({m['cpu_model']}, {m['memory_gb']} GB RAM, "
               f"{m['os']}); {ver}. Load average at the start of the peers' run: {_load(m)}; other work shared the machine, so "
               "timings are indicative (CPU seconds are in the JSON).")
    out.append(f"Whole run: {peers['total_seconds']:.0f} s for the peers"
               + (f", {statml['total_seconds']:.0f} s for StatML" if statml and statml.get("available") else "")
               + ".")
    out.append("")
    out += cv_lines(cv, {r["tool"]: r["accuracy"] for r in rows})
    out += results.reproduce(command)
    return "\n".join(out)


def replace_section(text: str, new_section: str) -> str:
    return results.replace_section(text, HEADING, new_section)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--peers", required=True, help="JSON written by peers.py")
    ap.add_argument("--statml", help="JSON written by statml_side.py (optional)")
    ap.add_argument("--cv", help="JSON written by cv.py (optional; without it the section says the "
                                 "cross-validation was not run)")
    ap.add_argument("--speed", help="JSON written by speed.py (optional)")
    ap.add_argument("--results", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "RESULTS.md"))
    ap.add_argument("--command", default="bash Benchmarks/coding/run.sh            # peers only\n"
                                          "STATML_BIN=.build/release/statml bash Benchmarks/coding/run.sh\n"
                                          "CODING_CV=0 STATML_BIN=.build/release/statml bash Benchmarks/coding/run.sh"
                                          "   # without the 5-fold cross-validation")
    args = ap.parse_args()
    with open(args.peers, encoding="utf-8") as f:
        peers = json.load(f)
    statml = None
    if args.statml and os.path.exists(args.statml):
        with open(args.statml, encoding="utf-8") as f:
            statml = json.load(f)
    cv = None
    if args.cv and os.path.exists(args.cv):
        with open(args.cv, encoding="utf-8") as f:
            cv = json.load(f)
    elif args.cv:
        cv = {"skipped": f"the cross-validation did not finish ({args.cv} was not written; see run.sh's output)"}
    speed = None
    if args.speed and os.path.exists(args.speed):
        with open(args.speed, encoding="utf-8") as f:
            speed = json.load(f)
    new = section(peers, statml, args.command, cv, speed)
    path = os.path.normpath(args.results)
    old = ""
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            old = f.read()
    else:
        old = "# Benchmark results\n\nWritten by `make bench` (each benchmark replaces only its own section).\n"
    updated = replace_section(old, new)
    tmp = path + ".tmp-coding"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(updated)
    os.replace(tmp, path)
    sys.stdout.write(new)
    print(f"updated {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
