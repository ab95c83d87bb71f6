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
    lines = path.read_text("utf-8").strip().splitlines()
    title = lines[0].lstrip("#").strip() if lines and lines[0].startswith("#") else path.stem
    body = lines[1:] if lines and lines[0].startswith("#") else lines
    while body and not body[0].strip():
        body = body[1:]
    return title, body


def block(path: Path, down: int) -> str:
    """The body of a results file, its headings ``down`` levels lower."""
    _, body = title_and_body(path)
    return "\n".join("#" * down + line if line.startswith("#") else line for line in body)


def collect(page: str, files: dict[str, Path]) -> str:
    """``page`` with the block of every results file replaced by the file's latest run."""
    out: list[str] = []
    position = 0
    seen: set[str] = set()
    for begin in BEGIN.finditer(page):
        if begin.start() < position:  # a marker inside a block already replaced
            continue
        name, down = begin["name"], int(begin["down"] or 1)
        end = page.find(end_marker(name), begin.end())
        if end < 0:
            raise SystemExit(f"docs/benchmarks.md: {begin.group()} has no {end_marker(name)}")
        out.append(page[position : begin.end()])
        if name in files:
            out.append("\n" + block(files[name], down) + "\n")
            seen.add(name)
        else:  # a benchmark whose results file is gone: its last figures stay as written
            out.append(page[begin.end() : end])
        position = end
    out.append(page[position:])
    text = "".join(out)
    for name, path in files.items():
        if name not in seen:
            title, _ = title_and_body(path)
            text = text.rstrip("\n") + (
                f"\n\n## {title}\n\n<!-- results: {name} +1 -->\n{block(path, 1)}\n"
                f"{end_marker(name)}\n"
            )
    return text


def stale(page: str, fresh: str) -> list[str]:
    """The results whose block differs between ``page`` and ``fresh``."""

    def blocks(text: str) -> dict[str, str]:
        found = {}
        for begin in BEGIN.finditer(text):
            end = text.find(end_marker(begin["name"]), begin.end())
            found[begin["name"]] = text[begin.end() : end]
        return found

    old, new = blocks(page), blocks(fresh)
    return sorted(name for name in new if old.get(name) != new[name])


def main(argv: list[str]) -> int:
    page = PAGE.read_text("utf-8")
    fresh = collect(page, results_files())
    if "--check" in argv:
        if fresh == page:
            return 0
        names = ", ".join(f"bench/results/{n}.md" for n in stale(page, fresh)) or "its layout"
        print(f"docs/benchmarks.md is out of date ({names}): run `python bench/collect.py`")
        return 1
    if fresh != page:
        PAGE.write_text(fresh, "utf-8")
    print(f"{PAGE}: {len(results_files())} benchmarks, latest runs in place")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
