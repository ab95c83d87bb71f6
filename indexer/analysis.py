"""Text analysis for Arabic, French, English and Amazigh (Tifinagh), token by token.

Titles such as ``"Les fractions - الكسور"`` mix scripts, so one analyzer routes
*each token* by its script instead of choosing a language per field:

* **Arabic** tokens go through :mod:`indexer.arabic`: letters unified (tashkeel,
  tatweel, alef forms, ``ى``/``ي``, ``ة``/``ه``, hamza seats ``ؤ ئ`` → ``ء``), then the
  morphology lexicon (broken plurals and derived forms of school words,
  ``data/lexicon.txt``), then a light stemmer (Light10 affixes), so ``الكسور`` →
  ``كسور``, ``دروس`` → ``درس`` and ``شئون`` = ``شؤون``.
* **Latin** tokens are lower-cased, ligatures folded (``œ`` → ``oe``), French elisions
  (``l'``, ``d'``, ``qu'``) removed, accents folded, then Snowball French stems them,
  the accent of a known suffix restored first (``radioactivite`` stems like
  ``radioactivité``, which the folded word alone would not). Text
  tagged English (see :func:`tagged`) is stemmed in English instead, and in query mode a
  Latin token yields both stems at the same position, since the query's language is
  unknown (``équations`` → ``equat``; ``lessons`` → ``lesson``). Tokens holding digits
  (``1AC``, ``2BAC``) are kept whole.
* **Tifinagh** (and any other script) passes through NFKC-normalised.

**Stopwords** (``le``, ``de``, ``في``, ``لا``…) are indexed too, unstemmed, at their
positions: a quoted phrase must match them exactly (``"premier degré"`` does not match
``premier du degré``), and grammar topics named by particles (``لا النافية للجنس``,
``en et y``) stay findable. A query only *requires* its other words
(:mod:`indexer.querytext`).

Stopwords, elisions, affixes and letter foldings live in ``data/analysis.json``.
With ``stem=False`` the same analyzer gives the unstemmed words; :func:`spelling_key`
gives the form compared when a typo is corrected (:mod:`indexer.spelling`).
"""

from __future__ import annotations

import json
import re
import threading
import unicodedata
from collections.abc import Iterator
from functools import lru_cache
from importlib import resources
from pathlib import Path

import Stemmer
from whoosh.analysis import Analyzer, Token

from metadata_schemas.textnorm import strip_accents

from . import arabic
from .model import SearchError

_DATA = json.loads(resources.files("indexer").joinpath("data/analysis.json").read_text("utf-8"))

#: Marks the language of the text that follows inside one field value, e.g.
#: ``"\ue000en Fractions \ue000fr Les fractions"``; a private-use character
#: never typed by users (and stripped from their input by :func:`clean_user_text`).
LANG_MARK = "\ue000"

# A language mark, or a word: letters/digits/marks of any script, joined by
# apostrophes (l'équation) or hyphen-less; "_" is not a word character here.
# Combining marks (tashkeel, tatweel, decomposed accents, the Tifinagh joiner) are
# not ``\w`` for ``re`` but belong inside words.
_WORD = r"(?:[^\W_]|[\u0300-\u036f\u0610-\u061a\u0640\u064b-\u065f\u0670\u06d6-\u06ed\u2d7f])"
_TOKEN = re.compile(LANG_MARK + r"[a-z]{2,3}|[^\W_]" + _WORD + r"*(?:['’]" + _WORD + r"+)*")
_ARABIC = re.compile(r"[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]")
_LATIN = re.compile(r"[A-Za-z\u00C0-\u024F\u1E00-\u1EFF]")
_DIGIT = re.compile(r"\d")

_STOP = {lang: frozenset(words) for lang, words in _DATA["stopwords"].items()}
_LATIN_STOP = _STOP["fr"] | _STOP["en"]
_ELISIONS = tuple(sorted((e + "'" for e in _DATA["elisions"]), key=len, reverse=True))
_LATIN_LETTERS = str.maketrans(_DATA["latin_letters"])
_SUFFIX_ACCENTS = tuple((plain, accented) for plain, accented in _DATA["french_suffix_accents"])

#: Longest token kept; longer "words" are junk (URLs, base64) and bloat the index.
MAX_TOKEN = 40

_stemmers = threading.local()


def _stemmer(lang: str) -> Stemmer.Stemmer:
    # PyStemmer objects are not thread-safe; waitress searches from 8 threads.
    cache = _stemmers.__dict__
    if lang not in cache:
        cache[lang] = Stemmer.Stemmer({"fr": "french", "en": "english"}[lang])
    return cache[lang]


def script_of(token: str) -> str:
    """``"ar"``, ``"latin"`` or ``"other"`` (Tifinagh, digits only, …)."""
    if _ARABIC.search(token):
        return "ar"
    if _LATIN.search(token):
        return "latin"
    return "other"


