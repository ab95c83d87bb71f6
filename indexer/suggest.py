"""Autocomplete: prefix matching over titles, keywords and curriculum labels.

Each phrase is stored as index terms ``"<key>␟<lang>␟<display>"`` (␟ = U+E001) where
the key is the folded text (:func:`metadata_schemas.textnorm.fold`) starting at
one of the phrase's first words, so ``"fract"`` completes ``"Les fractions
décimales"`` and ``"كسو"`` completes ``"الكسور"`` (a key is also made without the
Arabic article). Terms sort by key, so a prefix lookup is a range scan of the
term dictionary; candidates are ranked by how many documents carry them, the
user's language first. Curriculum labels come from the vocabularies, in memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from metadata_schemas.textnorm import fold

SEP = "\ue001"  # private use: never in folded text; \x1f would be whitespace to str.split
MAX_DISPLAY = 80
MAX_STARTS = 3  # a phrase is found from its first three words
MAX_PREFIX = 80
_ARTICLES = ("ال",)


def phrase_keys(display: str, starts: int = MAX_STARTS) -> list[str]:
    words = fold(display).split()
    keys: list[str] = []
    for i, word in enumerate(words[:starts]):
        rest = " ".join(words[i:])
        keys.append(rest)
        for article in _ARTICLES:
            if word.startswith(article) and len(word) > len(article) + 1:
                keys.append(rest[len(article) :])
    return list(dict.fromkeys(k[:MAX_DISPLAY] for k in keys if k))


def suggestion_terms(pairs: Iterable[tuple[str, str]], starts: int = MAX_STARTS) -> list[str]:
    """Index terms for ``[(lang, phrase)]`` (titles: from their first words; keywords,
    which are short, from their start only)."""
    terms: list[str] = []
    for lang, text in pairs:
        terms += _phrase_terms(lang, text, starts)
    return list(dict.fromkeys(terms))


@lru_cache(maxsize=4096)
def _phrase_terms(lang: str, text: str, starts: int) -> tuple[str, ...]:
    # cached: the same keywords come back record after record when an index is built
    # (titles rarely do: the size bounds what they take, ~1 KB each)
    display = " ".join(text.replace(SEP, " ").split())
    if not display:
        return ()
    if len(display) > MAX_DISPLAY:
        display = display[:MAX_DISPLAY].rsplit(" ", 1)[0] + "…"
    return tuple(f"{key}{SEP}{lang}{SEP}{display}" for key in phrase_keys(display, starts))


def parse_term(term: str) -> tuple[str, str, str] | None:
    parts = term.split(SEP, 2)
    return (parts[0], parts[1], parts[2]) if len(parts) == 3 else None


#: facet (document key) whose counts weigh the labels of each vocabulary
CURRICULUM_VOCABULARIES = {"level": "level", "subject": "subject", "learning_resource_type": "type"}


def curriculum_phrases(vocabularies: Mapping[str, Any]) -> list[tuple]:
    """Sorted ``(key, lang, display, facet field, term id, priority)`` for the labels of
    levels, subjects and resource types (priority 0 = the preferred label)."""
    out: list[tuple] = []
    for vocab_id, facet in CURRICULUM_VOCABULARIES.items():
        vocab = vocabularies.get(vocab_id)
        if vocab is None:
            continue
        for term in vocab:
            names = [(lang, text) for lang, text in term.labels.items()]
            names += [
                (lang, alt)
                for lang, alts in (term.alt_labels or {}).items()
                for alt in alts
                if lang != "und"
            ]
            if term.notation and vocab_id == "level":
                names.append(("und", term.notation))
            for priority, (lang, text) in enumerate(names):
                for key in phrase_keys(text):
                    out.append((key, lang, text, facet, term.id, priority))
    return sorted(set(out))


def rank(candidates: Iterable[tuple[str, str, int]], lang: str, limit: int) -> list[str]:
    """``(display, lang, weight)`` candidates → the best ``limit`` distinct displays."""
    best: dict[str, tuple[int, int]] = {}
    for display, cand_lang, weight in candidates:
        key = (0 if cand_lang == lang else 1, -weight)
        if display not in best or key < best[display]:
            best[display] = key
    return [d for d, _ in sorted(best.items(), key=lambda item: (item[1], len(item[0]), item[0]))][
        :limit
    ]


def clean_prefix(prefix: Any) -> str:
    if not isinstance(prefix, str):
        return ""
    return fold(prefix[:MAX_PREFIX])
