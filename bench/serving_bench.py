"""Serving benchmark: requests/s and p95 of /api/search and OAI-PMH pages, by worker count.

    python bench/serving_bench.py --records 10000 --workers 1 2 4 --clients 1 4 16 64

One instance (SQLite + Whoosh in a temporary home, ``mawarid demo`` records) is served by
``mawarid serve --workers N`` (gunicorn) for each N, and by waitress in one process (how
``serve`` ran before: the baseline). ``wrk`` (Debian's package) drives each endpoint with
``--clients`` kept-alive connections for ``--seconds``: searches rotate through words of
the generated titles and facet filters; OAI-PMH asks for ``ListRecords`` (100 records of
``oai_dc``) and ``GetRecord``. Latency is wrk's, from the first byte sent to the last
received. Results are printed and written to ``bench/results/serving.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.stack import fetch, free_port  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "serving.md"
MAWARID = str(Path(sys.executable).with_name("mawarid"))
# wrk: rotate through the given paths, report p50/p95 and errors as one JSON line
WRK_SCRIPT = """
local paths = {}
for line in io.lines("%(paths)s") do paths[#paths + 1] = line end
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", paths[(n %% #paths) + 1])
end
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout + summary.errors.status
  io.write(string.format('{"requests": %%d, "seconds": %%f, "p50": %%f, "p95": %%f, "errors": %%d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3,
    latency:percentile(95) / 1e3, errors))
end
"""
WAITRESS = """
import sys
from waitress import serve
from core.settings import Settings
from portal import create_app
serve(create_app(settings=Settings.from_environment()), host="127.0.0.1",
      port=int(sys.argv[1]), threads=8, ident="mawarid")
"""


def paths_for(base: str, rng: random.Random) -> dict[str, list[str]]:
    """Search paths built from the instance's own words, and OAI-PMH paths."""
    words, ids = set(), []
    page = json.loads(fetch(base + "/api/search?size=100&sort=date")[1])
    for hit in page["hits"]:
        ids.append(hit["id"])
        title = hit["title"]  # the title in the reader's language, as the API shows it
        words.update(w for w in title.split() if len(w) > 3 and w.isalpha())
    words_list = sorted(words)
    searches = []
    for _ in range(400):
        path = f"/api/search?q={quote(rng.choice(words_list))}"
        if rng.random() < 0.5:
            path += f"&subject={rng.choice(['mathematiques', 'langue-arabe', 'francais'])}"
        searches.append(path)
    oai = ["/oai?verb=ListRecords&metadataPrefix=oai_dc"] + [
        f"/oai?verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:mawarid.men.gov.ma:{rid}"
        for rid in ids
    ]
    return {"/api/search": searches, "OAI-PMH": oai}


def run_wrk(base: str, paths: list[str], clients: int, seconds: int, workdir: Path) -> dict:
    listing = workdir / "paths.txt"
    listing.write_text("\n".join(paths) + "\n")
    script = workdir / "report.lua"
    script.write_text(WRK_SCRIPT % {"paths": listing})
    threads = max(1, min(2, clients))
    out = subprocess.run(
        [
            *("wrk", f"-t{threads}", f"-c{clients}", f"-d{seconds}s", "--timeout", "10s"),
            *("-s", str(script), base + "/"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode:
        raise RuntimeError(f"wrk failed: {out.stdout}{out.stderr}")
    line = [row for row in out.stdout.splitlines() if row.startswith("{")][-1]
    result = json.loads(line)
    result["rate"] = result["requests"] / result["seconds"]
    return result


def start(kind: str, workers: int, env: dict[str, str], port: int) -> subprocess.Popen:
    if kind == "gunicorn":
        args = [MAWARID, "serve", f"--port={port}", f"--workers={workers}", "--threads=8"]
    else:
        args = [sys.executable, "-c", WAITRESS, str(port)]
    process = subprocess.Popen(
        args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if fetch(f"http://127.0.0.1:{port}/health", timeout=2)[0] == 200:
                return process
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError(f"{kind} did not start")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 4, 16, 64])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--no-baseline", action="store_true", help="skip waitress")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")
    workdir = Path(tempfile.mkdtemp(prefix="mawarid-serving-bench-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAWARID_", "PROMETHEUS"))}
    env.update({"MAWARID_HOME": str(workdir / "home"), "MAWARID_SECRET_KEY": "bench"})
    print(f"-- {args.records:,} demo records", flush=True)
    subprocess.run(
        [MAWARID, "demo", f"--count={args.records}"],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    servers = [("gunicorn", n) for n in args.workers]
    if not args.no_baseline:
        servers.insert(0, ("waitress", 1))
    results: dict[tuple[str, int], dict[str, dict[int, dict]]] = {}
    try:
        for kind, workers in servers:
            port = free_port()
            env_run = {**env, "MAWARID_BASE_URL": f"http://127.0.0.1:{port}"}
            process = start(kind, workers, env_run, port)
            base = f"http://127.0.0.1:{port}"
            try:
                for endpoint, paths in paths_for(base, random.Random(7)).items():
                    for clients in args.clients:
                        r = run_wrk(base, paths, clients, args.seconds, workdir)
                        results.setdefault((kind, workers), {}).setdefault(endpoint, {})[
                            clients
                        ] = r
                        print(
                            f"   {kind} x{workers} {endpoint} c={clients}: {r['rate']:.0f} req/s, "
                            f"p95 {r['p95']:.0f} ms, errors {r['errors']}",
                            flush=True,
                        )
            finally:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=60)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    text = report(results, args)
    if not args.no_write:
        RESULTS.write_text(text + "\n", encoding="utf-8")
    print(text)


def report(results: dict, args) -> str:
    command = "python bench/serving_bench.py " + " ".join(sys.argv[1:])
    lines = [
        "# Serving benchmark: `mawarid serve --workers N` (gunicorn) and waitress",
        "",
        f"Command: `{command.strip()}` ({args.records:,} demo records, SQLite + Whoosh; "
        f"`wrk` with kept-alive connections, {args.seconds} s per cell)",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores shared with other jobs and with "
        f"wrk itself, Python {platform.python_version()}; run "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; load average "
        f"{os.getloadavg()[0]:.1f} at the end.",
        "",
    ]
    endpoints = sorted({e for by_endpoint in results.values() for e in by_endpoint})
    for endpoint in endpoints:
        lines += [
            f"## {endpoint}: requests/s (p95 ms)",
            "",
            "| server | " + " | ".join(f"{c} clients" for c in args.clients) + " |",
            "|---|" + "---:|" * len(args.clients),
        ]
        for (kind, workers), by_endpoint in results.items():
            name = (
                "waitress, 1 process × 8 threads"
                if kind == "waitress"
                else (f"gunicorn, {workers} worker{'s' if workers > 1 else ''} × 8 threads")
            )
            cells = []
            for clients in args.clients:
                r = by_endpoint.get(endpoint, {}).get(clients)
                err = f", {r['errors']} errors" if r and r["errors"] else ""
                cells.append(f"{r['rate']:,.0f} ({r['p95']:.0f}{err})" if r else "-")
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
        lines.append("")
    lines += [NOTES]
    return "\n".join(lines)


NOTES = """Notes:

- Each search returns 20 hits with snippets and all ten facets; half the searches filter
  by a subject. OAI-PMH: the first `ListRecords` page (100 records, pre-rendered in the
  database) and `GetRecord` of the latest records.
- On 2 cores a worker count above 2 cannot add throughput: it only shares the same CPU
  (and wrk takes its share). What more workers buy on this machine is that one slow
  request (a big OAI page, a cold index segment) no longer holds the others — compare the
  p95 at 16-64 clients. On a server, one worker per core is the starting point
  (docs/deployment.md).
- Idle and half-open connections do not enter these figures: tests/serving checks that
  400 of them leave the portal answering in well under 2 s (they starved waitress's
  default 100-connection limit)."""


if __name__ == "__main__":
    main()