def _latin(token: str) -> str:
    """A lower-cased Latin token without ligatures and elision."""
    token = token.translate(_LATIN_LETTERS).replace("’", "'")
    for elision in _ELISIONS:
        if token.startswith(elision) and len(token) > len(elision):
            token = token[len(elision) :]
            break
    return token.replace("'", "")


@lru_cache(maxsize=262_144)
def normalise_token(token: str) -> tuple[str, str]:
    """``(script, folded form)`` of one raw token, before stopwords and stemming."""
    token = unicodedata.normalize("NFKC", token).casefold()
    script = script_of(token)
    if script == "ar":
        token = arabic.normalise(token)
    elif script == "latin":
        token = _latin(token)
    return script, (token if token.isascii() else strip_accents(token))


def is_stopword(script: str, word: str) -> bool:
    if script == "ar":  # also with the conjunction attached: ولا, وفي, وإن
        return word in _STOP["ar"] or (word[:1] == "و" and word[1:] in _STOP["ar"])
    return script == "latin" and word in _LATIN_STOP


def _french_stem(folded: str) -> str:
    """Snowball French on a word without accents, its suffix's accent restored first
    (``radioactivite`` → ``radioactivité``): the stem depends on the folded word only, so a
    word typed with or without accents meets itself."""
    for plain, restored in _SUFFIX_ACCENTS:
        if folded.endswith(plain) and len(folded) > len(plain) + 2:
            folded = folded[: -len(plain)] + restored
            break
    return strip_accents(_stemmer("fr").stemWord(folded))


@lru_cache(maxsize=262_144)
def analyse_word(
    token: str, lang: str = "fr", stem: bool = True, query: bool = False
) -> tuple[tuple[str, ...], bool]:
    """``(index terms, is a stopword)`` of one raw token (no terms for junk).

    ``lang`` is the tagged language of the surrounding text; in query mode a Latin
    word gives its French and English stems. A stopword's one term is its folded form.
    """
    script, word = normalise_token(token)
    if not word or len(word) > MAX_TOKEN:
        return (), False
    if is_stopword(script, word):
        if script == "ar" and word not in _STOP["ar"]:
            word = word[1:]  # وإن is إن after the conjunction
        return (word,), True
    if not stem or _DIGIT.search(word):
        return (word,), False
    if script == "ar":
        return (arabic.query_stems(word) if query else (arabic.stem(word),)), False
    if script == "latin":
        if query:
            fr, en = _french_stem(word), _stemmer("en").stemWord(word)
            return ((fr,) if fr == en else (fr, en)), False
        if lang == "en":
            return (_stemmer("en").stemWord(word),), False
        return (_french_stem(word),), False
    return (word,), False


@lru_cache(maxsize=65_536)
def related_terms(token: str) -> tuple[str, ...]:
    """Index terms a query word may also stand for, at a lower weight: the other words
    of its group in ``data/synonyms.json`` (``examen`` ↔ ``امتحان``) and, for an Arabic
    word, the other side of its broken-plural pattern (:func:`indexer.arabic.related_stems`)."""
    script, word = normalise_token(token)
    terms, stop = analyse_word(token, query=True)
    if stop or not terms or len(word) > MAX_TOKEN:
        return ()
    out: dict[str, None] = {}
    for term in terms:
        out.update(dict.fromkeys(_synonyms().get(term, ())))
    if script == "ar":
        out.update(dict.fromkeys(arabic.related_stems(word)))
    return tuple(t for t in out if t not in terms)


@lru_cache(maxsize=1)
def _synonyms() -> dict[str, tuple[str, ...]]:
    """Each index term of a ``data/synonyms.json`` word → the terms of its group."""
    data = json.loads(resources.files("indexer").joinpath("data/synonyms.json").read_text("utf-8"))
    out: dict[str, set[str]] = {}
    for group in data["groups"]:
        stems: set[str] = set()
        for word in group:
            for lang in ("fr", "en"):
                stems.update(analyse_word(word, lang)[0])
        for stem in stems:
            out.setdefault(stem, set()).update(stems)
    return {stem: tuple(sorted(group - {stem})) for stem, group in out.items()}


@lru_cache(maxsize=262_144)
def variants(
    token: str, lang: str = "fr", stem: bool = True, query: bool = False
) -> tuple[str, ...]:
    """Index terms of one raw token that is not a stopword (empty for stopwords and junk)."""
    terms, stop = analyse_word(token, lang, stem, query)
    return () if stop else terms


@lru_cache(maxsize=262_144)
def spelling_key(token: str) -> str | None:
    """The form a typo is corrected on: folded, unstemmed, Arabic without ``و``/article;
    None for stopwords, short tokens and tokens with digits."""
    script, word = normalise_token(token)
    if not word or len(word) > MAX_TOKEN or is_stopword(script, word) or _DIGIT.search(word):
        return None
    return arabic.spelling_key(word) if script == "ar" else word


