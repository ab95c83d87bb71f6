"""Ingest benchmark: N records end to end — store + OAI renderings + search index.

For each database (SQLite, and PostgreSQL with ``--postgres-url``), on a fresh instance
with the default Whoosh index (or ``--search-url``):

1. **store**: ``mawarid demo``'s bulk path (:mod:`catalogue.services.bulk`): validation,
   three OAI renderings per record (by ``--procs`` preparers: worker processes and the
   writer, which prepares the chunks no worker has started rather than wait), resources, events,
   acquisitions and steps, OAI rows and sets, index journal rows — per batch of
   ``--batch``, one transaction each;
2. **index**: the index journal caught up (:meth:`mawarid.index_sync.IndexSync.catch_up`:
   a full rebuild by worker processes for a backlog this size);
3. a check that the index holds exactly what the database publishes.

Prints a table per database (records/s, median and p95 milliseconds per record over the
batches, CPU seconds of this process and of its workers, peak memory) and writes
``bench/results/ingest.md``. ``--profile`` adds a cProfile of the store phase of a smaller
run (top functions by own time), the figures docs/benchmarks.md quotes.

    python bench/ingest_bench.py --count 100000 --postgres-url postgresql+psycopg://mawarid@127.0.0.1:55432/bench
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import platform
import pstats
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from catalogue.services.demo import Demo  # noqa: E402
from catalogue.services.workers import default_procs  # noqa: E402
from core.settings import Settings  # noqa: E402
from mawarid.index_follow import IndexFollower  # noqa: E402
from mawarid.runtime import build_runtime  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "ingest.md"

READING = """How to read it. On a shared machine the wall times measure the other jobs as much as
Mawarid (load average above); the CPU columns are the steadier figures. *CPU ms/record, all
processes* is what one record costs the machine end to end: on two otherwise idle cores the
best possible rate is about 2,000 divided by it, records per second. Where it goes (cProfile
below, and per stage in the table): the three XML renderings and the validation of each record
(``metadata_schemas``: LOM writer, marshmallow schema) run in the worker processes; the
database work (multi-row inserts, JSON encoding of the records, acquisitions and their steps)
and the demo's own record generator in the main process; the Whoosh index (analysis and
postings, ``indexer``) in the rebuild's worker processes and the main process. The write
path's own overhead per record (planning, journal, inserts) is a fraction of the whole; the
rest is rendering, validation and indexing, whose cost per record bounds the rate.
*database server CPU*: what a local PostgreSQL server's processes used during the run (read
from /proc; not in the other CPU columns, but taken from the same two cores).
"""


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def fresh_postgres(url: str) -> str:
    """A new empty database beside ``url``'s (dropped by the caller)."""
    import secrets

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = make_url(url)
    name = f"mawarid_bench_{secrets.token_hex(3)}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def drop_postgres(url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    admin.dispose()


def server_cpu_seconds() -> float | None:
    """CPU seconds used so far by the PostgreSQL server processes of this machine (its
    exited backends are in the postmaster's children's time), or None where /proc cannot
    tell (another system, a remote server): the database's share of a record's cost."""
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total, found = 0, False
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        name, _, rest = text.partition(") ")
        if not name.endswith("(postgres"):
            continue
        fields = rest.split()
        found = True
        total += int(fields[11]) + int(fields[12])  # utime, stime
        if not _is_postgres(fields[1]):  # the postmaster: its exited children too
            total += int(fields[13]) + int(fields[14])
    return total / ticks if found else None


def _is_postgres(pid: str) -> bool:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip() == "postgres"
    except OSError:  # gone meanwhile
        return False


def reference_ms(count: int = 1000) -> float:
    """CPU milliseconds one process takes to prepare a record (validation and the three
    renderings, no database): the same work at every run, so it measures the machine.
    A shared machine's speed drifts by half within an hour; this says how fast it was."""
    from datetime import UTC, datetime

    from catalogue.services.prepare import Job, Target, prepare
    from catalogue.services.provenance import summary_of
    from metadata_schemas.synthetic import generate_dataset

    now = datetime(2026, 1, 1, tzinfo=UTC)
    target = Target("bench.example", None)
    jobs = [
        Job(f"ref-{n}", record, acq["mode"], summary_of(
            mode=acq["mode"], reference=acq["reference"], counterpart=acq["counterpart"],
            validated_at=now, decision_reference="PV 1/2026", published_at=now,
        ), True)
        for n, (record, acq) in enumerate(generate_dataset(count, seed="reference"))
    ]  # fmt: skip
    prepare(jobs[0], target)  # first use: caches filled
    started = time.process_time()
    for job in jobs:
        prepare(job, target)
    return 1000 * (time.process_time() - started) / count


