"""Text analysis for Arabic, French, English and Amazigh (Tifinagh), token by token.

Titles such as ``"Les fractions - الكسور"`` mix scripts, so one analyzer routes
*each token* by its script instead of choosing a language per field:

* **Arabic** tokens are normalised as :func:`metadata_schemas.textnorm.normalise_arabic`
  does (tashkeel and tatweel dropped, ``أ إ آ ٱ`` → ``ا``, ``ى`` → ``ي``, ``ة`` → ``ه``,
  hamza carriers) and then *light*-stemmed (Light10 affixes: ``و``, the article
  and its ``ب ك ف ل`` forms, suffixes ``ات ان ين ون ها يه ه ي``) with a minimum stem
  length, so ``الكسور`` → ``كسور`` and ``والرياضيات`` → ``رياض`` = ``رياضيات``. PyStemmer's
  Snowball Arabic stemmer was compared and rejected: it maps ``والرياضيات`` to
  ``والرياضيا`` but ``الرياضيات`` to ``رياض`` and ``فيزيائية`` to ``يزياء`` (see
  ``tests/indexer/test_analysis.py``); Whoosh's own Arabic analyzer is a root
  stemmer, which merges unrelated words of one root.
* **Latin** tokens are lower-cased and accent-folded, French elisions (``l'``,
  ``d'``, ``qu'``) are removed, then Snowball French stems them; text tagged
  English (see :func:`tagged`) is stemmed in English instead, and in query mode
  a Latin token yields both stems at the same position, since the query's
  language is unknown (``équations`` → ``equat``; ``lessons`` → ``lesson``).
  Tokens holding digits (``1AC``, ``2BAC``) are kept whole.
* **Tifinagh** (and any other script) passes through NFKC-normalised.

Stopwords, elisions and Arabic affixes live in ``data/analysis.json``.
With ``stem=False`` the same analyzer gives the unstemmed words used by the
"did you mean" corrector and autocomplete.
"""

from __future__ import annotations

import json
import re
import threading
import unicodedata
from collections.abc import Iterator
from functools import lru_cache
from importlib import resources

import Stemmer
from whoosh.analysis import Analyzer, Token

from metadata_schemas.textnorm import normalise_arabic, strip_accents

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
_AR = _DATA["arabic"]
_AR_ARTICLES = tuple(_AR["article_prefixes"])
_AR_SUFFIXES = tuple(_AR["suffixes"])

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


@lru_cache(maxsize=65_536)
def arabic_light_stem(word: str) -> str:
    """Light10 stem of an already normalised Arabic word (keeps stems of ≥ 3 letters)."""
    if word.startswith("و") and len(word) - 1 >= _AR["waw_min_remainder"]:
        word = word[1:]
    for prefix in _AR_ARTICLES:
        if word.startswith(prefix) and len(word) - len(prefix) >= _AR["article_min_remainder"]:
            word = word[len(prefix) :]
            break
    for suffix in _AR_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= _AR["suffix_min_stem"]:
            word = word[: -len(suffix)]
    return word


def normalise_token(token: str) -> tuple[str, str]:
    """``(script, folded form)`` of one raw token, before stopwords and stemming."""
    token = unicodedata.normalize("NFKC", token).casefold()
    script = script_of(token)
    if script == "ar":
        token = normalise_arabic(token)
    if script == "latin" or not token.isascii():
        token = strip_accents(token)
    if script == "latin":
        token = token.replace("’", "'")
        for elision in _ELISIONS:
            if token.startswith(elision) and len(token) > len(elision):
                token = token[len(elision) :]
                break
        token = token.replace("'", "")
    return script, token


def is_stopword(script: str, word: str) -> bool:
    if script == "ar":
        return word in _STOP["ar"]
    return script == "latin" and word in _LATIN_STOP


@lru_cache(maxsize=262_144)
def variants(
    token: str, lang: str = "fr", stem: bool = True, query: bool = False
) -> tuple[str, ...]:
    """Index terms for one raw token (empty for stopwords and junk).

    ``lang`` is the tagged language of the surrounding text; in query mode a Latin
    word gives its French and English stems.
    """
    script, word = normalise_token(token)
    if not word or len(word) > MAX_TOKEN or is_stopword(script, word):
        return ()
    if not stem or _DIGIT.search(word):
        return (word,)
    if script == "ar":
        return (arabic_light_stem(word),)
    if script == "latin":
        if query:
            fr, en = _stemmer("fr").stemWord(word), _stemmer("en").stemWord(word)
            return (fr,) if fr == en else (fr, en)
        return (_stemmer("en" if lang == "en" else "fr").stemWord(word),)
    return (word,)


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
    queries still line up.
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
            found = variants(raw, lang, stem, query)
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


def analyse(text: str, *, query: bool = False, stem: bool = True) -> list[list[str]]:
    """The variants at each position of ``text``: ``[["equat"], ["kasr"]]``."""
    out: list[list[str]] = []
    lang = "fr"
    for raw, _start, _end in tokens(text):
        if raw[0] == LANG_MARK:
            lang = raw[1:]
            continue
        found = variants(raw, lang, stem, query)
        if found:
            out.append(list(found))
    return out
