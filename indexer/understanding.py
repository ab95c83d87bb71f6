"""Query understanding: the levels, subjects and resource types a query names.

Teachers name the curriculum in many ways: ``1AC``, ``1ère année collège``, ``الأولى
إعدادي``, ``السنة الأولى من التعليم الثانوي الإعدادي``; ``2BAC PC``, ``الثانية باك علوم
فيزيائية``; ``CM2`` for 5AP; ``maths``, ``الاجتماعيات``, ``philo``. The phrases come from the
French and Arabic labels, alternative labels and notations of the vocabularies and from
``data/curriculum_aliases.json`` (abbreviations, former names, colloquial forms); words
are compared folded (:func:`phrase_key`), ordinals and cycle names through *concepts*
(``ORD1`` for ``1ère``/``première``/``الأولى``…, ``AC`` for ``collège``/``إعدادي``…), and
fillers (``السنة``, ``année``, ``de``) may stand inside a phrase.

:meth:`CurriculumPhrases.read` finds the longest phrases, left to right, and returns
:class:`Mention` objects. What a search then does with them (filter, boost) is decided in
:mod:`indexer.plan`. Vocabulary labels in other languages (English) are not phrases.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from .analysis import analyse_word, normalise_token, tokens
from .arabic import strip_proclitics
from .curriculum import LABEL_LANGUAGES, SOURCES
from .querytext import Word

_DATA = json.loads(
    resources.files("indexer").joinpath("data/curriculum_aliases.json").read_text("utf-8")
)
#: vocabulary → the kind of mention: the facet (and document field) holding its values
KINDS = SOURCES
_NOTATION = re.compile(r"^(\d)(ap|aep|ac|asc|apic|bac)$")
_CYCLES = {"AP", "AC", "BAC"}


def phrase_key(raw: str) -> str:
    """A word as phrases compare it: folded; Arabic without ``و``/article; French without
    a plural ``s`` (``sciences`` = ``science``)."""
    script, folded = normalise_token(raw)
    if script == "ar":
        return strip_proclitics(folded)
    if script == "latin" and len(folded) > 3 and folded.endswith("s") and folded[-2] != "s":
        return folded[:-1]
    return folded


_CONCEPTS: dict[str, str] = {
    phrase_key(word): concept for concept, words in _DATA["words"].items() for word in words
}
_FILLERS = frozenset(phrase_key(w) for w in _DATA["fillers"])
_EVERYDAY = frozenset(phrase_key(w) for w in _DATA["everyday"])


def _units(raw: str) -> list[str]:
    """The comparison units of one token: a concept, its key, or two units for a notation
    glued to its number (``1ac`` → ``NUM1 AC``)."""
    key = phrase_key(raw)
    match = _NOTATION.match(key)
    if match:
        return [f"NUM{match.group(1)}", _CONCEPTS[match.group(2)]]
    if key.isdigit() and len(key) == 1:
        return [f"NUM{key}"]
    return [_CONCEPTS.get(key, key)]


@dataclass(frozen=True)
class Mention:
    """A phrase of the query naming curriculum terms."""

    kind: str  # "level" | "subject" | "type"
    values: tuple[str, ...]  # vocabulary ids (several: any of them)
    words: tuple[int, ...]  # indexes of the query words it covers
    everyday: bool = False  # an everyday word (``histoire``): never a filter, still text


@dataclass
class _Node:
    children: dict[str, _Node]
    ends: dict[str, set[str]]  # kind → term ids of phrases ending here
    everyday: bool = True


class CurriculumPhrases:
    """The curriculum phrases of the vocabularies and the alias table, as a word trie."""

    def __init__(self, vocabularies: Mapping[str, Any]) -> None:
        self._root = _Node({}, {})
        self._vocabularies = vocabularies
        for vocab_id, kind in KINDS.items():
            vocab = vocabularies.get(vocab_id)
            if vocab is None:
                continue
            for term in vocab:
                for text in _term_phrases(term):
                    self._add(text, kind, term.id)
        aliases = _DATA["aliases"]
        for term_id, texts in aliases["level"].items():
            for text in texts:
                self._add(text, "level", term_id)
        for text, term_ids in aliases["level_sets"].items():
            for term_id in term_ids:
                self._add(text, "level", term_id)
        for term_id, texts in aliases["subject"].items():
            for text in texts:
                self._add(text, "subject", term_id)
        for concept, term_id in _DATA["alone"].items():
            self._insert([concept], "level", term_id, everyday=False)

    # -- building -----------------------------------------------------------------------

    def _add(self, text: str, kind: str, term_id: str) -> None:
        units: list[str] = []
        for raw, _start, _end in tokens(text):
            if not analyse_word(raw)[1] or phrase_key(raw) in _CONCEPTS:  # stopwords dropped
                units.extend(_units(raw))
        units = [u for u in units if u]
        if not units:
            return
        # an everyday word alone (histoire, التاريخ) names a subject without filtering
        everyday = kind == "subject" and len(units) == 1 and units[0] in _EVERYDAY
        for variant in _variants(units):
            self._insert(variant, kind, term_id, everyday=everyday)

    def _insert(self, units: list[str], kind: str, term_id: str, *, everyday: bool) -> None:
        node = self._root
        for unit in units:
            node = node.children.setdefault(unit, _Node({}, {}))
        node.ends.setdefault(kind, set()).add(term_id)
        node.everyday = node.everyday and everyday

    # -- reading ------------------------------------------------------------------------

    def read(self, words: list[Word], *, skip_kinds: Iterable[str] = ()) -> list[Mention]:
        """The curriculum phrases of ``words``, longest first, left to right (phrases of
        ``skip_kinds`` are not looked for; quoted words are never part of one)."""
        skip = set(skip_kinds)
        units = [_units(w.raw) if w.quoted < 0 else [] for w in words]
        mentions: list[Mention] = []
        i = 0
        while i < len(words):
            found = self._longest(words, units, i, skip)
            if found is None:
                i += 1
                continue
            end, node = found
            start = i
            while start > 0 and _skippable(words[start - 1], units[start - 1]):
                start -= 1  # "السنة" before "الأولى إعدادي" belongs to the phrase
            while end < len(words) and _skippable(words[end], units[end]):
                end += 1  # "7ème année": the filler after the phrase too
            covered = list(range(start, end))
            for kind, term_ids in node.ends.items():
                if kind in skip:
                    continue
                values = self._keep_ancestors(kind, term_ids)
                mentions.append(Mention(kind, values, tuple(covered), node.everyday))
            i = end
        return mentions

    def _longest(
        self, words: list[Word], units: list[list[str]], i: int, skip: set[str]
    ) -> tuple[int, _Node] | None:
        if not units[i] or units[i][0] not in self._root.children:
            return None
        best: tuple[int, _Node] | None = None
        # a word may be several units (1ac = NUM1 AC): walk the units in order
        stack = [(self._root, i, 0)]
        while stack:
            node, j, k = stack.pop()
            if j >= len(words):
                continue
            word_units = units[j]
            if not word_units:
                continue
            unit = word_units[k]
            if k == 0 and node is not self._root and _skippable(words[j], word_units):
                stack.append((node, j + 1, 0))  # a filler inside the phrase
            child = node.children.get(unit)
            if child is None:
                continue
            nj, nk = (j, k + 1) if k + 1 < len(word_units) else (j + 1, 0)
            ends = nk == 0 and any(kind not in skip for kind in child.ends)
            if ends and (best is None or nj > best[0]):
                best = (nj, child)
            stack.append((child, nj, nk))
        return best

    def _keep_ancestors(self, kind: str, term_ids: set[str]) -> tuple[str, ...]:
        """Of terms named together, those not below another one (``2bac`` and ``2bac-l``
        from ``2BAC L``, whose ``L`` is a stopword: ``2bac``)."""
        if kind != "level":
            return tuple(sorted(term_ids))
        vocab = self._vocabularies["level"]
        kept = []
        for term_id in sorted(term_ids):
            above = {t.id for t in vocab.path(term_id)[:-1]} if vocab.get(term_id) else set()
            if not above & term_ids:
                kept.append(term_id)
        return tuple(kept)


def _skippable(word: Word, units: list[str]) -> bool:
    return word.quoted < 0 and (word.stop or (len(units) == 1 and units[0] in _FILLERS))


def _variants(units: list[str]) -> list[list[str]]:
    """A phrase's unit sequences: as written, without its fillers (unless that leaves only
    an ordinal: ``التعليم الأولي`` must not become ``الأولى``), and with ``NUMk`` for an
    ``ORDk`` before a cycle and the reverse (``1 AC`` = ``1ère AC``)."""
    out = [units]
    bare = [u for u in units if u not in _FILLERS]
    if bare != units and bare and not all(_ordinal(u) for u in bare):
        out.append(bare)
    more = []
    for seq in out:
        for n, unit in enumerate(seq[:-1]):
            if _ordinal(unit) and seq[n + 1] in _CYCLES:
                other = ("NUM" if unit.startswith("ORD") else "ORD") + unit[3:]
                more.append([*seq[:n], other, *seq[n + 1 :]])
    return out + more


def _ordinal(unit: str) -> bool:
    return unit[:3] in ("ORD", "NUM") and unit[3:].isdigit()


def _term_phrases(term: Any) -> list[str]:
    texts = [text for lang, text in term.labels.items() if lang in LABEL_LANGUAGES and text]
    for lang, alts in (term.alt_labels or {}).items():
        if lang in LABEL_LANGUAGES or lang == "und":
            texts.extend(alt for alt in alts if alt)
    if term.notation and term.vocabulary == "level":  # subject notations (AP, AS, SI…) are
        texts.append(term.notation)  # everyday letters: the useful ones are aliases
    return texts


def label_texts(vocabularies: Mapping[str, Any]) -> list[str]:
    """Every phrase naming a curriculum term: labels in :data:`LABEL_LANGUAGES`,
    alternative labels, level notations and the alias table's phrases."""
    texts = []
    for vocab_id in KINDS:
        vocab = vocabularies.get(vocab_id)
        if vocab is not None:
            for term in vocab:
                texts.extend(_term_phrases(term))
    aliases = _DATA["aliases"]
    for group in ("level", "subject"):
        texts.extend(t for phrases in aliases[group].values() for t in phrases)
    texts.extend(aliases["level_sets"])
    return texts
