"""OAI-PMH benchmark: a full ListRecords harvest over HTTP of a large catalogue.

For each catalogue size (default 10k and 100k) the script

1. creates a fresh instance (``create_app`` runs the migrations);
2. fills the OAI tables directly: a pool of synthetic records
   (``metadata_schemas.synthetic.generate_dataset``) is rendered once by the
   catalogue's own writers (``catalogue.services.oai_records.render``: oai_dc,
   oai_lom and ScoLOMFR), then every row takes one pool rendering with the row's
   own resource id substituted, and its set specs; rows are bulk-inserted with
   sqlite3 (the catalogue services publish ~50 records/s through the whole
   create → submit → decide → publish chain, too slow for 100k here);
   three records share each datestamp second so the keyset tie-break on the
   identifier is exercised;
3. starts the real app under waitress in a *separate process* on 127.0.0.1;
4. harvests everything with ListRecords, following resumption tokens, in
   ``oai_dc`` then ``oai_lom`` (one fresh server process per format), timing each page;
5. reads the server's peak RSS (``VmHWM`` in ``/proc/<pid>/status``).

Usage::

    python bench/oai_bench.py                       # 10k and 100k, oai_dc + oai_lom
    python bench/oai_bench.py --sizes 2000 --no-write

The table is printed and written to ``bench/results/oai.md`` (unless ``--no-write``).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

REPOSITORY_ID = "mawarid.men.gov.ma"
POOL = 3000
TOKEN = re.compile(rb"<resumptionToken[^>]*>([^<]*)</resumptionToken>")
EPOCH = datetime(2024, 9, 1, 8, 0, 0)


def _set_specs(record: dict, mode: str | None) -> list[str]:
    try:
        from catalogue.services.oai_records import set_specs

        return set_specs(record, mode)
    except ImportError:  # the catalogue's helper moved: same rule, spelled here
        specs: list[str] = []
        for cls in record.get("classification", []):
            for path in cls.get("taxon_path", []):
                taxon = path.get("taxon") or []
                if path.get("source") == "level":
                    specs += ["level:" + ":".join(taxon[:n]) for n in range(1, len(taxon) + 1)]
                elif path.get("source") == "subject" and taxon:
                    specs.append(f"subject:{taxon[-1]}")
        if mode:
            specs.append(f"collection:{mode}")
        return list(dict.fromkeys(specs))


def render_pool(size: int) -> list[tuple[str, dict[str, str | None], list[str]]]:
    from catalogue.services.oai_records import render
    from metadata_schemas.synthetic import generate_dataset

    pool = []
    for n, (record, acquisition) in enumerate(generate_dataset(size, seed=42)):
        rid = f"bench-{n:07d}"
        texts = render(
            record,
            resource_id=rid,
            provenance=None,
            repository_id=REPOSITORY_ID,
            base_url="http://127.0.0.1",
        )
        pool.append((rid, texts, _set_specs(record, (acquisition or {}).get("mode"))))
    return pool


def fill(database: Path, count: int, pool) -> float:
    """Bulk-insert ``count`` OAI rows; returns the seconds it took."""
    started = time.perf_counter()
    conn = sqlite3.connect(database)
    conn.execute("PRAGMA foreign_keys=OFF")  # the rows stand for published resources
    conn.execute("PRAGMA synchronous=OFF")

    def rows():
        for n in range(count):
            pool_id, texts, _specs = pool[n % len(pool)]
            rid = f"bench-{n:07d}"
            stamp = (EPOCH + timedelta(seconds=n // 3)).strftime("%Y-%m-%d %H:%M:%S.%f")
            yield (
                rid,
                f"oai:{REPOSITORY_ID}:{rid}",
                stamp,
                0,
                *(
                    (t or None) and t.replace(pool_id, rid)
                    for t in (texts["oai_dc"], texts["oai_lom"], texts["scolomfr"])
                ),
            )

    def set_rows():
        for n in range(count):
            rid = f"bench-{n:07d}"
            for spec in pool[n % len(pool)][2]:
                yield (rid, spec)

    with conn:
        conn.executemany(
            "INSERT INTO oai_item (resource_id, identifier, datestamp, deleted, "
            "oai_dc, oai_lom, scolomfr) VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows(),
        )
        conn.executemany(
            "INSERT INTO oai_item_set (resource_id, set_spec) VALUES (?, ?)", set_rows()
        )
    conn.execute("ANALYZE")
    conn.close()
    return time.perf_counter() - started


def serve(home: str) -> None:
    """Child process: the real app under waitress; prints its port on stdout."""
    os.environ["MAWARID_HOME"] = home
    os.environ["MAWARID_BASE_URL"] = "http://127.0.0.1"
    from waitress.server import create_server

    from portal import create_app

    app = create_app()
    server = create_server(app, host="127.0.0.1", port=0, threads=4, ident="mawarid-bench")
    print(server.effective_port, flush=True)
    server.run()


class Server:
    def __init__(self, home: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--serve", str(home)], stdout=subprocess.PIPE, text=True
        )
        port = self.process.stdout.readline().strip()
        if not port:
            raise SystemExit("the bench server did not start")
        self.url = f"http://127.0.0.1:{port}/oai"

    def peak_rss_mb(self) -> float:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        kb = int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1))
        return kb / 1024

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server so far (load-independent cost)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def harvest(url: str, prefix: str) -> dict:
    import requests

    session = requests.Session()
    session.get(url, params={"verb": "Identify"}, timeout=60)  # warm-up: not a list page
    pages: list[float] = []
    records = 0
    params = {"verb": "ListRecords", "metadataPrefix": prefix}
    started = time.perf_counter()
    client_cpu = time.process_time()
    while True:
        t0 = time.perf_counter()
        response = session.get(url, params=params, timeout=120)
        body = response.content
        pages.append(time.perf_counter() - t0)
        if response.status_code != 200 or b"<error" in body[:2000]:
            raise SystemExit(f"harvest failed: {body[:500]!r}")
        records += body.count(b"<record>")
        match = TOKEN.search(body, max(0, len(body) - 4096))
        if not match or not match.group(1):
            break
        params = {"verb": "ListRecords", "resumptionToken": match.group(1).decode()}
    total = time.perf_counter() - started
    client_cpu = time.process_time() - client_cpu
    ms = sorted(p * 1000 for p in pages)
    return {
        "records": records,
        "pages": len(pages),
        "seconds": total,
        "rate": records / total,
        "first_ms": pages[0] * 1000,
        "last_ms": pages[-1] * 1000,
        "median_ms": statistics.median(ms),
        "p95_ms": ms[int(0.95 * (len(ms) - 1))],
        "client_cpu_s": client_cpu,
    }


def run(sizes: list[int], prefixes: list[str]) -> list[dict]:
    from portal import create_app

    print(
        f"rendering a pool of {POOL} synthetic records (oai_dc, oai_lom, scolomfr)…",
        file=sys.stderr,
    )
    t0 = time.perf_counter()
    pool = render_pool(POOL)
    print(f"  {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    results = []
    for size in sizes:
        home = Path(tempfile.mkdtemp(prefix=f"oai-bench-{size}-"))
        os.environ["MAWARID_HOME"] = str(home)
        app = create_app({"MAWARID_HOME": str(home)})  # migrations
        app.extensions["mawarid"].close()
        fill_s = fill(home / "mawarid.sqlite3", size, pool)
        db_mb = (home / "mawarid.sqlite3").stat().st_size / 2**20
        print(f"{size} rows inserted in {fill_s:.1f} s ({db_mb:.0f} MB)", file=sys.stderr)
        for prefix in prefixes:
            server = Server(home)
            try:
                cpu = server.cpu_seconds()
                row = harvest(server.url, prefix)
                row.update(
                    size=size,
                    prefix=prefix,
                    peak_rss_mb=server.peak_rss_mb(),
                    fill_s=fill_s,
                    db_mb=db_mb,
                    cpu_s=server.cpu_seconds() - cpu,
                )
            finally:
                server.stop()
            if row["records"] != size:
                raise SystemExit(f"harvested {row['records']} records of {size}")
            print(
                f"  {prefix}: {row['rate']:.0f} records/s (server CPU {row['cpu_s']:.1f} s, "
                f"client CPU {row['client_cpu_s']:.1f} s)",
                file=sys.stderr,
            )
            results.append(row)
        shutil.rmtree(home, ignore_errors=True)
    return results


def table(results: list[dict]) -> str:
    lines = [
        "| catalogue | format | pages | total s | records/s | first page ms | last page ms "
        "| median page ms | p95 page ms | server CPU s | records per server CPU s "
        "| server peak RSS MB |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r['size']:,} | {r['prefix']} | {r['pages']} | {r['seconds']:.1f} | "
            f"{r['rate']:,.0f} | {r['first_ms']:.1f} | {r['last_ms']:.1f} | "
            f"{r['median_ms']:.1f} | {r['p95_ms']:.1f} | {r['cpu_s']:.1f} | "
            f"{r['records'] / max(r['cpu_s'], 0.01):,.0f} | {r['peak_rss_mb']:.0f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--formats", nargs="+", default=["oai_dc", "oai_lom"])
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return
    load_before = os.getloadavg()[0]
    results = run(args.sizes, args.formats)
    load_after = os.getloadavg()[0]
    text = table(results)
    print(text)
    if not args.no_write:
        command = "python bench/oai_bench.py " + " ".join(sys.argv[1:])
        out = REPO / "bench" / "results" / "oai.md"
        out.write_text(
            "# OAI-PMH harvest benchmark\n\n"
            f"Command: `{command.strip()}` ({datetime.now():%Y-%m-%d %H:%M}, "
            f"{os.cpu_count()} cores shared with other jobs; 1-minute load average "
            f"{load_before:.1f} before, {load_after:.1f} after).\n\n"
            "Full ListRecords harvest over HTTP (waitress, 4 threads, 127.0.0.1, SQLite), "
            "default page size (100 records), one client following resumption tokens. "
            "Rows were bulk-inserted into the OAI tables from "
            f"{POOL} synthetic records rendered by the catalogue's writers (each row keeps its "
            "own identifier). Peak RSS is the server process's VmHWM after the harvest "
            "(one server process per format, warmed up by one Identify request). "
            "Server CPU s is the server process's user+system time during the harvest: "
            "records per server CPU second is what the server sustains on one free core, "
            "whatever else the machine runs. The first page also counts the list "
            "(completeListSize, once per harvest); every later page is one keyset read "
            "(no OFFSET), so the last page of the catalogue costs what the first one does. "
            "The client's own CPU time is printed on stderr.\n\n" + text + "\n"
        )
        print(f"written to {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