def tokens(text: str) -> Iterator[tuple[str, int, int]]:
    """``(raw token, start, end)`` of every word in ``text`` (language marks included)."""
    for match in _TOKEN.finditer(text):
        yield match.group(), match.start(), match.end()


def tagged(parts: dict[str, str] | list[tuple[str, str]]) -> str:
    """One field value from ``{lang: text}``: each text preceded by its language mark."""
    items = parts.items() if isinstance(parts, dict) else parts
    return " ".join(f"{LANG_MARK}{lang} {text}" for lang, text in items if text)


def clean_user_text(text: str) -> str:
    """User input without control or private-use characters (which carry our marks)."""
    return "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)


class MultilingualAnalyzer(Analyzer):
    """Whoosh analyzer routing each token by script (see the module docstring).

    Several variants of one word share a position, like synonyms, so phrase
    queries still line up; stopwords are indexed at their positions too.
    """

    def __init__(self, stem: bool = True) -> None:
        self.stem = stem

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MultilingualAnalyzer) and other.stem == self.stem

    def __hash__(self) -> int:
        return hash(("MultilingualAnalyzer", self.stem))

    def __repr__(self) -> str:
        return f"MultilingualAnalyzer(stem={self.stem})"

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        tokenize=True,
        mode="",
        **kwargs,
    ):
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        query = mode == "query"
        stem = self.stem
        lang = "fr"
        pos = start_pos
        # the indexing hot loop (every token of every record): regex matches
        # directly, character offsets only when asked for (highlighting)
        for match in _TOKEN.finditer(value):
            raw = match.group()
            if raw[0] == LANG_MARK:
                lang = raw[1:]
                continue
            found, _stop = analyse_word(raw, lang, stem, query)
            if not found:
                continue
            for text in found:
                t.text = text
                t.boost = 1.0
                t.stopped = False
                if keeporiginal:
                    t.original = raw
                if positions:
                    t.pos = pos
                if chars:
                    t.startchar = start_char + match.start()
                    t.endchar = start_char + match.end()
                yield t
            pos += 1


def index_positions(value: str, stem: bool = True) -> tuple[dict[str, list[int]], int]:
    """``({term: positions}, tokens)`` of a field value as :class:`MultilingualAnalyzer`
    indexes it (``mode="index"``, positions from 0): the bulk segment writer's form of
    the analyzer, without a generator and a ``Token`` per word. ``tokens`` counts every
    term yielded (Whoosh's field length)."""
    positions: dict[str, list[int]] = {}
    lang = "fr"
    pos = 0
    count = 0
    # _TOKEN has no capturing group: findall gives the whole matches, as group() does
    for raw in _TOKEN.findall(value):
        if raw[0] == LANG_MARK:
            lang = raw[1:]
            continue
        found = analyse_word(raw, lang, stem, False)[0]
        if not found:
            continue
        for text in found:
            at = positions.get(text)
            if at is None:
                positions[text] = [pos]
            else:
                at.append(pos)
        count += len(found)
        pos += 1
    return positions, count


def analyse(
    text: str, *, query: bool = False, stem: bool = True, stopwords: bool = False
) -> list[list[str]]:
    """The variants at each position of ``text``: ``[["equat"], ["kasr"]]`` (stopwords
    only with ``stopwords=True``, as the index holds them)."""
    out: list[list[str]] = []
    lang = "fr"
    for raw, _start, _end in tokens(text):
        if raw[0] == LANG_MARK:
            lang = raw[1:]
            continue
        found, stop = analyse_word(raw, lang, stem, query)
        if found and (stopwords or not stop):
            out.append(list(found))
    return out


def spelling_keys(parts: list[tuple[str, str]]) -> list[str]:
    """The distinct spelling keys of ``[(lang, text)]`` (the words typos are corrected to)."""
    keys: dict[str, None] = {}
    for _lang, text in parts:
        for raw in _TOKEN.findall(text):  # tokens() without the offsets
            key = spelling_key(raw)
            if key:
                keys[key] = None
    return list(keys)


def extend_lexicon(path: Path) -> int:
    """Add a staff lexicon file (``MAWARID_SEARCH_LEXICON``, the format of
    ``data/lexicon.txt``) to the morphology lexicon; the number of groups read. A file
    that cannot be read is a :class:`~indexer.model.SearchError` naming it."""
    try:
        count = arabic.add_lexicon_file(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise SearchError("bad_lexicon", path=str(path), detail=type(exc).__name__) from None
    for cached in (analyse_word, variants, related_terms, spelling_key, normalise_token):
        cached.cache_clear()
    return count
