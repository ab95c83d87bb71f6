"""Typo tolerance, the same on every engine: which words to correct, into what, shown how.

A word is corrected only if the index does not know it (no posting in any text field)
and it is not a curriculum word (:class:`~indexer.curriculum.CurriculumLexicon`,
:mod:`indexer.understanding`): a valid word or abbreviation is never "corrected". Words
are compared on their spelling key (:func:`indexer.analysis.spelling_key`: folded,
unstemmed, Arabic without its article), within an edit distance that grows with the
word (:func:`max_edits`; a transposition is one edit). Candidates are the words of the
catalogue's titles and keywords (each engine enumerates them: Whoosh's term automaton,
the engines' term suggester) and of the curriculum labels; the nearest wins, then the
most frequent, then the first in alphabetical order, so every engine picks the same.

The corrected query is shown in the catalogue's own spelling (:func:`surface_forms`: as
written in the hits that match it, or in the labels), never in folded form.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources

from .analysis import analyse_word, spelling_key, tokens

_DATA = json.loads(resources.files("indexer").joinpath("data/analysis.json").read_text("utf-8"))[
    "spelling"
]
#: The shortest spelling key corrected (three-letter words are too often valid)…
MIN_KEY: int = _DATA["min_key"]
#: …and the longest (a longer "word" is rarely a typo, and costly to match).
MAX_KEY: int = _DATA["max_key"]
#: Words of one query checked for typos (a query of 32 unknown words costs no more).
MAX_WORDS: int = _DATA["max_words"]
_CONFUSED: dict[str, str] = _DATA["first_letter_confusions"]


#: From this length a word may differ by two edits (shorter words: one).
TWO_EDITS: int = _DATA["two_edits_from"]


def max_edits(key: str) -> int:
    """Edits allowed for a word of this length: 1 up to 9 letters, 2 from 10 (a
    9-letter English word is 2 edits from a French one: ``secondary``, ``secondaire``)."""
    if not MIN_KEY <= len(key) <= MAX_KEY:
        return 0
    return 1 if len(key) < TWO_EDITS else 2


def near_forms(key: str) -> list[str]:
    """Forms one edit from ``key`` that the engines' candidates (which share the first
    letter and, for Whoosh, count a swap as two edits) do not include: two neighbour
    letters swapped, and the first letter replaced by one it is often typed for
    (``دهني`` for ``ذهني``)."""
    swapped = [key[:i] + key[i + 1] + key[i] + key[i + 2 :] for i in range(len(key) - 1)]
    confused = [c + key[1:] for c in _CONFUSED.get(key[:1], "")]
    return [form for form in dict.fromkeys(swapped + confused) if form != key]


def distance(a: str, b: str, limit: int = 2) -> int:
    """Damerau-Levenshtein (optimal string alignment) distance, capped at ``limit + 1``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        best = current[0]
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                value = min(value, previous2[j - 2] + 1)
            current[j] = value
            best = min(best, value)
        if best > limit:
            return limit + 1
        previous2, previous = previous, current
    return min(previous[-1], limit + 1)


@dataclass(frozen=True)
class Candidate:
    key: str
    frequency: int  # resources whose titles or keywords hold it


def ranked(key: str, candidates: Iterable[Candidate]) -> list[str]:
    """The corrections of ``key`` at the smallest distance, most frequent first (then in
    alphabetical order): the first is the correction, the others its alternatives."""
    allowed = max_edits(key)
    found: dict[str, tuple[int, int]] = {}
    for cand in candidates:
        if cand.key == key or not cand.key:
            continue
        edits = distance(key, cand.key, allowed)
        if edits <= allowed and (cand.key not in found or found[cand.key][1] < cand.frequency):
            found[cand.key] = (edits, cand.frequency)
    if not found:
        return []
    nearest = min(edits for edits, _f in found.values())
    best = [(-f, k) for k, (edits, f) in found.items() if edits == nearest]
    return [k for _f, k in sorted(best)]


class LabelWords:
    """Spelling keys of the curriculum labels and aliases → their written forms."""

    def __init__(self, texts: Iterable[str]) -> None:
        self.forms: dict[str, str] = {}
        for text in texts:
            for raw, _start, _end in tokens(text):
                key = spelling_key(raw)
                if key and len(key) >= MIN_KEY:
                    self.forms.setdefault(key, raw)
        self._by_start: dict[str, list[str]] = {}
        for key in self.forms:
            self._by_start.setdefault(key[0], []).append(key)

    def candidates(self, key: str) -> list[Candidate]:
        """Label words within :func:`max_edits` of ``key`` that start like the engines'
        candidates: with its first letter, or one it is typed for, or its second letter
        (two first letters swapped)."""
        allowed = max_edits(key)
        starts = dict.fromkeys(key[0] + _CONFUSED.get(key[0], "") + key[1:2])
        out = []
        for start in starts:
            for other in self._by_start.get(start, ()):
                if (
                    abs(len(other) - len(key)) <= allowed
                    and distance(key, other, allowed) <= allowed
                ):
                    out.append(Candidate(other, 0))
        return out


#: Occurrences of a written form after which :func:`surface_forms` stops reading.
ENOUGH_FORMS = 3


def surface_forms(wanted: Mapping[str, str], texts: Iterable[str]) -> dict[str, str]:
    """``{spelling key: written form}`` for the keys of ``wanted`` (key → its stem): the
    most frequent form in ``texts`` with that key, else with that stem. ``texts`` come
    best first (the first hits' titles); reading stops once every key has been seen
    :data:`ENOUGH_FORMS` times."""
    exact: dict[str, Counter[str]] = {key: Counter() for key in wanted}
    by_stem: dict[str, Counter[str]] = {key: Counter() for key in wanted}
    stems = {stem: key for key, stem in wanted.items()}
    for text in texts:
        if all(sum(exact[key].values()) >= ENOUGH_FORMS for key in wanted):
            break
        for raw, _start, _end in tokens(text):
            key = spelling_key(raw)
            if key is None:
                continue
            if key in exact:
                exact[key][raw] += 1
                continue
            terms, _stop = analyse_word(raw)
            for term in terms:
                if term in stems:
                    by_stem[stems[term]][raw] += 1
    out = {}
    for key in wanted:
        counts = exact[key] or by_stem[key]
        if counts:  # the most frequent; between equals, a lower-case one (not a title's start)
            out[key] = max(counts.items(), key=lambda kv: (kv[1], kv[0][:1].islower(), kv[0]))[0]
    return out
