"""Gather the latest figures of every benchmark into docs/benchmarks.md.

Each benchmark writes its own ``bench/results/<area>.md`` (with the command that
produced it); this script only assembles them, in the order below, so the page
always shows the latest run of each. Usage: ``python bench/collect.py``.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent
ORDER = [
    "search",
    "search_backends",
    "serving",
    "oai",
    "catalogue",
    "ingest",
    "diffusion",
    "xml",
    "synthetic",
]

HEADER = """# Benchmarks

Latest figures of each benchmark in `bench/`, on this project's machine (2 cores, 24 GiB),
with the command that produced them. Each section is copied from `bench/results/<area>.md`
by `python bench/collect.py`; rerun a benchmark, then that script, to refresh this page.
Figures were taken on a machine shared with other jobs: the load average is given where
the benchmark recorded it, and CPU time beside wall time where contention matters.

"""


def main() -> None:
    results = ROOT / "results"
    names = [n for n in ORDER if (results / f"{n}.md").exists()]
    names += sorted(p.stem for p in results.glob("*.md") if p.stem not in ORDER)
    parts = [HEADER]
    for name in names:
        text = (results / f"{name}.md").read_text("utf-8").strip()
        # Demote headings one level so each benchmark is a section of this page.
        text = "\n".join("#" + line if line.startswith("#") else line for line in text.splitlines())
        parts.append(text + "\n")
    out = ROOT.parent / "docs" / "benchmarks.md"
    out.write_text("\n".join(parts), "utf-8")
    print(f"wrote {out} ({', '.join(names)})")


if __name__ == "__main__":
    main()
