"""User query text → words and clauses, treating every character as text (no query syntax).

``"AND"``, ``(``, ``*``, ``:``, ``~``, ``^``, ``[`` are not operators here: the text goes
through the same analyzer as the documents, so punctuation only separates words. The one
thing understood is a balanced pair of double quotes (``"équation du second degré"``),
which asks for the words as a phrase, stopwords included; an unbalanced quote is ignored.

* Each word that is not a stopword is a required **clause** (words combine with AND).
* Stopwords are not required, but they are not thrown away: inside quotes they are part of
  the phrase, and an unquoted query that mixes them with other words (``لا النافية
  للجنس``, ``les pronoms en et y``) gets a **bonus phrase**, all its words in order, which
  ranks the resource titled with exactly those words first.
* A query made **only of stopwords** (``en et y``, ``ou où``) is looked for as an exact
  phrase (:attr:`ParsedQuery.stop_phrase`); a single stopword, or a query without any word
  (``???``), is not searched at all (:attr:`ParsedQuery.empty_reason`): listing the whole
  catalogue would not help whoever typed it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from .analysis import (
    analyse_word,
    clean_user_text,
    normalise_token,
    related_terms,
    spelling_key,
    tokens,
)
from .model import MAX_QUERY_TERMS

#: Weight of a word's related terms against its own (a broken plural's other side); they
#: are looked for in titles and keywords only (a description's postings are long).
RELATED_WEIGHT = 0.6
#: Why a non-empty query is not searched (:attr:`ParsedQuery.empty_reason`).
ONLY_STOPWORDS = "stopwords"
NO_WORDS = "marks"


@dataclass(frozen=True)
class Word:
    """One word of the query as typed and as analysed."""

    raw: str
    terms: tuple[str, ...]  # query-mode index terms (French and English stems of a Latin word)
    stop: bool
    folded: str  # normalised, unstemmed (curriculum phrases are matched on it)
    key: str | None  # spelling key (None: never corrected)
    quoted: int = -1  # which quoted part holds it (-1: unquoted)
    start: int = 0  # where it is in the query text
    end: int = 0
    #: terms it may also stand for, weighed less (the other side of a broken plural)
    related: tuple[str, ...] = ()


@dataclass
class Clause:
    #: index-term variants at each position (one position unless a phrase)
    positions: list[list[str]]
    phrase: bool = False
    #: indexes (in :attr:`ParsedQuery.words`) of the words it stands for
    words: list[int] = field(default_factory=list)
    #: which positions are stopwords (a phrase keeps them)
    stops: list[bool] = field(default_factory=list)
    #: terms a single word may also stand for, weighed :data:`RELATED_WEIGHT`
    related: list[str] = field(default_factory=list)

    @property
    def terms(self) -> set[str]:
        return {v for variants in self.positions for v in variants}

    @property
    def content_positions(self) -> list[list[str]]:
        """The variants of the positions that are not stopwords."""
        stops = self.stops or [False] * len(self.positions)
        return [variants for variants, stop in zip(self.positions, stops, strict=True) if not stop]

    def phrase_readings(self) -> list[list[str]]:
        """The phrase as one term per position, once per reading: the first variant of
        each word (French stems), then the last (English stems), as a text is in one
        language."""
        first = [variants[0] for variants in self.positions]
        last = [variants[-1] for variants in self.positions]
        return [first] if first == last else [first, last]


@dataclass
class ParsedQuery:
    words: list[Word] = field(default_factory=list)
    #: required clauses: each content word, each quoted phrase
    clauses: list[Clause] = field(default_factory=list)
    #: optional phrase of the unquoted words, stopwords included (see the module docstring)
    bonus: Clause | None = None
    #: a query of stopwords only, looked for as an exact phrase
    stop_phrase: Clause | None = None
    #: why nothing is searched (:data:`ONLY_STOPWORDS`, :data:`NO_WORDS`), or None
    empty_reason: str | None = None

    @property
    def terms(self) -> set[str]:
        """Index terms of the required words, stopwords aside (what snippets highlight)."""
        return {t for c in self.clauses for variants in c.content_positions for t in variants}

    @property
    def has_text(self) -> bool:
        return bool(self.clauses or self.stop_phrase)


def read_words(text: str) -> list[Word]:
    """The words of ``text``, each marked with the quoted part it belongs to."""
    text = clean_user_text(text or "")
    parts = text.split('"')
    if len(parts) % 2 == 0:  # unbalanced: the last quote is just a character
        parts = text.replace('"', " ").split('"')
    words: list[Word] = []
    offset = 0
    for i, part in enumerate(parts):
        for raw, start, end in tokens(part):
            terms, stop = analyse_word(raw, query=True)
            if not terms:
                continue
            quoted = i // 2 if i % 2 else -1
            folded = normalise_token(raw)[1]
            key = spelling_key(raw)
            related = () if stop else related_terms(raw)
            words.append(
                Word(raw, terms, stop, folded, key, quoted, offset + start, offset + end, related)
            )
            if len(words) >= MAX_QUERY_TERMS:
                return words
        offset += len(part) + 1  # the quote
    return words


def replace_words(text: str, words: list[Word], new: dict[int, str]) -> str:
    """``text`` with the words at the given indexes replaced (same cleaning as
    :func:`read_words`, so the offsets hold)."""
    text = clean_user_text(text or "")
    for i in sorted(new, key=lambda i: words[i].start, reverse=True):
        text = text[: words[i].start] + new[i] + text[words[i].end :]
    return text


def build(words: list[Word], *, had_text: bool) -> ParsedQuery:
    """Clauses of ``words`` (``had_text``: the user typed something, maybe only marks)."""
    parsed = ParsedQuery(words=words)
    if not words:
        parsed.empty_reason = NO_WORDS if had_text else None
        return parsed
    if all(w.stop for w in words):
        if len(words) == 1:
            parsed.empty_reason = ONLY_STOPWORDS
        else:
            parsed.stop_phrase = _phrase(words, range(len(words)))
        return parsed
    quoted: dict[int, list[int]] = {}
    for i, word in enumerate(words):
        if word.quoted >= 0:
            quoted.setdefault(word.quoted, []).append(i)
        elif not word.stop:
            parsed.clauses.append(_word(word, i))
    for indexes in quoted.values():
        if len(indexes) > 1:
            parsed.clauses.append(_phrase(words, indexes))
        elif not words[indexes[0]].stop:
            i = indexes[0]
            parsed.clauses.append(_word(words[i], i))
    unquoted = [i for i, w in enumerate(words) if w.quoted < 0]
    if len(unquoted) > 1 and any(words[i].stop for i in unquoted):
        parsed.bonus = _phrase(words, unquoted)
    return parsed


def _word(word: Word, index: int) -> Clause:
    return Clause([list(word.terms)], words=[index], related=list(word.related))


def _phrase(words: list[Word], indexes: Iterable[int]) -> Clause:
    indexes = list(indexes)
    return Clause(
        [list(words[i].terms) for i in indexes],
        phrase=True,
        words=indexes,
        stops=[words[i].stop for i in indexes],
    )


def parse(text: str) -> ParsedQuery:
    return build(read_words(text), had_text=bool((text or "").strip()))
