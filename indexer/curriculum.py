"""Curriculum labels → the documents classified there, matched at query time.

Every level, subject and resource type has labels in French and Arabic (and
often English, Amazigh), alternative labels (``باكالوريا``, ``1ère année
collège``) and notations (``1AC``). Rather than copying those ~40 words into
every document (they were a third of all postings and of the indexing time),
the analysed label words are kept here, once, mapped to the terms that carry
them. A query word matching a label selects the documents whose facet values
hold that term, through the same numpy arrays that count facets. Documents hold
their whole taxon paths, so ``collège`` (a cycle label) also finds resources
filed under ``1AC``. The matching is the same analyzer as the index, so the
French query ``mathématiques 1AC`` reaches an Arabic-only resource on that node.

Only the labels of the languages the catalogue shows (French, Arabic) are words of the
curriculum: an English label is not free text (``year`` would otherwise match every
resource with a level). The generic words of level labels (``année``, ``السنة``,
``cycle``) match nothing on their own (``label_fillers`` in ``data/curriculum_aliases.json``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from importlib import resources
from typing import Any

from .analysis import analyse, tagged
from .querytext import Clause

#: vocabulary → the document facet field holding its term ids
SOURCES = {"level": "level", "subject": "subject", "learning_resource_type": "type"}
_ALIASES = json.loads(
    resources.files("indexer").joinpath("data/curriculum_aliases.json").read_text("utf-8")
)
LABEL_LANGUAGES = tuple(_ALIASES["label_languages"])
_FILLERS = frozenset(
    variant
    for word in _ALIASES["label_fillers"]
    for variants in analyse(word)
    for variant in variants
)


def term_texts(term) -> list[tuple[str, str]]:
    """``(lang, text)`` of a term's labels, alternative labels and notation, in the
    languages the catalogue shows."""
    out = [(lang, text) for lang, text in term.labels.items() if text and lang in LABEL_LANGUAGES]
    for lang, alts in (term.alt_labels or {}).items():
        if lang == "und" or lang in LABEL_LANGUAGES:
            out.extend(("fr" if lang == "und" else lang, alt) for alt in alts if alt)
    if term.notation:
        out.append(("fr", term.notation))
    return out


class CurriculumLexicon:
    def __init__(self, vocabularies: Mapping[str, Any]) -> None:
        self.by_token: dict[str, set[tuple[str, str]]] = {}
        for vocab_id, field in SOURCES.items():
            vocab = vocabularies.get(vocab_id)
            if vocab is None:
                continue
            for term in vocab:
                for lang, text in term_texts(term):
                    value = tagged([(lang, text)])
                    for variants in analyse(value):
                        for variant in variants:
                            if variant not in _FILLERS and not variant.isdigit():
                                self.by_token.setdefault(variant, set()).add((field, term.id))

    def clause_terms(self, clause: Clause) -> dict[str, list[str]]:
        """``{facet field: [term ids]}`` a clause matches through labels: one word's
        variants, or every word of a phrase (stopwords aside) in the labels of one term."""
        if not clause.phrase:
            return self.terms_for(clause.positions[0])
        found: set[tuple[str, str]] | None = None
        for variants in clause.content_positions:
            pairs = {(f, t) for f, ids in self.terms_for(variants).items() for t in ids}
            found = pairs if found is None else found & pairs
        terms: dict[str, list[str]] = {}
        for f, t in sorted(found or ()):
            terms.setdefault(f, []).append(t)
        return terms

    def terms_for(self, variants: Iterable[str]) -> dict[str, list[str]]:
        """``{facet field: [term ids]}`` whose labels contain one of the query ``variants``."""
        out: dict[str, set[str]] = {}
        for variant in variants:
            for field, term_id in self.by_token.get(variant, ()):
                out.setdefault(field, set()).add(term_id)
        return {field: sorted(ids) for field, ids in out.items()}
