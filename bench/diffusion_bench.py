"""Diffusion benchmark: bulk-record usage events, time the dashboard queries and ``usage.record``.

Builds a throw-away instance (SQLite) with published resources spread over the
curriculum, a campaign to the 12 regions with an installation report, then:

1. records ``--events`` usage events through the bulk path (``usage.record_many``:
   same COUNTER rules as the live path — robots, double clicks, uniques);
2. times each dashboard query (``--repeat`` runs: median and p95);
3. times ``usage.record`` per call, as a page pays it, with the background
   writer running, and the writer's throughput on that queue.

Prints a table and writes ``bench/results/diffusion.md``.

    python bench/diffusion_bench.py --events 1000000 --resources 400
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from catalogue.services import SYSTEM  # noqa: E402
from catalogue.services import build_services as build_catalogue  # noqa: E402
from catalogue.store.models import utcnow  # noqa: E402
from diffusion.services import build_services as build_diffusion  # noqa: E402
from metadata_schemas.vocabularies import get_vocabularies  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "diffusion.md"
HUMAN_UAS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36",
    "Mozilla/5.0 (Linux; Android 13; SM-A135F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
]
ROBOT_UAS = [
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "curl/8.5.0",
]
ACHAT = {
    "mode": "achat",
    "reference": "AO 1/2026/BENCH",
    "counterpart": "Bench",
    "started_on": "2026-01-01",
    "steps": [{"id": "definition-besoins", "status": "done", "date": "2026-01-01"}],
}


def _stats(samples: list[float]) -> tuple[float, float]:
    samples = sorted(samples)
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.95))]


def publish_corpus(resources, n: int, rng: random.Random) -> list[str]:
    vocabs = get_vocabularies()
    levels = [t for t in vocabs["level"].terms if not list(vocabs["level"].children(t))]
    subjects = list(vocabs["subject"].terms)
    ids = []
    for i in range(n):
        rid = f"bench-{i:05d}"
        record = {
            "general": {
                "title": {"fr": f"Ressource {i}", "ar": f"مورد {i}"},
                "description": {"fr": f"Description {i}", "ar": f"وصف {i}"},
                "language": ["fr", "ar"],
            },
            "rights": {"licence": "cc-by-sa-4.0"},
            "technical": {"location": [f"https://ressources.example.ma/{i}"]},
            "classification": [
                {
                    "purpose": "educational_level",
                    "taxon_path": [{"source": "level", "taxon": [rng.choice(levels)]}],
                },
                {
                    "purpose": "discipline",
                    "taxon_path": [{"source": "subject", "taxon": [rng.choice(subjects)]}],
                },
            ],
        }
        resources.create_draft(SYSTEM, record, acquisition=ACHAT, resource_id=rid)
        resources.submit(SYSTEM, rid)
        resources.decide(
            SYSTEM, rid, commission="validation", decision="conforme", reference="PV 1/2026"
        )
        resources.publish(SYSTEM, rid)
        ids.append(rid)
    return ids


def event_stream(ids: list[str], total: int, rng: random.Random, start: datetime):
    """Time-ordered events over a year: popular resources (Zipf-like), 8% robots, 5% double clicks."""
    weights = [1 / (k + 1) ** 0.8 for k in range(len(ids))]
    kinds = ["view"] * 50 + ["access"] * 35 + ["api"] * 10 + ["oai"] * 5
    span = 365 * 86400
    step = span / total
    at = start
    batch_ids = rng.choices(ids, weights=weights, k=total)
    for n in range(total):
        at = start + timedelta(seconds=int(n * step))
        ua = rng.choice(ROBOT_UAS) if rng.random() < 0.08 else rng.choice(HUMAN_UAS)
        ip = f"41.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        kind = rng.choice(kinds)
        yield at, kind, batch_ids[n], ip, ua, None
        if rng.random() < 0.05:  # the same click again a few seconds later
            yield at + timedelta(seconds=rng.randint(1, 20)), kind, batch_ids[n], ip, ua, None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--resources", type=int, default=400)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--calls", type=int, default=100_000, help="usage.record calls timed")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--no-write", action="store_true", help="do not write bench/results/diffusion.md"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary instance folder")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    home = Path(tempfile.mkdtemp(prefix="mawarid-diffusion-bench-"))
    settings = {
        "MAWARID_HOME": str(home),
        "MAWARID_DATABASE_URL": f"sqlite:///{home / 'bench.sqlite3'}",
        "SECRET_KEY": "bench-secret",
        "MAWARID_USAGE_FLUSH_SECONDS": 0.5,
    }
    vocabs = get_vocabularies()
    catalogue = build_catalogue(settings, vocabs)
    t = time.perf_counter()
    ids = publish_corpus(catalogue.resources, args.resources, rng)
    print(f"published {len(ids)} resources in {time.perf_counter() - t:.1f}s", flush=True)
    diffusion = build_diffusion(settings, catalogue, None, vocabs)
    rows: list[tuple[str, float, float, str]] = []

    # 1. Bulk path -------------------------------------------------------------------
    generated = 0

    def counted_stream():
        nonlocal generated
        for item in event_stream(ids, args.events, rng, datetime(2025, 9, 1)):
            generated += 1
            yield item
            if generated >= args.events:
                return

    t = time.perf_counter()
    totals = diffusion.usage.record_many(counted_stream(), batch=20_000)
    bulk_s = time.perf_counter() - t
    print(
        f"bulk: {totals['written']:,} events in {bulk_s:.1f}s "
        f"({totals['written'] / bulk_s:,.0f} events/s), counted {totals['counted']:,}",
        flush=True,
    )

    # A campaign to the 12 regions, with an installation report of 1,200 lines.
    regions = list(vocabs["region"].terms)
    diffusion.campaigns.create(
        SYSTEM,
        code="bench",
        title={"fr": "Bench"},
        channel="cd-usb",
        resource_ids=ids[:50],
        regions=regions,
    )
    for region in regions:
        diffusion.campaigns.ship(SYSTEM, "bench", region=region, quantity=100)
    today = utcnow().date().isoformat()
    report = "region,establishment_code,date,status,installer,quantity\n" + "".join(
        f"{regions[i % 12]},EST-{i:05d},{today},{'installed' if i % 7 else 'failed'},Installateur {i % 9},1\n"
        for i in range(1200)
    )
    t = time.perf_counter()
    diffusion.installations.import_report(SYSTEM, "bench", filename="r.csv", data=report.encode())
    report_ms = (time.perf_counter() - t) * 1000

    # 2. Dashboard queries -------------------------------------------------------------
    reports = diffusion.reports
    queries = {
        "COUNTER totals (all time)": lambda: reports.totals(),
        "top 20 resources (with titles)": lambda: reports.top_resources(limit=20),
        "usage per level": lambda: reports.by_dimension("level"),
        "usage per subject": lambda: reports.by_dimension("subject"),
        "usage per cycle": lambda: reports.by_dimension("cycle"),
        "monthly series": lambda: reports.series(granularity="month"),
        "daily series": lambda: reports.series(granularity="day"),
        "per region (campaigns)": lambda: reports.by_region(),
        "campaign status per region": lambda: diffusion.campaigns.status("bench"),
    }
    for name, fn in queries.items():
        fn()  # warm the page cache
        samples = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            fn()
            samples.append((time.perf_counter() - t) * 1000)
        med, p95 = _stats(samples)
        rows.append((name, med, p95, "ms"))
        print(f"{name:34} median {med:8.2f} ms  p95 {p95:8.2f} ms", flush=True)

    # 3. usage.record per call, writer thread running -----------------------------------
    usage = diffusion.usage
    uas = HUMAN_UAS + ROBOT_UAS
    calls = []
    started = time.perf_counter()
    for n in range(args.calls):
        rid = ids[n % len(ids)]
        ip = f"196.200.{n % 250}.{n % 251}"
        ua = uas[n % len(uas)]
        t0 = time.perf_counter_ns()
        usage.record("view", rid, ip=ip, user_agent=ua)
        calls.append((time.perf_counter_ns() - t0) / 1000)
    loop_s = time.perf_counter() - started
    t = time.perf_counter()
    usage.flush()
    drain_s = time.perf_counter() - t
    med, p95 = _stats(calls)
    rows.append(("usage.record per call (writer running)", med, p95, "µs"))
    print(
        f"usage.record: median {med:.1f} µs  p95 {p95:.1f} µs  "
        f"({args.calls:,} calls in {loop_s:.1f}s; final drain {drain_s:.2f}s)",
        flush=True,
    )
    fresh = [f"Mozilla/5.0 (X11; Linux x86_64) UniqueAgent/{n}" for n in range(5000)]
    uncached = []
    for n, ua in enumerate(fresh):
        t0 = time.perf_counter_ns()
        usage.record("view", ids[n % len(ids)], ip="41.1.1.1", user_agent=ua)
        uncached.append((time.perf_counter_ns() - t0) / 1000)
    usage.flush()
    umed, up95 = _stats(uncached)
    rows.append(("usage.record, never-seen user agent", umed, up95, "µs"))
    print(f"usage.record (new user agent): median {umed:.1f} µs  p95 {up95:.1f} µs", flush=True)
    print(f"stats: {usage.stats}")
    diffusion.close()
    catalogue.close()

    with catalogue.db.engine.connect() as conn:
        from sqlalchemy import text

        n_events = conn.execute(text("SELECT count(*) FROM usage_events")).scalar()
        n_daily = conn.execute(text("SELECT count(*) FROM usage_daily")).scalar()
    size_mb = (home / "bench.sqlite3").stat().st_size / 1e6
    catalogue.db.dispose()
    if not args.keep:
        shutil.rmtree(home, ignore_errors=True)
    if args.no_write:
        return
    lines = [
        "# Diffusion (usage events, dashboards)",
        "",
        f"Command: `python bench/diffusion_bench.py --events {args.events} --resources {args.resources} "
        f"--repeat {args.repeat} --calls {args.calls} --seed {args.seed}`  ",
        f"Machine: {platform.machine()}, Python {platform.python_version()}, SQLite "
        f"{__import__('sqlite3').sqlite_version}; shared 2-core box, other test suites running "
        f"(load average {os.getloadavg()[0]:.1f} at the end).",
        "",
        f"Bulk path (`usage.record_many`, COUNTER rules applied, 20,000 events per transaction): "
        f"**{totals['written']:,} events in {bulk_s:.1f} s ({totals['written'] / bulk_s:,.0f} events/s)**; "
        f"{totals['counted']:,} counted after robots and double clicks. Log: {n_events:,} rows, roll-up "
        f"`usage_daily`: {n_daily:,} rows; database {size_mb:,.0f} MB. "
        f"Installation report of 1,200 lines validated and imported in {report_ms:.0f} ms.",
        "",
        "| operation | median | p95 | unit |",
        "|---|---:|---:|---|",
        *[f"| {name} | {med:,.2f} | {p95:,.2f} | {unit} |" for name, med, p95, unit in rows],
        "",
        f"`usage.record` is what a page pays: validation, HMAC of the visitor, COUNTER robot check "
        f"(cached per user agent), append to an in-memory queue; the background writer flushed "
        f"{args.calls:,} queued events in batches while the loop ran (final drain {drain_s:.2f} s). "
        "Dashboards read the monthly roll-up (all time, whole months) or the daily one (other "
        "periods, e.g. the daily series), so their cost follows (month or day × resource) pairs, "
        "not clicks; resource titles of the top list are cached five minutes.",
    ]
    RESULTS.write_text("\n".join(lines) + "\n", "utf-8")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
