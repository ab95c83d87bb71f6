"""Search backends side by side: Whoosh, Elasticsearch and OpenSearch on the same data and queries.

    MAWARID_SEARCH_NODES_HEAP=1g eval "$(bin/search-nodes start --cluster)"
    python bench/search_backends_bench.py --sizes 100000 1000000 --node-down
    bin/search-nodes stop

With the 3-node clusters of ``bin/search-nodes start --cluster`` (one shard, one replica),
``--node-down`` also times the query mix while the node holding the index's primary copy
is killed (``bin/search-nodes kill``: the other copy answers), then brings it back.

For each size, the same synthetic records (``metadata_schemas.synthetic``, same
seed) are streamed into each backend's ``rebuild`` and the query mix of
``bench/search_bench.py`` (text only, text + 2 facets, facets only, browse, deep
page, Arabic, French, misspelt, autocomplete) is timed against each, in the same
run. Engines come from ``MAWARID_TEST_ELASTICSEARCH_URL`` / ``MAWARID_TEST_OPENSEARCH_URL``
(or ``--elasticsearch``/``--opensearch``); an engine without a URL is left out and
the table says so. Latency is measured from Python (HTTP + JSON + our facet
labelling and snippets included), which is what the portal sees. Ingest records/s
exclude the generator's own time and include our text analysis (done in Python for
every backend). Results are printed and written to ``bench/results/search_backends.md``
after every size (so an interrupted 100k run keeps the 10k figures).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from search_bench import KINDS, Stream, folder_size, pct, query_mix, run_queries  # noqa: E402

from core.settings import Settings  # noqa: E402
from indexer import open_backend  # noqa: E402
from indexer.elastic import open_elastic  # noqa: E402
from indexer.elastic.client import decoded  # noqa: E402
from metadata_schemas.vocabularies import get_vocabularies  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "search_backends.md"
ENGINES = (
    ("elasticsearch", "MAWARID_TEST_ELASTICSEARCH_URL"),
    ("opensearch", "MAWARID_TEST_OPENSEARCH_URL"),
)


def bench_whoosh(count: int, args, vocabularies) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix=f"mawarid-bench-{count}-", dir=args.workdir))
    try:
        backend = open_backend(f"whoosh://{workdir}", vocabularies)
        result = ingest_and_query(backend, count, args, vocabularies)
        result.pop("mix")
        result.pop("stream")
        result["size"] = folder_size(workdir / (workdir / "CURRENT").read_text().strip())
        backend.close()
        return result
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def bench_engine(url: str, count: int, args, vocabularies) -> dict:
    # the portal's own settings, but a long search budget: here latency is measured, not cut
    settings = Settings.from_environment({}, MAWARID_SEARCH_TIMEOUT="60")
    backend = open_elastic(f"{url.rstrip('/')}-bench-{count}", vocabularies, settings=settings)
    try:
        result = ingest_and_query(backend, count, args, vocabularies)
        index = backend.client.aliases(backend.alias)[0]
        backend.client.wait_for_copies(index, budget=600)
        result["size"], result["size_all"] = backend.client.store_size(index)
        result["nodes"] = len(backend.client.connection.hosts)
        if args.node_down and result["nodes"] >= 3:
            # other queries than the healthy pass's: its answers are in the shard caches
            other = query_mix(result["stream"], vocabularies, random.Random(args.seed + 1))
            result["down"] = with_a_node_down(backend, index, other, args)
        result.pop("mix")
        result.pop("stream")
        return result
    finally:
        for index in backend.client.indices(f"{backend.alias}-*"):
            backend.client.delete_index(index)
        backend.close()


def ingest_and_query(backend, count: int, args, vocabularies) -> dict:
    stream = Stream(count, args.seed)
    t0 = time.perf_counter()
    indexed = backend.rebuild(iter(stream), total=count)
    total_seconds = time.perf_counter() - t0
    index_seconds = total_seconds - stream.generation_seconds
    mix = query_mix(stream, vocabularies, random.Random(args.seed))
    timings = run_queries(backend, mix, args.queries)
    return {
        "mix": mix,
        "stream": stream,
        "count": indexed,
        "index_s": index_seconds,
        "rate": indexed / index_seconds,
        "load": os.getloadavg()[0],
        "timings": timings,
    }


def with_a_node_down(backend, index: str, mix: dict, args) -> dict[str, list[float]]:
    """The query mix while the node holding the primary copy is dead, then revived."""
    state = os.environ.get("MAWARID_TEST_SEARCH_NODES_DIR", "")
    shards = decoded(backend.client.official.cat.shards(index=index, format="json"))
    victim = next(s["node"] for s in shards if s["prirep"] == "p")
    env = {**os.environ, "MAWARID_SEARCH_NODES_DIR": state}
    nodes = [str(ROOT / "bin" / "search-nodes")]
    subprocess.run([*nodes, "kill", victim], env=env, check=True)
    try:
        return run_queries(backend, mix, args.queries)
    finally:
        subprocess.run([*nodes, "revive", victim], env=env, check=True, capture_output=True)
        backend.client.wait_for_copies(index, budget=600)


def report(
    results: dict[int, dict[str, dict]], missing: list[str], failed: list[str], command: str
) -> str:
    lines = [
        "# Search backends benchmark: Whoosh vs Elasticsearch vs OpenSearch",
        "",
        f"Command: `{command}` (engines from `bin/search-nodes start [--cluster]`: Elasticsearch "
        "8.15.0 and OpenSearch 2.19.1 integ-test distributions, heap "
        f"{os.environ.get('MAWARID_SEARCH_NODES_HEAP', 'default')} per node; one shard, "
        "one replica on a cluster; every node on this same machine)",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores shared with other jobs and with "
        f"the search nodes, Python {platform.python_version()}; run "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
        "",
    ]
    if missing:
        lines += [f"Not measured (no URL): {', '.join(missing)}.", ""]
    for failure in failed:
        lines += [f"FAILED (no figures): {failure}", ""]
    lines += [
        "## Ingest",
        "",
        "| records | backend | indexing wall | records/s | index size | load avg |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    for count, by_backend in results.items():
        for name, r in by_backend.items():
            size = f"{r['size'] / 1e6:.1f} MB"
            if r.get("size_all", r["size"]) != r["size"]:
                size += f" ({r['size_all'] / 1e6:.1f} MB with replicas)"
            where = f"{name} ({r['nodes']} nodes)" if r.get("nodes", 1) > 1 else name
            lines.append(
                f"| {count:,} | {where} | {r['index_s']:.1f} s | {r['rate']:,.0f} "
                f"| {size} | {r['load']:.1f} |"
            )
    for count, by_backend in results.items():
        names = list(by_backend)
        lines += [
            "",
            f"## Query latency at {count:,} records (ms, p50 / p95)",
            "",
            "| query kind | " + " | ".join(names) + " |",
            "|---|" + "---:|" * len(names),
        ]
        for kind in KINDS:
            cells = []
            for name in names:
                values = by_backend[name]["timings"][kind]
                cells.append(
                    f"{statistics.median(values):.1f} / {pct(values, 95):.1f}" if values else "-"
                )
            lines.append(f"| {kind} | " + " | ".join(cells) + " |")
        down = {name: r["down"] for name, r in by_backend.items() if r.get("down")}
        if down:
            lines += [
                "",
                f"### With the node of the primary copy killed, {count:,} records "
                "(ms, p50 / p95; healthy p95 for comparison)",
                "",
                "| query kind | " + " | ".join(down) + " |",
                "|---|" + "---:|" * len(down),
            ]
            for kind in KINDS:
                cells = []
                for name, timings in down.items():
                    values, healthy = timings[kind], by_backend[name]["timings"][kind]
                    cells.append(
                        f"{statistics.median(values):.1f} / {pct(values, 95):.1f} "
                        f"(healthy {pct(healthy, 95):.1f})"
                        if values
                        else "-"
                    )
                lines.append(f"| {kind} | " + " | ".join(cells) + " |")
    lines += ["", NOTES]
    return "\n".join(lines)


NOTES = """Notes — what bounds these figures:

- Every search returns 20 hits with snippets and all ten facets with counts; the engines
  answer in one round trip (`_msearch`; two when no document has every word: the OR
  fallback; one more for "did you mean"), autocomplete with one request. Latency is
  measured from Python: HTTP, JSON, our facet labelling and snippets included.
- **CPU.** Everything runs on one 2-core machine shared with other jobs: the benchmark,
  and on a cluster six JVMs (three Elasticsearch and three OpenSearch nodes, both clusters
  up while either is measured). An engine's query is then bounded by the core it gets, not
  by the engine: on dedicated nodes (one per machine) each figure drops accordingly. The
  load average column says how contended each run was.
- **One shard per index** (exact facet counts and idf, same answers as Whoosh): a search
  runs on one core of one node; the replica lets two nodes answer different searches at
  once, not one search faster. Facet counts over the whole index (browse, facets only)
  grow with the number of matching documents; deep pages with the page offset.
- **Ingest** includes our text analysis in Python (same analyzer for every backend) and the
  engines' indexing on the same cores; the engines build the new index without replicas,
  then copy it once (the copy is not in the indexing time; the size with replicas is).
- **A node down**: the node holding the primary copy is killed (SIGKILL); the replica is
  promoted and answers alone, the dead node's share of requests goes to the others at once
  (the client sets the node aside). The figures use other queries than the healthy pass
  (whose answers the shard caches hold).
