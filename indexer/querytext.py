"""User query text → clauses, treating every character as text (no query syntax).

``"AND"``, ``(``, ``*``, ``:``, ``~``, ``^``, ``[`` are not operators here: the
text goes through the same analyzer as the documents, so punctuation only
separates words. The one thing understood is a balanced pair of double quotes
(``"équation du second degré"``), which asks for the words as a phrase; an
unbalanced quote is ignored.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .analysis import analyse, clean_user_text, normalise_token, tokens
from .model import MAX_QUERY_TERMS


@dataclass
class Clause:
    #: index-term variants at each position (one position unless a phrase)
    positions: list[list[str]]
    phrase: bool = False

    @property
    def terms(self) -> set[str]:
        return {v for variants in self.positions for v in variants}


@dataclass
class ParsedQuery:
    clauses: list[Clause] = field(default_factory=list)
    #: the user's words, unstemmed and folded, with their original spelling (for "did you mean")
    words: list[tuple[str, str]] = field(default_factory=list)

    @property
    def terms(self) -> set[str]:
        return {t for c in self.clauses for t in c.terms}


def parse(text: str) -> ParsedQuery:
    text = clean_user_text(text or "")
    parts = text.split('"')
    if len(parts) % 2 == 0:  # unbalanced: the last quote is just a character
        parts = text.replace('"', " ").split('"')
    parsed = ParsedQuery()
    for i, part in enumerate(parts):
        positions = analyse(part, query=True)
        if i % 2 == 1 and len(positions) > 1:
            parsed.clauses.append(Clause(positions, phrase=True))
        else:
            parsed.clauses.extend(Clause([p]) for p in positions)
        for raw, _start, _end in tokens(part):
            _script, folded = normalise_token(raw)
            if folded:
                parsed.words.append((raw, folded))
    del parsed.clauses[MAX_QUERY_TERMS:]
    del parsed.words[MAX_QUERY_TERMS:]
    return parsed