def run_one(label: str, count: int, args: argparse.Namespace, database_url: str | None) -> dict:
    home = Path(tempfile.mkdtemp(prefix="mawarid-ingest-"))
    env: dict[str, Any] = {"MAWARID_HOME": str(home)}
    if database_url:
        env["MAWARID_DATABASE_URL"] = database_url
    if args.search_url:
        env["MAWARID_SEARCH_URL"] = args.search_url
    reference = [reference_ms()]
    runtime = build_runtime(Settings.from_environment({}, **env))
    procs = default_procs(args.procs)
    batch_seconds: list[float] = []
    last = [time.perf_counter()]
    done = [0]

    # As ``mawarid demo`` does: the index follows the ingest from a process of its own
    # (mawarid.index_follow), unless --no-follow; the rest is caught up at the end.
    follower = IndexFollower(runtime.settings, enabled=procs > 1 and not args.no_follow)

    def progress(n: int) -> None:
        now = time.perf_counter()
        batch_seconds.append((now - last[0]) / max(1, n - done[0]))
        last[0], done[0] = now, n
        follower.written(n)

    server0 = server_cpu_seconds() if database_url else None
    try:
        cpu0, wall0 = time.process_time(), time.perf_counter()
        with follower, runtime.resources.preparer(procs) as preparer:
            result = Demo(
                runtime.resources, seed="bench", batch_size=args.batch, preparer=preparer
            ).run(count, progress=progress)
            cpu1, wall1 = time.process_time(), time.perf_counter()
        report = follower.report
        report.absorb(runtime.index.catch_up())
        cpu2, wall2 = time.process_time(), time.perf_counter()
        server1 = server_cpu_seconds() if server0 is not None else None
        # Whoosh's rebuild workers and the follower report their own CPU time (an engine's
        # server does not).
        index_workers = float(getattr(runtime.search, "last_rebuild_worker_cpu", 0.0))
        index_workers += follower.cpu_seconds
        time.sleep(1.1)  # a Whoosh index written by the follower is seen within a second
        drift = runtime.index.check()
        assert result["created"] == count, result
        assert report.complete and drift.in_step, (report, drift.to_dict())
        with runtime.resources.db.engine.connect() as conn:
            acquisitions = conn.exec_driver_sql("SELECT count(*) FROM acquisitions").scalar()
    finally:
        runtime.close()
        shutil.rmtree(home, ignore_errors=True)
    own_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    children_mb = max(preparer.worker_peak_kib, follower.peak_kib) // 1024
    store, index, total = wall1 - wall0, wall2 - wall1, wall2 - wall0
    reference.append(reference_ms())
    return {
        "reference_ms": reference,
        "acquisitions": acquisitions,
        "label": label,
        "count": count,
        "store_s": store,
        "index_s": index,
        "total_s": total,
        "rate": count / total,
        "store_rate": count / store,
        "median_ms": statistics.median(batch_seconds) * 1000,
        "p95_ms": p95(batch_seconds) * 1000,
        "cpu_store": (cpu1 - cpu0, preparer.worker_cpu),
        "cpu_index": (cpu2 - cpu1, index_workers),
        "peak_mb": (own_mb, children_mb),
        "procs": procs,
        "writer_share": preparer.chunks_here / max(1, preparer.chunks),
        "server_cpu": None if server0 is None or server1 is None else server1 - server0,
    }


