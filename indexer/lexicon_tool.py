"""Propose morphology-lexicon lines from the catalogue's own words and the vocabularies.

    mawarid export --format json --out /tmp/records
    python -m indexer.lexicon_tool /tmp/records > proposed.txt

Reads every file given (a folder: its files, recursively; the JSON of ``mawarid export``
or any text), takes the Arabic words of those texts and of the vocabularies' labels, and
prints, one per line in the format of ``data/lexicon.txt``, the pairs of words that both
occur, fit the two sides of a broken-plural pattern (``data/analysis.json``) and that the
search does not yet take for one word (``دفتر دفاتر``), with how often each form occurs.
A person reviews the lines (a pattern also pairs unrelated words) and adds the good ones
to the shipped lexicon or to the staff file of ``MAWARID_SEARCH_LEXICON``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

from metadata_schemas.vocabularies import get_vocabularies

from .analysis import normalise_token, tokens
from .arabic import broken_plural_forms, stem, strip_proclitics
from .understanding import label_texts

#: A form seen fewer times than this is not proposed (typos, proper names).
MIN_OCCURRENCES = 2


def arabic_words(texts: Iterable[str]) -> Counter[str]:
    """Occurrences of each Arabic word (normalised, without ``و``/article) in ``texts``."""
    counts: Counter[str] = Counter()
    for text in texts:
        for raw, _start, _end in tokens(text):
            script, folded = normalise_token(raw)
            if script == "ar" and len(folded) > 2:
                counts[strip_proclitics(folded)] += 1
    return counts


def propose(counts: Counter[str], *, minimum: int = MIN_OCCURRENCES) -> list[tuple[str, str]]:
    """``(singular, plural)`` pairs both attested ``minimum`` times, not yet one word."""
    out = []
    for word, seen in sorted(counts.items()):
        if seen < minimum:
            continue
        for singular, plural in broken_plural_forms(word):
            other = plural if singular == word else singular
            if counts.get(other, 0) >= minimum and stem(singular) != stem(plural):
                out.append((singular, plural))
    return sorted(set(out))


def _texts(paths: Iterable[Path]) -> Iterator[str]:
    for path in paths:
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            text = file.read_text("utf-8", errors="replace")
            if file.suffix == ".json":  # the strings of a JSON record, not its keys
                try:
                    yield from _strings(json.loads(text))
                    continue
                except ValueError:
                    pass
            yield text


def _strings(node: object) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("paths", nargs="*", type=Path, help="exported records or text files")
    parser.add_argument("--min", type=int, default=MIN_OCCURRENCES, help="occurrences per form")
    args = parser.parse_args(argv)
    counts = arabic_words([*label_texts(get_vocabularies()), *_texts(args.paths)])
    for singular, plural in propose(counts, minimum=args.min):
        print(f"{singular} {plural}  # {counts[singular]} / {counts[plural]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
