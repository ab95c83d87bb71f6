"""XML bindings benchmark: per-record cost of the exports and of the LOM import.

    python bench/xml_bench.py --records 2000

For synthetic records (with identifier and provenance, as the catalogue writes
them on publish) it times, record by record: LOM export (element + bytes),
Dublin Core export, ScoLOMFR export, LOM import (safe parse + read + validation
with ``load_record``). Prints median and p95 per record and the throughput, and
writes ``bench/results/xml.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lxml import etree  # noqa: E402

from metadata_schemas.lom_xml import lom_to_record, record_to_lom  # noqa: E402
from metadata_schemas.oai_dc import record_to_oai_dc_element  # noqa: E402
from metadata_schemas.scolomfr_xml import record_to_scolomfr_element  # noqa: E402
from metadata_schemas.synthetic import generate_dataset  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "xml.md"


def _provenance(acquisition: dict, index: int) -> dict:
    return {
        **acquisition,
        "validated": {
            "date": "2025-01-02",
            "commission": "validation",
            "reference": f"PV {index}/2025",
        },
        "published": {"date": "2025-01-05T10:00:00Z", "by": "LNRN"},
    }


def run(count: int, seed: int) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = {
        "LOM export": [],
        "oai_dc export": [],
        "ScoLOMFR export": [],
        "LOM import": [],
    }
    sizes: list[int] = []
    cpu: dict[str, float] = dict.fromkeys(timings, 0.0)
    for index, (record, acquisition) in enumerate(generate_dataset(count, seed=seed)):
        ident, prov = f"r-{index:07d}", _provenance(acquisition, index)
        c0 = time.process_time()
        t0 = time.perf_counter()
        data = record_to_lom(record, identifier=ident, provenance=prov)
        t1, c1 = time.perf_counter(), time.process_time()
        etree.tostring(
            record_to_oai_dc_element(
                record, identifier=ident, base_url="https://mawarid.men.gov.ma", provenance=prov
            )
        )
        t2, c2 = time.perf_counter(), time.process_time()
        etree.tostring(record_to_scolomfr_element(record, identifier=ident, provenance=prov))
        t3, c3 = time.perf_counter(), time.process_time()
        lom_to_record(data, source=ident)
        t4, c4 = time.perf_counter(), time.process_time()
        for name, seconds in zip(timings, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=False):
            timings[name].append(seconds)
        for name, seconds in zip(cpu, (c1 - c0, c2 - c1, c3 - c2, c4 - c3), strict=False):
            cpu[name] += seconds
        sizes.append(len(data))
    timings["_bytes"] = sizes  # type: ignore[assignment]
    timings["_cpu"] = cpu  # type: ignore[assignment]
    return timings


def _row(name: str, values: list[float], cpu: float) -> str:
    ordered = sorted(values)
    median = statistics.median(ordered) * 1000
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] * 1000
    rate = len(values) / sum(values)
    return f"| {name} | {median:.3f} | {p95:.3f} | {rate:,.0f} | {len(values) / cpu:,.0f} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    timings = run(args.records, args.seed)
    sizes = timings.pop("_bytes")
    cpu = timings.pop("_cpu")
    lines = [
        "| operation (per record) | median ms | p95 ms | records/s (wall) | records/s (CPU) |",
        "|---|---:|---:|---:|---:|",
        *(_row(n, v, cpu[n]) for n, v in timings.items()),  # type: ignore[call-overload]
    ]
    table = "\n".join(lines)
    print(table)
    print(f"LOM document size: median {statistics.median(sizes):,.0f} bytes")
    command = f"python bench/xml_bench.py --records {args.records} --seed {args.seed}"
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        f"# XML bindings (metadata_schemas)\n\nCommand: `{command}`  \n"
        f"Machine: {platform.machine()}, Python {platform.python_version()}, "
        f"lxml {'.'.join(map(str, etree.LXML_VERSION[:3]))}; shared 2-core box, other "
        f"benchmarks and test suites running (load average {os.getloadavg()[0]:.1f}): the "
        "CPU rate (this process's CPU time) is the steadier figure.\n\n"
        f"{table}\n\n"
        f"LOM document size: median {statistics.median(sizes):,.0f} bytes. "
        "Import = safe parse + read + `load_record` validation.\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