def profile_store(count: int, args: argparse.Namespace) -> str:
    """cProfile of the store phase in one process (workers off, so that all is seen)."""
    home = Path(tempfile.mkdtemp(prefix="mawarid-ingest-prof-"))
    runtime = build_runtime(Settings.from_environment({}, MAWARID_HOME=str(home)))
    try:
        # CPU time, not wall time: on a shared machine the wall clock charges other jobs'
        # time to whichever function was running.
        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        Demo(runtime.resources, seed="prof", batch_size=args.batch).run(count)
        profiler.disable()
    finally:
        runtime.close()
        shutil.rmtree(home, ignore_errors=True)
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(25)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument(
        "--procs", type=int, default=0, help="preparers: worker processes and the writer (0: cores)"
    )
    parser.add_argument("--postgres-url", help="server URL; a fresh database is made on it")
    parser.add_argument("--search-url", help="search backend (default: Whoosh in the home)")
    parser.add_argument("--profile", type=int, default=0, help="records of a profiled run")
    parser.add_argument(
        "--no-follow",
        action="store_true",
        help="index after the store phase only (no follower process beside the ingest)",
    )
    parser.add_argument(
        "--skip-sqlite", action="store_true", help="PostgreSQL only (with --postgres-url)"
    )
    args = parser.parse_args()

    load_before = os.getloadavg()[0]
    rows = [] if args.skip_sqlite else [run_one("SQLite", args.count, args, None)]
    if args.postgres_url:
        url = fresh_postgres(args.postgres_url)
        try:
            rows.append(run_one("PostgreSQL", args.count, args, url))
        finally:
            drop_postgres(url)
    load_after = os.getloadavg()[0]

    header = (
        "| database | records | store (s) | index (s) | total (s) | records/s end to end "
        "| store records/s | ms/record median | ms/record p95 | CPU store (main + workers) "
        "| CPU index (main + workers) | CPU ms/record, all processes | peak MB (main / workers) "
        "| acquisitions | chunks prepared by the writer | reference ms/record (before / after) "
        "| database server CPU |"
    )
    lines = [header, "|" + "---|" * 17]
    for r in rows:
        lines.append(
            f"| {r['label']} | {r['count']:,} | {r['store_s']:.1f} | {r['index_s']:.1f} "
            f"| {r['total_s']:.1f} | {r['rate']:,.0f} | {r['store_rate']:,.0f} "
            f"| {r['median_ms']:.2f} | {r['p95_ms']:.2f} "
            f"| {r['cpu_store'][0]:.0f} + {r['cpu_store'][1]:.0f} s "
            f"| {r['cpu_index'][0]:.0f} + {r['cpu_index'][1]:.0f} s "
            f"| {1000 * (sum(r['cpu_store']) + sum(r['cpu_index'])) / r['count']:.2f} "
            f"| {r['peak_mb'][0]} / {r['peak_mb'][1]} | {r['acquisitions']:,} "
            f"| {100 * r['writer_share']:.0f} % "
            f"| {r['reference_ms'][0]:.2f} / {r['reference_ms'][1]:.2f} "
            f"| {'—' if r['server_cpu'] is None else format(r['server_cpu'], '.0f') + ' s'} |"
        )
    table = "\n".join(lines)
    print(table)
    command = "python bench/ingest_bench.py " + " ".join(
        a if "postgresql" not in a else "<postgres-url>" for a in sys.argv[1:]
    )
    text = (
        "# Ingest benchmark (store + renderings + index)\n\n"
        f"Command: `{command.strip()}`  \n"
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; {rows[0]['procs']} preparers ({rows[0]['procs'] - 1} worker "
        "processes and the writer); load average "
        f"{load_before:.1f} before, {load_after:.1f} after; "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.\n\n"
        "Each record: validation, three OAI renderings (oai_dc, LOM, ScoLOMFR), its "
        "acquisition (a lot's, made with its procedure steps by the lot's first record), "
        "five lifecycle events, OAI sets, one index "
        "journal row, the PV document of its decision (one file per PV); then the index "
        "catches up from the journal and a check confirms it holds exactly what the "
        "database publishes. ms/record is per batch (wall time of the batch / its records). "
        "*reference ms/record*: the CPU one process takes to validate and render a record, "
        "measured just before and after the run (the machine's speed at the time).\n\n"
        + table
        + "\n\n"
        + READING
    )
    if args.profile:
        text += (
            f"\n### Profile of the store phase ({args.profile:,} records, one process)\n\n"
            "```\n" + profile_store(args.profile, args) + "```\n"
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
