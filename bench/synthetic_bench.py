"""Synthetic generator and vocabulary benchmark.

    python bench/synthetic_bench.py --records 100000 --batch 5000

Measures, in batches so that median and p95 mean something:

* generation rate of :func:`metadata_schemas.synthetic.generate_records` (no validation);
* the same records through :func:`metadata_schemas.record.load_record`;
* :meth:`Vocabulary.resolve` on a mix of ids, labels and Arabic spellings
  (the importer's hot path), and on unknown values (suggestions, cached);
* peak memory of the generator while streaming (tracemalloc).

Prints a table and writes ``bench/results/synthetic.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import os
import platform
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from metadata_schemas.record import load_record  # noqa: E402
from metadata_schemas.synthetic import generate_records  # noqa: E402
from metadata_schemas.vocabularies import get_vocabularies  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "synthetic.md"


def _rates(batches: list[tuple[int, float]]) -> tuple[float, float, float]:
    """(total per second, median per second, p95-slowest per second) over batches."""
    per_second = sorted(n / s for n, s in batches)
    total = sum(n for n, _ in batches) / sum(s for _, s in batches)
    p95 = (
        per_second[max(0, int(len(per_second) * 0.05) - 1)]
        if len(per_second) > 1
        else per_second[0]
    )
    return total, statistics.median(per_second), p95


def bench_generation(records: int, batch: int, seed: int) -> list[tuple[int, float]]:
    gen = generate_records(records, seed=seed)
    out = []
    while True:
        start = time.perf_counter()
        n = sum(1 for _ in itertools.islice(gen, batch))
        if not n:
            return out
        out.append((n, time.perf_counter() - start))


def bench_validation(records: int, batch: int, seed: int) -> list[tuple[int, float]]:
    gen = generate_records(records, seed=seed)
    out = []
    while True:
        chunk = list(itertools.islice(gen, batch))
        if not chunk:
            return out
        start = time.perf_counter()
        for record in chunk:
            load_record(record)
        out.append((len(chunk), time.perf_counter() - start))


def bench_resolve(rounds: int) -> tuple[list[tuple[int, float]], list[tuple[int, float]]]:
    vocabs = get_vocabularies()
    values = []
    for vocab_id in ("level", "subject", "language", "learning_resource_type", "licence"):
        for term in vocabs[vocab_id]:
            values += [
                (vocab_id, term.id),
                (vocab_id, term.labels["fr"].upper()),
                (vocab_id, term.labels["ar"]),
            ]
    known = []
    for _ in range(rounds):
        start = time.perf_counter()
        for vocab_id, value in values:
            vocabs[vocab_id].resolve(value)
        known.append((len(values), time.perf_counter() - start))
    unknown_values = [("subject", f"matière inconnue {n % 50}") for n in range(2000)]
    unknown = []
    for _ in range(rounds):
        start = time.perf_counter()
        for vocab_id, value in unknown_values:
            with contextlib.suppress(Exception):
                vocabs[vocab_id].resolve(value)
        unknown.append((len(unknown_values), time.perf_counter() - start))
    return known, unknown


def bench_memory(records: int, seed: int) -> int:
    gen = generate_records(records, seed=seed)
    next(gen)
    tracemalloc.start()
    for _ in gen:
        pass
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=5_000)
    parser.add_argument(
        "--validate", type=int, default=20_000, help="records to run through load_record"
    )
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    get_vocabularies()
    next(generate_records(1))  # build the generator's tables outside the timings
    rows = []
    gen = _rates(bench_generation(args.records, args.batch, args.seed))
    rows.append((f"generate_records ({args.records:,} records)", "records/s", *gen))
    val = _rates(bench_validation(args.validate, min(args.batch, args.validate), args.seed))
    rows.append((f"load_record ({args.validate:,} generated records)", "records/s", *val))
    known, unknown = bench_resolve(20)
    rows.append(("Vocabulary.resolve, known (ids, FR upper case, AR)", "values/s", *_rates(known)))
    rows.append(("Vocabulary.resolve, unknown (suggestions cached)", "values/s", *_rates(unknown)))
    peak = bench_memory(min(args.records, 20_000), args.seed)

    command = "python bench/synthetic_bench.py " + " ".join(sys.argv[1:])
    lines = [
        "# Synthetic records and vocabularies",
        "",
        f"Command: `{command.strip()}`  ",
        f"Python {platform.python_version()} on {platform.machine()}, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; rates per batch of "
        f"{args.batch:,} (p95 = the slowest 5 % of batches); load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (shared machine: figures are lower "
        "bounds).",
        "",
        "| measure | unit | overall | median | p95 |",
        "|---|---|---:|---:|---:|",
    ]
    for name, unit, total, median, p95 in rows:
        lines.append(f"| {name} | {unit} | {total:,.0f} | {median:,.0f} | {p95:,.0f} |")
    lines += [
        "",
        f"Peak traced memory while streaming {min(args.records, 20_000):,} records: "
        f"{peak / 1024:,.0f} KiB (constant: one record at a time).",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
