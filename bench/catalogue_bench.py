"""Catalogue benchmark: demo ingestion, import, and the one-by-one lifecycle operations.

On a throw-away SQLite instance (or ``--database-url``):

1. ``mawarid demo``'s ingestion (``catalogue.services.demo.Demo``) of ``--count``
   synthetic resources, published with complete provenance, timed per batch;
2. ``mawarid import`` of a JSON lines file of ``--import-count`` records (drafts);
3. each lifecycle operation as the portal calls it (its own transaction):
   create_draft, submit, decide, publish, update-while-published, withdraw.

Prints a table (median and p95) and writes ``bench/results/catalogue.md``.
CPU-time rates are printed beside wall-clock ones because the build machine is shared.

    python bench/catalogue_bench.py --count 5000
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from core.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from catalogue.intake.importer import Importer  # noqa: E402
from catalogue.services import SYSTEM, build_services  # noqa: E402
from catalogue.services.demo import Demo  # noqa: E402
from metadata_schemas.synthetic import generate_records  # noqa: E402
from metadata_schemas.vocabularies import get_vocabularies  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "catalogue.md"


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--import-count", type=int, default=2000)
    parser.add_argument("--ops", type=int, default=100, help="resources for the one-by-one ops")
    parser.add_argument("--database-url")
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="mawarid-bench-"))
    settings = {"MAWARID_HOME": str(home)}
    if args.database_url:
        settings["MAWARID_DATABASE_URL"] = args.database_url
    services = build_services(Settings.from_environment({}, **settings), get_vocabularies())
    rows: list[tuple[str, str, str, str, str]] = []
    try:
        # 1. demo ingestion, per batch
        batch_seconds: list[float] = []
        last = [time.perf_counter()]

        def progress(_n: int) -> None:
            now = time.perf_counter()
            batch_seconds.append(now - last[0])
            last[0] = now

        wall, cpu = time.perf_counter(), time.process_time()
        Demo(services.resources, seed="bench", batch_size=args.batch).run(
            args.count, progress=progress
        )
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        per_record = [s / args.batch * 1000 for s in batch_seconds]
        rows.append(
            (
                f"demo ingestion ({args.count}, batches of {args.batch})",
                f"{args.count / wall:.0f} rec/s",
                f"{args.count / cpu:.0f} rec/s",
                f"{statistics.median(per_record):.2f} ms/rec",
                f"{p95(per_record):.2f} ms/rec",
            )
        )

        # 2. import of JSON lines (drafts)
        src = home / "lot.jsonl"
        with src.open("w", encoding="utf-8") as fh:
            for n, record in enumerate(generate_records(args.import_count, seed="bench-import")):
                fh.write(json.dumps({"id": f"imp-{n:06d}", **record}, ensure_ascii=False) + "\n")
        wall, cpu = time.perf_counter(), time.process_time()
        report = Importer(services.resources, batch_size=200).run([src])
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        assert len(report.created) == args.import_count, report.refused[:3]
        rows.append(
            (
                f"import JSON lines ({args.import_count} drafts)",
                f"{args.import_count / wall:.0f} rec/s",
                f"{args.import_count / cpu:.0f} rec/s",
                "",
                "",
            )
        )

        # 3. one-by-one operations (one transaction each, as from the portal)
        records = list(generate_records(args.ops, seed="bench-ops"))
        timings: dict[str, list[float]] = {
            k: []
            for k in (
                "create_draft",
                "submit",
                "decide",
                "publish",
                "update (published)",
                "withdraw",
            )
        }
        res = services.resources

        def timed(name, fn, *a, **kw):
            t = time.perf_counter()
            out = fn(*a, **kw)
            timings[name].append((time.perf_counter() - t) * 1000)
            return out

        for record in records:
            view = timed(
                "create_draft",
                res.create_draft,
                SYSTEM,
                record,
                acquisition={"mode": "don", "reference": "CD bench", "counterpart": "X"},
            )
            timed("submit", res.submit, SYSTEM, view.id)
            timed(
                "decide",
                res.decide,
                SYSTEM,
                view.id,
                commission="validation",
                decision="conforme",
                reference="PV bench",
            )
            view = timed("publish", res.publish, SYSTEM, view.id)
            timed(
                "update (published)",
                res.update,
                SYSTEM,
                view.id,
                record,
                expected_version=view.version,
            )
            timed("withdraw", res.withdraw, SYSTEM, view.id, reason="bench")
        for name, values in timings.items():
            rows.append(
                (
                    f"{name} (one transaction)",
                    f"{1000 / statistics.mean(values):.0f} op/s",
                    "",
                    f"{statistics.median(values):.2f} ms",
                    f"{p95(values):.2f} ms",
                )
            )
    finally:
        services.close()
        shutil.rmtree(home, ignore_errors=True)

    header = ("measure", "wall rate", "CPU rate", "median", "p95")
    widths = [max(len(r[i]) for r in [*rows, header]) for i in range(5)]
    line = lambda r: "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=False)) + " |"  # noqa: E731
    table = "\n".join(
        [line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
        + [line(r) for r in rows]
    )
    print(table)
    command = "python bench/catalogue_bench.py " + " ".join(sys.argv[1:])
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        "# Catalogue benchmark\n\n"
        f"Command: `{command.strip()}`  \n"
        f"Machine: {platform.machine()}, Python {platform.python_version()}, "
        f"{'SQLite' if not args.database_url else args.database_url.split(':')[0]}; "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}  \n"
        "Each demo record: validation (marshmallow), 3 XML renderings for OAI-PMH "
        "(LOM, DC, ScoLOMFR), acquisition + procedure steps, 5 events, OAI sets, one PV file "
        "per acquisition. The build machine is shared (2 cores, several builds): the CPU rate "
        "(records per second of this process's CPU time) is the steadier figure.\n\n"
        + table
        + "\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
