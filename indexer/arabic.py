"""Arabic words → index terms: unified letters, the morphology lexicon, a light stemmer.

1. **Letters** (:func:`normalise`): the project's normaliser
   (:func:`metadata_schemas.textnorm.normalise_arabic`: tashkeel and tatweel dropped,
   ``أ إ آ ٱ`` → ``ا``, ``ى`` → ``ي``, ``ة`` → ``ه``), except that the hamza *seats* are
   unified first: ``ؤ``, ``ئ`` and the typographic ``ىء`` are written ``ء``, so
   ``شئون``/``شؤون`` and ``مسئولية``/``مسؤولية`` are one word (the normaliser alone maps ``ؤ`` to
   ``و`` and ``ئ`` to ``ي``, which keeps them apart).
2. **Lexicon** (``data/lexicon.txt``, :class:`Lexicon`; staff add their own file with
   ``MAWARID_SEARCH_LEXICON``, :func:`add_lexicon_file`): the forms of one school word that
   no affix rule relates (broken plurals ``درس``/``دروس``, ``زاوية``/``زوايا``; derived forms
   such as ``تاريخي`` of ``تاريخ``) are indexed and searched as their group's head. A form is
   looked up as written, then after each step of the stemmer, so ``والدروس`` and ``دروسه``
   are found too.
3. **Light stemmer** (:func:`light_stem`, Light10 as in Larkey, Ballesteros & Connell 2007):
   the conjunction ``و``, the article and its ``ب ك ف ل`` forms, the suffixes ``ها ان ات ون
   ين ه``, each only while a stem of ≥ 3 letters remains; the nisba ``ي`` is kept (it
   would merge ``إعدادي``, preparatory, with ``الأعداد``, numbers) except after ``اء``
   (``كهربائي`` → ``كهرباء``), and a final ``يا`` loses its ``ا`` (``جغرافيا`` meets
   ``جغرافي``). Root stemmers (ISRI, Tashaphyne) and Snowball's Arabic stemmer were
   measured on the judged queries of ``bench/relevance.py`` and rejected (docs/search.md).

Parameters (affixes, minimum lengths, nisba rules) are in ``data/analysis.json``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from pathlib import Path

from metadata_schemas.textnorm import normalise_arabic

_AR = json.loads(resources.files("indexer").joinpath("data/analysis.json").read_text("utf-8"))[
    "arabic"
]
_ARTICLES = tuple(_AR["article_prefixes"])
_SUFFIXES = tuple(_AR["suffixes"])
_SEATS = str.maketrans({"ؤ": "ء", "ئ": "ء"})
_NISBA: list[tuple[str, str, int]] = [(str(o), str(n), int(m)) for o, n, m in _AR["nisba"]]


def normalise(word: str) -> str:
    """Folded letters of an Arabic word (lower-cased, NFKC already applied)."""
    return normalise_arabic(word.replace("ىء", "ء").translate(_SEATS))


def strip_proclitics(word: str) -> str:
    """``و`` and the article (with ``ب ك ف ل``), while enough of the word remains."""
    if word.startswith("و") and len(word) - 1 >= _AR["waw_min_remainder"]:
        word = word[1:]
    for prefix in _ARTICLES:
        if word.startswith(prefix) and len(word) - len(prefix) >= _AR["article_min_remainder"]:
            return word[len(prefix) :]
    return word


@lru_cache(maxsize=65_536)
def light_stem(word: str) -> str:
    """Light10 stem of a normalised word (see the module docstring)."""
    return _suffixes(strip_proclitics(word))


def _suffixes(word: str) -> str:
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= _AR["suffix_min_stem"]:
            word = word[: -len(suffix)]
    return _nisba(word)


def _nisba(word: str) -> str:
    for old, new, minimum in _NISBA:
        if word.endswith(old) and len(word) >= minimum:
            return word[: -len(old)] + new
    return word


class Lexicon:
    """Normalised forms → the stem of their group's head (see the module docstring)."""

    def __init__(self, groups: Iterable[list[str]] = ()) -> None:
        self.forms: dict[str, str] = {}
        self.conflicts: set[str] = set()
        self.add(groups)

    def add(self, groups: Iterable[list[str]]) -> None:
        groups = [[normalise(w) for w in g if w.strip()] for g in groups]
        heads = {g[0]: light_stem(g[0]) for g in groups if g}
        claimed: dict[str, str] = {}
        for group in groups:
            for form in group[1:]:
                head = heads[group[0]]
                if form in heads or claimed.get(form, head) != head:
                    self.conflicts.add(form)
                claimed[form] = head
        for form, head in claimed.items():
            if form not in self.conflicts:
                self.forms[form] = head
        self.forms.update(heads)
        for cached in (stem, query_stems, related_stems):
            cached.cache_clear()

    def lookup(self, word: str) -> str | None:
        return self.forms.get(word)