- Whoosh keeps browse counts per snapshot in memory, hence its flat browse/facets figures;
  the engines compute aggregations per request. Page and facet counts go as two searches of
  one `_msearch` (the counts with `size: 0`, kept by the shard request cache until a
  refresh changes the index). Autocomplete uses the global-ordinals `terms` path."""


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", nargs="+", type=int, default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=200, help="timed queries per kind")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workdir", default=None, help="where the temporary Whoosh indexes go")
    parser.add_argument("--elasticsearch", default=os.environ.get("MAWARID_TEST_ELASTICSEARCH_URL"))
    parser.add_argument("--opensearch", default=os.environ.get("MAWARID_TEST_OPENSEARCH_URL"))
    parser.add_argument("--backends", nargs="+", default=["whoosh", "elasticsearch", "opensearch"])
    parser.add_argument("--no-write", action="store_true", help="do not update the results file")
    parser.add_argument(
        "--node-down", action="store_true", help="on a 3-node cluster, also time with a node down"
    )
    args = parser.parse_args()
    vocabularies = get_vocabularies()
    urls = {name: getattr(args, name) for name, _var in ENGINES}
    missing = [name for name in urls if name in args.backends and not urls[name]]
    command = ("python bench/search_backends_bench.py " + " ".join(sys.argv[1:])).strip()
    results: dict[int, dict[str, dict]] = {}
    failed: list[str] = []
    for count in args.sizes:
        results[count] = {}
        for name in args.backends:
            if name in missing:
                continue
            print(f"-- {count:,} records: {name}", flush=True)
            try:
                if name == "whoosh":
                    r = bench_whoosh(count, args, vocabularies)
                else:
                    r = bench_engine(urls[name], count, args, vocabularies)
            except Exception as exc:  # one backend failing must not lose the others' figures
                failed.append(f"{name} at {count:,} records: {type(exc).__name__}: {exc}"[:300])
                print(f"   FAILED: {failed[-1]}", flush=True)
                continue
            results[count][name] = r
            print(
                f"   {r['index_s']:.1f} s ({r['rate']:,.0f} records/s), {r['size'] / 1e6:.1f} MB",
                flush=True,
            )
        text = report(results, missing, failed, command)
        if not args.no_write:
            RESULTS.parent.mkdir(parents=True, exist_ok=True)
            RESULTS.write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
