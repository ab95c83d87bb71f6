"""Harvest benchmark: following a large partner (full first harvest, then 1 % changed).

For each partner size (default 10k; the lead's quiet-machine run: ``--sizes 10000 100000``)
and each harvesting back end (SQLite; PostgreSQL with ``--postgres URL``):

1. a partner Mawarid is filled as :mod:`oai_bench` does (a pool of synthetic records
   rendered by the catalogue's own writers, bulk-inserted into its OAI tables, datestamps
   a year back) and served by the real app under waitress in a separate process;
2. a fresh harvesting instance adds the partner as a source (records go to review as
   drafts, or with ``--publish`` are published under the agreement: OAI renderings and the
   search index too) and runs a **full first harvest**, through the whole path — HTTP, the
   safe parser, the LOM reader, the catalogue's unit of work; timed per page;
3. **1 % of the partner changes**: every hundredth record gets a new title and a new
   datestamp (as an edit of a published record does);
4. an **incremental run**: what it asked, how many records came over the wire, how many
   were updated, how long it took.

Usage::

    python bench/harvest_bench.py                                  # 10k, SQLite (+ PostgreSQL
                                                                   #   if MAWARID_TEST_POSTGRES_URL)
    python bench/harvest_bench.py --publish                        # published, not drafts
    python bench/harvest_bench.py --sizes 10000 100000 --postgres postgresql+psycopg://…/db

The table is printed and written to ``bench/results/harvest.md`` (unless ``--no-write``);
``python bench/collect.py`` copies it into docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path[:0] = [str(REPO), str(BENCH)]

import oai_bench  # noqa: E402  (the partner: same pool, same bulk fill, same server)

CHANGED_EVERY = 100  # 1 %


def change_partner(database: Path, size: int) -> int:
    """Every hundredth record: a new title and a datestamp of now (an edit while published)."""
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0).strftime("%Y-%m-%d %H:%M:%S.%f")
    conn = sqlite3.connect(database)
    changed = 0
    with conn:
        for n in range(0, size, CHANGED_EVERY):
            rid = f"bench-{n:07d}"
            row = conn.execute(
                "SELECT oai_lom, oai_dc FROM oai_item WHERE resource_id = ?", (rid,)
            ).fetchone()
            lom, dc = (
                text.replace("</string>", " (révisé)</string>", 1) if text else text for text in row
            )
            conn.execute(
                "UPDATE oai_item SET datestamp = ?, oai_lom = ?, oai_dc = ? WHERE resource_id = ?",
                (now, lom, dc, rid),
            )
            changed += 1
    conn.close()
    return changed


def target_settings(home: Path, postgres: str | None) -> tuple[Any, Any]:
    from core.settings import Settings

    overrides: dict[str, Any] = {"home": home, "secret_key": "harvest-bench"}
    cleanup = None
    if postgres:
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        schema = f"harvest_bench_{secrets.token_hex(4)}"
        engine = create_engine(make_url(postgres))
        with engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        scoped = make_url(postgres).update_query_dict({"options": f"-csearch_path={schema}"})
        overrides["database_url"] = scoped.render_as_string(hide_password=False)

        def cleanup() -> None:
            with engine.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            engine.dispose()

    return Settings.from_environment({}, **overrides), cleanup


def recording(clients: list[Any]) -> Any:
    """A client factory that keeps the clients it makes (their request and byte counts)."""
    from harvesters.client import PoliteClient

    def factory(url: str) -> PoliteClient:
        clients.append(PoliteClient(url))
        return clients[-1]

    return factory


def one_run(harvester: Any, name: str, clients: list[Any]) -> dict[str, Any]:
    pages: list[float] = []
    last = time.perf_counter()

    def progress(phase: str, outcome: Any) -> None:
        nonlocal last
        now = time.perf_counter()
        if outcome.counts.get("pages"):
            pages.append(now - last)
        last = now

    harvester.progress = progress
    started = time.perf_counter()
    cpu = time.process_time()
    run = harvester.run(name)
    seconds = time.perf_counter() - started
    client = clients[-1]
    if run.status != "done":
        raise SystemExit(f"the run failed: {run.to_dict()}")
    ms = sorted(p * 1000 for p in pages) or [0.0]
    return {
        "kind": run.kind,
        "since": run.since,
        "seconds": seconds,
        "cpu_s": time.process_time() - cpu,
        "seen": run.count("seen"),
        "created": run.count("created"),
        "updated": run.count("updated"),
        "unchanged": run.count("unchanged"),
        "failed": run.count("failed"),
        "requests": client.requests_sent,
        "mb": client.bytes_received / 2**20,
        "rate": run.count("seen") / seconds if seconds else 0.0,
        "median_ms": statistics.median(ms),
        "p95_ms": ms[min(len(ms) - 1, int(len(ms) * 0.95))],
    }


def run(sizes: list[int], postgres: str | None, publish: bool) -> list[dict[str, Any]]:
    from catalogue.services.harvest_views import SourceSpec
    from harvesters.client import PoliteClient
    from harvesters.run import SourceHarvester
    from mawarid.runtime import build_runtime
    from portal import create_app

    print(f"rendering a pool of {oai_bench.POOL} synthetic records…", file=sys.stderr)
    pool = oai_bench.render_pool(oai_bench.POOL)
    backends = ["sqlite"] + (["postgresql"] if postgres else [])
    results = []
    for size in sizes:
        for backend in backends:
            partner = Path(tempfile.mkdtemp(prefix=f"harvest-bench-partner-{size}-"))
            create_app({"MAWARID_HOME": str(partner)}).extensions["mawarid"].close()
            oai_bench.fill(partner / "mawarid.sqlite3", size, pool)
            server = oai_bench.Server(partner)
            home = Path(tempfile.mkdtemp(prefix=f"harvest-bench-{backend}-"))
            settings, cleanup = target_settings(home, postgres if backend != "sqlite" else None)
            runtime = build_runtime(settings)
            try:
                sources = runtime.catalogue.harvest
                sources.add(
                    SourceSpec(
                        name="partner", base_url=server.url, agreement="Bench 1", publish=publish
                    ),
                    created_by="bench",
                )
                clients: list[PoliteClient] = []
                harvester = SourceHarvester(sources, client_factory=recording(clients))
                print(f"{size:,} records, {backend}: full first harvest…", file=sys.stderr)
                full = one_run(harvester, "partner", clients)
                if full["created"] != size:
                    raise SystemExit(f"created {full['created']} of {size}: {full}")
                changed = change_partner(partner / "mawarid.sqlite3", size)
                print(f"  {full['rate']:.0f} records/s; {changed} changed", file=sys.stderr)
                incremental = one_run(harvester, "partner", clients)
                if incremental["updated"] != changed:
                    raise SystemExit(f"updated {incremental['updated']} of {changed}")
                for phase, row in (("full first harvest", full), ("incremental, 1 %", incremental)):
                    row.update(size=size, backend=backend, phase=phase, changed=changed)
                    results.append(row)
                print(
                    f"  incremental: {incremental['seen']} transferred, "
                    f"{incremental['seconds']:.1f} s",
                    file=sys.stderr,
                )
            finally:
                runtime.close()
                server.stop()
                if cleanup:
                    cleanup()
                shutil.rmtree(home, ignore_errors=True)
                shutil.rmtree(partner, ignore_errors=True)
    return results


def table(results: list[dict[str, Any]]) -> str:
    lines = [
        "| partner | back end | run | records transferred | created | updated | requests "
        "| MB | total s | records/s | median page ms | p95 page ms | harvester CPU s |",
        "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r['size']:,} | {r['backend']} | {r['phase']} | {r['seen']:,} | "
            f"{r['created']:,} | {r['updated']:,} | {r['requests']} | {r['mb']:.1f} | "
            f"{r['seconds']:.1f} | {r['rate']:,.0f} | {r['median_ms']:.0f} | "
            f"{r['p95_ms']:.0f} | {r['cpu_s']:.1f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000])
    parser.add_argument("--postgres", default=os.environ.get("MAWARID_TEST_POSTGRES_URL"))
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument(
        "--publish",
        action="store_true",
        help="publish under the agreement (OAI renderings and search index) instead of drafts",
    )
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    results = run(args.sizes, None if args.sqlite_only else args.postgres, args.publish)
    load_after = os.getloadavg()[0]
    text = table(results)
    print(text)
    if not args.no_write:
        command = "python bench/harvest_bench.py " + " ".join(sys.argv[1:])
        into = (
            "published under the agreement (OAI renderings, search index)"
            if args.publish
            else "into review (drafts with their acquisition and events; drafts are neither "
            "rendered for OAI-PMH nor indexed)"
        )
        name = "harvest_publish.md" if args.publish else "harvest.md"
        (BENCH / "results" / name).write_text(
            "# Harvest benchmark"
            + (", published under the agreement" if args.publish else "")
            + "\n\n"
            f"Command: `{command.strip()}` ({datetime.now():%Y-%m-%d %H:%M}, "
            f"{os.cpu_count()} cores shared with other jobs; 1-minute load average "
            f"{load_before:.1f} before, {load_after:.1f} after).\n\n"
            "A partner Mawarid (synthetic LOM records, waitress in its own process, "
            "127.0.0.1, pages of 100) followed by a fresh instance: a full first harvest, "
            f"records {into}, then an incremental run "
            "after 1 % of the partner changed. *records transferred*: records the partner "
            "sent (the overlap of five minutes re-sends nothing here: the rest is a year "
            "old). Page times: one page fetched, read and committed.\n\n" + text + "\n",
            "utf-8",
        )


if __name__ == "__main__":
    main()