@lru_cache(maxsize=131_072)
def stem(word: str) -> str:
    """The index term of a normalised Arabic word: lexicon head, else light stem."""
    found = LEXICON.lookup(word)
    if found is not None:
        return found
    return _core(strip_proclitics(word))


def _core(bare: str) -> str:
    """Lexicon head or light stem of a word without proclitics."""
    found = LEXICON.lookup(bare)
    if found is not None:
        return found
    for suffix in _SUFFIXES:
        if bare.endswith(suffix) and len(bare) - len(suffix) >= _AR["suffix_min_stem"]:
            found = LEXICON.lookup(bare[: -len(suffix)])
            if found is not None:
                return found
    stemmed = _suffixes(bare)
    return LEXICON.lookup(stemmed) or stemmed


@lru_cache(maxsize=65_536)
def query_stems(word: str) -> tuple[str, ...]:
    """The index terms a query word may stand for. A ``و`` before the article is the
    conjunction (``والدروس``) and after it a letter of the word (``الوضوء``); at the start
    of a word without article it may be either (``وطرح``, ``وحدة``, ``وراثة``): the index
    holds one reading (:func:`stem` takes a long word's ``و`` for the conjunction), so the
    query asks for both."""
    reading = stem(word)
    if not word.startswith("و") or _without_article(word) != word:
        return (reading,)
    readings = [reading, _core(word), _core(word[1:])]
    return tuple(dict.fromkeys(r for r in readings if r))


_SLOT = re.compile("[فعل]")


def _pattern(template: str) -> tuple[re.Pattern[str], str]:
    """A template (``مفاعيل``) as a regular expression capturing its root letters, and as
    a format filling them back (ف ع ل are the slots, in order)."""
    regex = "".join("(.)" if _SLOT.match(ch) else re.escape(ch) for ch in template)
    fill = "".join("{}" if _SLOT.match(ch) else ch for ch in template)
    return re.compile(regex), fill


_PLURALS = [(_pattern(one), _pattern(many)) for one, many in _AR["broken_plurals"]["pairs"]]


def broken_plural_forms(word: str) -> list[tuple[str, str]]:
    """``(singular, plural)`` for each broken-plural pattern a normalised word fits, on
    either side (``دفاتر`` → ``("دفتر", "دفاتر")``); the forms are those of the pattern,
    not always words."""
    bare = _without_article(word)
    out = []
    for (one, one_fill), (many, many_fill) in _PLURALS:
        for pattern, make, is_plural in ((one, many_fill, False), (many, one_fill, True)):
            match = pattern.fullmatch(bare)
            # a long vowel is not a root letter here (nor و ي in a four-letter root)
            vowels = "اوي" if len(match.groups() if match else ()) > 3 else "ا"
            if match and not any(letter in vowels for letter in match.groups()):
                other = make.format(*match.groups())
                out.append((other, bare) if is_plural else (bare, other))
    return out


@lru_cache(maxsize=65_536)
def related_stems(word: str) -> tuple[str, ...]:
    """Index terms of the forms a normalised word would have as the other side of a
    broken-plural pattern (``دفاتر`` → ``دفتر``), for the words the lexicon does not list:
    a query asks for them too, at a lower weight (they may be another word)."""
    bare = _without_article(word)
    own = stem(word)
    out: dict[str, None] = {}
    for singular, plural in broken_plural_forms(word):
        form = stem(plural if singular == bare else singular)
        if form != own:
            out[form] = None
    return tuple(out)


def _without_article(word: str) -> str:
    for prefix in _ARTICLES:
        if word.startswith(prefix) and len(word) - len(prefix) >= _AR["article_min_remainder"]:
            return word[len(prefix) :]
    return word


def read_groups(text: str) -> list[list[str]]:
    """The groups of a lexicon file: one per line, forms separated by spaces or commas,
    ``#`` starts a comment."""
    groups = []
    for line in text.splitlines():
        words = line.split("#", 1)[0].replace(",", " ").replace("،", " ").split()
        if len(words) > 1:
            groups.append(words)
    return groups


LEXICON = Lexicon(
    read_groups(resources.files("indexer").joinpath("data/lexicon.txt").read_text("utf-8"))
)


def add_lexicon_file(path: Path) -> int:
    """Add the groups of a staff lexicon file (the format of ``data/lexicon.txt``); the
    number of groups read. ``OSError``/``UnicodeDecodeError`` if it cannot be read."""
    groups = read_groups(Path(path).read_text("utf-8"))
    LEXICON.add(groups)
    return len(groups)


def spelling_key(word: str) -> str:
    """The form compared when correcting a typo: normalised, without the article (the
    ``و`` of ``وراثة`` may be a letter of the word: it stays)."""
    return _without_article(word)
