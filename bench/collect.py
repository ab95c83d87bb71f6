"""Put the latest figures of every benchmark into docs/benchmarks.md.

Usage::

    python bench/collect.py            # refresh the page after a benchmark has run
    python bench/collect.py --check    # exit 1, naming the stale parts, if it is not fresh

Each benchmark writes its latest run to ``bench/results/<area>.md`` (with the command that
produced it). On the page, that run sits between two marker lines::

    <!-- results: ingest +1 -->
    ...the body of bench/results/ingest.md, headings one level down...
    <!-- /results: ingest -->

and this script replaces what is between them; everything around the markers (history,
profiles, analysis) is written by hand and kept. ``+N`` is how many levels the file's
headings go down to sit under the page's heading above them. A results file the page has
no markers for gets a section of its own at the end. ``tests/docs/test_docs.py`` fails when
the page is not what this script writes, so a run cannot be left out of the page.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
RESULTS = ROOT / "results"
PAGE = ROOT.parent / "docs" / "benchmarks.md"

BEGIN = re.compile(r"^<!-- results: (?P<name>[\w.-]+)(?: \+(?P<down>\d))? -->$", re.MULTILINE)


def end_marker(name: str) -> str:
    return f"<!-- /results: {name} -->"


def results_files(results: Path = RESULTS) -> dict[str, Path]:
    return {path.stem: path for path in sorted(results.glob("*.md"))}


def title_and_body(path: Path) -> tuple[str, list[str]]:
    """The file's first heading (its title) and the lines after it."""
    title, lines = path.stem, path.read_text("utf-8").strip().splitlines()
    if lines and lines[0].startswith("#"):
        title, lines = lines[0].lstrip("#").strip(), lines[1:]
    while lines and not lines[0].strip():
        lines = lines[1:]
    return title, lines


def demoted(body: list[str], down: int) -> str:
    """Lines of a results file, its headings ``down`` levels lower."""
    return "\n".join("#" * down + line if line.startswith("#") else line for line in body)


def blocks(page: str) -> list[tuple[str, int, int, int]]:
    """Each block of the page: its results name, how many levels its headings go down, and
    where its content starts and ends (between the two marker lines)."""
    found: list[tuple[str, int, int, int]] = []
    position = 0
    for begin in BEGIN.finditer(page):
        if begin.start() < position:  # a marker line inside a block's own text
            continue
        name = begin["name"]
        end = page.find(end_marker(name), begin.end())
        if end < 0:
            raise SystemExit(f"docs/benchmarks.md: {begin.group()} has no {end_marker(name)}")
        found.append((name, int(begin["down"] or 1), begin.end(), end))
        position = end
    return found


def collect(page: str, files: dict[str, Path]) -> str:
    """``page`` with the block of every results file replaced by the file's latest run."""
    out: list[str] = []
    position = 0
    found = blocks(page)
    for name, down, start, end in found:
        out.append(page[position:start])
        # A benchmark whose results file is gone keeps its last figures as written.
        if name in files:
            out.append("\n" + demoted(title_and_body(files[name])[1], down) + "\n")
        else:
            out.append(page[start:end])
        position = end
    out.append(page[position:])
    text = "".join(out)
    shown = {name for name, *_ in found}
    for name, path in files.items():
        if name not in shown:
            title, body = title_and_body(path)
            text = text.rstrip("\n") + (
                f"\n\n## {title}\n\n<!-- results: {name} +1 -->\n{demoted(body, 1)}\n"
                f"{end_marker(name)}\n"
            )
    return text


def stale(page: str, fresh: str) -> list[str]:
    """The results whose block differs between ``page`` and ``fresh``."""
    old = {name: page[start:end] for name, _, start, end in blocks(page)}
    new = {name: fresh[start:end] for name, _, start, end in blocks(fresh)}
    return sorted(name for name in new if old.get(name) != new[name])


def main(argv: list[str]) -> int:
    page, files = PAGE.read_text("utf-8"), results_files()
    fresh = collect(page, files)
    if "--check" in argv:
        if fresh == page:
            return 0
        names = ", ".join(f"bench/results/{n}.md" for n in stale(page, fresh)) or "its layout"
        print(f"docs/benchmarks.md is out of date ({names}): run `python bench/collect.py`")
        return 1
    if fresh != page:
        PAGE.write_text(fresh, "utf-8")
    print(f"{PAGE}: {len(files)} benchmarks, latest runs in place")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
