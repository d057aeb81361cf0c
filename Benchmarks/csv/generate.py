#!/usr/bin/env python3
"""Writes the deterministic CSV file the CSV-reading benchmark reads.

Mixed columns, as in real statistical extracts: integers, decimals, a float column with
exponents and many digits, quoted names holding commas, doubled quotes and now and then a line
break, ISO dates, booleans, short codes, free-text comments, and empty fields here and there.

The same seed always gives the same bytes, and a smaller file is a prefix (whole rows) of a
larger one.

    python3 Benchmarks/csv/generate.py [--mb N] [--out PATH] [--seed S]

Size defaults to $CSV_BENCH_MB (default 1024) megabytes (10^6 bytes); the default output is
Benchmarks/work/csv-bench-<N>mb.csv.
"""
import argparse
import os
import random

HEADER = ["id", "customer", "amount", "rate", "quantity", "order_date", "active", "region", "score", "comment"]
NUMERIC = ["id", "amount", "rate", "quantity", "score"]

FIRST = ["Anna", "Jean", "María", "Søren", "Li", "Ahmed", "Olga", "Chris", "Zoë", "Kofi", "Ana-Lucía", "Émile"]
LAST = ["Smith", "Müller", "García", "Nakamura", "O'Brien", "Dubois", "Kowalski", "Nguyen", "Rossi", "Jensen"]
REGIONS = ["NORTH", "SOUTH", "EAST", "WEST", "CENTRE", "ISLANDS"]
WORDS = ["late", "delivery", "refund", "ok", "checked", "damaged", "box", "priority", "note", "customer",
         "called", "twice", "résumé", "naïve", "paid", "pending"]


def quote(text):
    return '"' + text.replace('"', '""') + '"'


def rows(rng):
    row_id = 0
    while True:
        row_id += 1
        r = rng.random()
        name = f"{rng.choice(LAST)}, {rng.choice(FIRST)}"
        if r < 0.05:
            name += ' "Jr."'
        elif r < 0.06:
            name += "\nc/o accounts"
        amount = f"{rng.uniform(-500, 99999):.2f}"
        if rng.random() < 0.8:
            rate = f"{rng.uniform(0, 0.2):.4f}"
        else:
            rate = f"{rng.uniform(1, 9):.3f}e-{rng.randint(3, 9):02d}"
        quantity = "" if rng.random() < 0.05 else str(rng.randint(1, 5000))
        date = f"20{rng.randint(10, 24)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        active = "true" if rng.random() < 0.6 else "false"
        region = rng.choice(REGIONS)
        s = rng.random()
        if s < 0.04:
            score = ""
        elif s < 0.2:
            score = repr(rng.gauss(50, 15))  # up to 17 significant digits
        else:
            score = f"{rng.gauss(50, 15):.3f}"
        c = rng.random()
        if c < 0.3:
            comment = ""
        elif c < 0.8:
            comment = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 6)))
        else:
            text = ", ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 8)))
            if rng.random() < 0.2:
                text += ' said "fine"'
            if rng.random() < 0.05:
                text += "\nsecond line"
            comment = quote(text)
        yield f"{row_id},{quote(name)},{amount},{rate},{quantity},{date},{active},{region},{score},{comment}\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=int, default=int(os.environ.get("CSV_BENCH_MB", "1024")))
    parser.add_argument("--out")
    parser.add_argument("--seed", type=int, default=20240611)
    args = parser.parse_args()
    out = args.out or os.path.join(os.path.dirname(__file__), "..", "work", f"csv-bench-{args.mb}mb.csv")
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    target = args.mb * 1_000_000
    rng = random.Random(args.seed)
    tmp = out + ".partial"
    size = 0
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        head = ",".join(HEADER) + "\n"
        f.write(head)
        size += len(head.encode())
        batch = []
        batch_size = 0
        for line in rows(rng):
            batch.append(line)
            batch_size += len(line.encode())
            if size + batch_size >= target or len(batch) == 20000:
                f.write("".join(batch))
                size += batch_size
                batch, batch_size = [], 0
                if size >= target:
                    break
    os.replace(tmp, out)
    print(f"wrote {out}: {size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
