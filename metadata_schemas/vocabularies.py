"""Controlled vocabularies, loaded from the JSON data files in ``metadata_schemas/vocab``.

One file per vocabulary (``<id>.json``)::

    {"id": "level", "uri": "https://mawarid.men.gov.ma/voc/level",
     "labels": {"fr": "...", "ar": "..."}, "hierarchical": true, "lom_source": null,
     "terms": [{"id": "1ac", "uri": "https://mawarid.men.gov.ma/voc/level/1ac",
                "notation": "1AC", "broader": "secondaire-collegial",
                "labels": {"fr": "...", "ar": "..."},
                "alt_labels": {"fr": ["..."], "ar": ["..."]},
                "extra": {"scolomfr": "http://data.education.fr/voc/scolomfr/concept/..."},
                "note": "why a label is a gloss, where a fact comes from"}]}

Every file is checked when it is loaded (see :func:`load_vocabularies`); a bad
file raises :class:`~metadata_schemas.errors.VocabularyFileError` naming the file
and the term, so a broken deployment stops at start-up instead of mis-filing
records later.

:meth:`Vocabulary.resolve` is the one entry point for values coming from
outside (forms, partner XML, CSV imports): it accepts a term id, URI, notation,
LOM value, ScoLOMFR URI or any label, matched through :func:`textnorm.fold`.
Every lookup is a dict access; the dicts are built once at load time, because
the importer resolves millions of values.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from .errors import UnknownTermError, VocabularyFileError
from .textnorm import fold

__all__ = [
    "LABEL_LANGUAGES",
    "REQUIRED_LABEL_LANGUAGES",
    "TERM_ID",
    "Term",
    "Vocabularies",
    "Vocabulary",
    "get_vocabularies",
    "load_vocabularies",
]

#: Term ids are also OAI setSpec parts and URL path segments: lower-case ASCII.
#: ``.`` and ``_`` are allowed for SPDX-like licence ids (``cc-by-sa-4.0``) and LOM
#: purposes (``educational_level``), as used in the record contract.
TERM_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
VOCAB_ID = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
#: Languages a label may be written in; ``und`` holds language-neutral codes
#: (``fra``, ``ar-MA``) in ``alt_labels`` only.
LABEL_LANGUAGES = ("fr", "ar", "en", "zgh")
ALT_LABEL_LANGUAGES = (*LABEL_LANGUAGES, "und")
REQUIRED_LABEL_LANGUAGES = ("fr", "ar")
_VOCAB_KEYS = {
    "id",
    "uri",
    "labels",
    "hierarchical",
    "lom_source",
    "terms",
    "note",
    "resolve_subtags",
}
_TERM_KEYS = {"id", "uri", "notation", "broader", "labels", "alt_labels", "extra", "note"}
# extra values that also identify the term in partner data (LOM XML, ScoLOMFR, SPDX).
_EXTRA_KEYS = ("lom", "scolomfr", "spdx", "url", "iso3166_2", "loc")
_MISSES_MAX = 10_000


@dataclass(frozen=True, slots=True)
class Term:
    id: str
    uri: str
    labels: dict[str, str]
    notation: str | None = None
    broader: str | None = None
    alt_labels: dict[str, list[str]] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    note: str | None = None
    vocabulary: str = ""

    def label(self, lang: str = "fr") -> str:
        """The label in ``lang``, else French, else Arabic, else the id."""
        return self.labels.get(lang) or self.labels.get("fr") or self.labels.get("ar") or self.id

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "uri": self.uri,
            "notation": self.notation,
            "broader": self.broader,
            "labels": dict(self.labels),
        }
        if self.alt_labels:
            out["alt_labels"] = {k: list(v) for k, v in self.alt_labels.items()}
        if self.extra:
            out["extra"] = dict(self.extra)
        return out


class Vocabulary:
    """An ordered set of terms with O(1) lookups by every spelling."""

    def __init__(
        self,
        *,
        id: str,
        uri: str,
        labels: dict[str, str],
        terms: dict[str, Term],
        hierarchical: bool = False,
        lom_source: str | None = None,
        keys: dict[str, str] | None = None,
        folded: dict[str, str] | None = None,
        source: str = "",
        resolve_subtags: bool = False,
    ) -> None:
        self.id = id
        self.uri = uri
        self.labels = labels
        self.terms = terms
        self.hierarchical = hierarchical
        self.lom_source = lom_source
        self.source = source
        self.resolve_subtags = resolve_subtags
        self._exact = keys if keys is not None else {}
        self._folded = folded if folded is not None else {}
        self._misses: dict[str, list[str]] = {}
        self._children: dict[str | None, list[str]] = {}
        for term in terms.values():
            self._children.setdefault(term.broader, []).append(term.id)
        self._paths: dict[str, list[Term]] = {}
        for term_id in terms:
            self._paths[term_id] = self._build_path(term_id)

    # -- lookups -----------------------------------------------------------------
    def __contains__(self, term_id: object) -> bool:
        return term_id in self.terms

    def __iter__(self) -> Iterator[Term]:
        return iter(self.terms.values())

    def __len__(self) -> int:
        return len(self.terms)

    def __repr__(self) -> str:
        return f"<Vocabulary {self.id} ({len(self.terms)} terms)>"

    def get(self, term_id: str) -> Term | None:
        return self.terms.get(term_id)

    def label(self, lang: str = "fr") -> str:
        return self.labels.get(lang) or self.labels.get("fr") or self.id

    def resolve(self, value: Any) -> Term:
        """The term named by ``value``: id, URI, notation, LOM value or any label.

        Matching ignores case, Latin accents, Arabic diacritics and letter variants
        (see :func:`textnorm.fold`). Raises :class:`UnknownTermError` with up to
        three suggestions (term ids) otherwise.
        """
        if isinstance(value, Term) and value.vocabulary == self.id:
            return value
        if not isinstance(value, str):
            raise UnknownTermError(self.id, repr(value) if value is not None else "None")
        term_id = self._exact.get(value)
        if term_id is None:
            term_id = self._folded.get(fold(value))
        if term_id is None and self.resolve_subtags and "-" in value:
            # BCP 47: "fr-CA", "ar-Arab-MA" name the language of their primary subtag.
            term_id = self._folded.get(fold(value.split("-", 1)[0]))
        if term_id is not None:
            return self.terms[term_id]
        raise UnknownTermError(self.id, value, self._suggest(value))

    def _suggest(self, value: str) -> list[str]:
        # Unknown values repeat in bulk imports; difflib is slow, remember the answer.
        cached = self._misses.get(value)
        if cached is not None:
            return list(cached)
        key = fold(value)
        found: list[str] = []
        if key:
            for match in difflib.get_close_matches(key, self._folded.keys(), n=12, cutoff=0.6):
                term_id = self._folded[match]
                if term_id not in found:
                    found.append(term_id)
                if len(found) == 3:
                    break
        if len(self._misses) >= _MISSES_MAX:
            self._misses.clear()
        self._misses[value] = found
        return list(found)

    # -- hierarchy ---------------------------------------------------------------
    def _build_path(self, term_id: str) -> list[Term]:
        path: list[Term] = []
        current: str | None = term_id
        while current is not None:
            term = self.terms[current]
            path.append(term)
            current = term.broader
        path.reverse()
        return path

    def _require(self, term_id: str) -> Term:
        term = self.terms.get(term_id)
        if term is None:
            raise UnknownTermError(self.id, term_id, self._suggest(term_id))
        return term

    def path(self, term_id: str) -> list[Term]:
        """Terms from the root to ``term_id`` (inclusive)."""
        self._require(term_id)
        return list(self._paths[term_id])

    def children(self, term_id: str | None) -> list[Term]:
        """Direct narrower terms, in file order (``None``: the roots)."""
        if term_id is not None:
            self._require(term_id)
        return [self.terms[c] for c in self._children.get(term_id, [])]

    def roots(self) -> list[Term]:
        return self.children(None)

    def descendants(self, term_id: str) -> list[Term]:
        """Every narrower term, depth first, not including ``term_id`` itself."""
        out: list[Term] = []
        stack = list(reversed(self._children.get(self._require(term_id).id, [])))
        while stack:
            current = stack.pop()
            out.append(self.terms[current])
            stack.extend(reversed(self._children.get(current, [])))
        return out

    def to_dict(self, *, terms: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "uri": self.uri,
            "labels": dict(self.labels),
            "hierarchical": self.hierarchical,
            "lom_source": self.lom_source,
        }
        if terms:
            out["terms"] = [t.to_dict() for t in self.terms.values()]
        return out


class Vocabularies(Mapping[str, Vocabulary]):
    """All vocabularies of an instance, by id."""

    def __init__(self, vocabularies: dict[str, Vocabulary], folder: str = "") -> None:
        self._vocabularies = vocabularies
        self.folder = folder

    def __getitem__(self, vocab_id: str) -> Vocabulary:
        try:
            return self._vocabularies[vocab_id]
        except KeyError:
            raise KeyError(
                f"no vocabulary {vocab_id!r} (known: {', '.join(sorted(self._vocabularies))})"
            ) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._vocabularies)

    def __len__(self) -> int:
        return len(self._vocabularies)

    def __repr__(self) -> str:
        return f"<Vocabularies {', '.join(self._vocabularies)}>"

    def resolve(self, vocab_id: str, value: Any) -> Term:
        return self[vocab_id].resolve(value)

    def to_dict(self, *, terms: bool = True) -> dict[str, Any]:
        return {vid: v.to_dict(terms=terms) for vid, v in self._vocabularies.items()}


# -- loading and validation ----------------------------------------------------------


@lru_cache(maxsize=1)
def get_vocabularies() -> Vocabularies:
    """The vocabularies shipped with the package (loaded and validated once)."""
    folder = resources.files("metadata_schemas") / "vocab"
    with resources.as_file(folder) as path:
        return load_vocabularies(path)


def load_vocabularies(folder: str | Path) -> Vocabularies:
    """Load and validate every ``*.json`` file in ``folder``.

    Raises :class:`VocabularyFileError` (``record`` = the file name) on the first
    bad file: JSON syntax, a missing or mistyped key, a bad term id, a duplicate id
    or URI, a ``broader`` that does not exist or makes a cycle, a term without French
    and Arabic labels, or a label that names two terms once folded.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise VocabularyFileError(f"vocabulary folder not found: {folder}")
    files = sorted(folder.glob("*.json"))
    if not files:
        raise VocabularyFileError(f"no vocabulary files (*.json) in {folder}")
    loaded: dict[str, Vocabulary] = {}
    for path in files:
        vocab = _load_file(path)
        if vocab.id in loaded:
            raise VocabularyFileError(
                f"vocabulary id {vocab.id!r} is also defined in {loaded[vocab.id].source}",
                record=path.name,
            )
        loaded[vocab.id] = vocab
    return Vocabularies(loaded, folder=str(folder))


def _load_file(path: Path) -> Vocabulary:
    name = path.name

    def fail(message: str) -> VocabularyFileError:
        return VocabularyFileError(message, record=name)

    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise fail(f"not UTF-8 text (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise fail(f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    if not isinstance(data, dict):
        raise fail("expected a JSON object with id, uri, labels and terms")
    for key in ("id", "uri", "labels", "terms"):
        if key not in data:
            raise fail(f"missing key {key!r}")
    unknown = set(data) - _VOCAB_KEYS
    if unknown:
        raise fail(f"unknown key(s) {', '.join(sorted(unknown))}")
    vocab_id = data["id"]
    if not isinstance(vocab_id, str) or not VOCAB_ID.match(vocab_id):
        raise fail(f"bad vocabulary id {vocab_id!r}")
    if vocab_id != path.stem:
        raise fail(f"vocabulary id {vocab_id!r} does not match the file name")
    if not isinstance(data["uri"], str) or not data["uri"].startswith(("http://", "https://")):
        raise fail("'uri' must be an http(s) URI")
    _check_labels(data["labels"], "vocabulary", fail)
    hierarchical = data.get("hierarchical", False)
    if not isinstance(hierarchical, bool):
        raise fail("'hierarchical' must be true or false")
    resolve_subtags = data.get("resolve_subtags", False)
    if not isinstance(resolve_subtags, bool):
        raise fail("'resolve_subtags' must be true or false")
    lom_source = data.get("lom_source")
    if lom_source is not None and not isinstance(lom_source, str):
        raise fail("'lom_source' must be a string or null")
    if not isinstance(data["terms"], list) or not data["terms"]:
        raise fail("'terms' must be a non-empty list")

    terms: dict[str, Term] = {}
    uris: dict[str, str] = {}
    for index, raw in enumerate(data["terms"]):
        term = _load_term(raw, index, vocab_id, data["uri"], fail)
        if term.id in terms:
            raise fail(f"term {term.id!r}: duplicate id")
        if term.uri in uris:
            raise fail(f"term {term.id!r}: URI {term.uri} already used by term {uris[term.uri]!r}")
        if term.broader is not None and not hierarchical:
            raise fail(f"term {term.id!r}: 'broader' in a vocabulary that is not hierarchical")
        uris[term.uri] = term.id
        terms[term.id] = term

    for term in terms.values():
        if term.broader is not None and term.broader not in terms:
            raise fail(f"term {term.id!r}: broader term {term.broader!r} does not exist")
    for term in terms.values():
        seen = [term.id]
        current = term.broader
        while current is not None:
            if current in seen:
                raise fail(
                    f"term {term.id!r}: broader links make a cycle ({' > '.join([*seen, current])})"
                )
            seen.append(current)
            current = terms[current].broader

    exact, folded = _index(terms, fail)
    return Vocabulary(
        id=vocab_id,
        uri=data["uri"],
        labels=dict(data["labels"]),
        terms=terms,
        hierarchical=hierarchical,
        lom_source=lom_source,
        keys=exact,
        folded=folded,
        source=name,
        resolve_subtags=resolve_subtags,
    )


def _check_labels(labels: Any, where: str, fail) -> None:
    if not isinstance(labels, dict):
        raise fail(f"{where}: 'labels' must be an object of language: text")
    for lang in REQUIRED_LABEL_LANGUAGES:
        if not isinstance(labels.get(lang), str) or not labels[lang].strip():
            raise fail(
                f"{where}: missing {'French' if lang == 'fr' else 'Arabic'} label (labels.{lang})"
            )
    for lang, text in labels.items():
        if lang not in LABEL_LANGUAGES:
            raise fail(
                f"{where}: label language {lang!r} is not one of {', '.join(LABEL_LANGUAGES)}"
            )
        if not isinstance(text, str) or not text.strip():
            raise fail(f"{where}: empty label (labels.{lang})")


def _load_term(raw: Any, index: int, vocab_id: str, vocab_uri: str, fail) -> Term:
    if not isinstance(raw, dict):
        raise fail(f"term #{index + 1}: expected an object")
    term_id = raw.get("id")
    if not isinstance(term_id, str) or not TERM_ID.match(term_id):
        raise fail(
            f"term #{index + 1} ({term_id!r}): bad id; ids are lower-case ASCII "
            "letters, digits, '-', '_' or '.', starting with a letter or digit"
        )
    where = f"term {term_id!r}"
    unknown = set(raw) - _TERM_KEYS
    if unknown:
        raise fail(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    uri = raw.get("uri", f"{vocab_uri.rstrip('/')}/{term_id}")
    if not isinstance(uri, str) or not uri.startswith(("http://", "https://")):
        raise fail(f"{where}: 'uri' must be an http(s) URI")
    _check_labels(raw.get("labels"), where, fail)
    alt = raw.get("alt_labels", {})
    if not isinstance(alt, dict):
        raise fail(f"{where}: 'alt_labels' must be an object of language: [texts]")
    for lang, texts in alt.items():
        if lang not in ALT_LABEL_LANGUAGES:
            raise fail(
                f"{where}: alt label language {lang!r} is not one of "
                f"{', '.join(ALT_LABEL_LANGUAGES)}"
            )
        if not isinstance(texts, list) or not all(isinstance(t, str) and t.strip() for t in texts):
            raise fail(f"{where}: alt_labels.{lang} must be a list of non-empty texts")
    notation = raw.get("notation")
    if notation is not None and (not isinstance(notation, str) or not notation.strip()):
        raise fail(f"{where}: 'notation' must be a non-empty string")
    broader = raw.get("broader")
    if broader is not None and not isinstance(broader, str):
        raise fail(f"{where}: 'broader' must be a term id")
    if broader == term_id:
        raise fail(f"{where}: broader links make a cycle ({term_id} > {term_id})")
    extra = raw.get("extra", {})
    if not isinstance(extra, dict):
        raise fail(f"{where}: 'extra' must be an object")
    note = raw.get("note")
    if note is not None and not isinstance(note, str):
        raise fail(f"{where}: 'note' must be a string")
    return Term(
        id=term_id,
        uri=uri,
        labels=dict(raw["labels"]),
        notation=notation,
        broader=broader,
        alt_labels={k: list(v) for k, v in alt.items()},
        extra=dict(extra),
        note=note,
        vocabulary=vocab_id,
    )


def _spellings(term: Term) -> Iterator[tuple[str, str]]:
    """(kind, text) of every way a partner may name ``term``."""
    yield "id", term.id
    if term.notation:
        yield "notation", term.notation
    for lang, text in term.labels.items():
        yield f"label {lang}", text
    for lang, texts in term.alt_labels.items():
        for text in texts:
            yield f"alt label {lang}", text
    for key in _EXTRA_KEYS:
        value = term.extra.get(key)
        if isinstance(value, str) and value:
            yield f"extra.{key}", value


def _index(terms: dict[str, Term], fail) -> tuple[dict[str, str], dict[str, str]]:
    """Exact and folded lookup tables; a spelling may name only one term."""
    exact: dict[str, str] = {}
    folded: dict[str, str] = {}
    origin: dict[str, tuple[str, str, str]] = {}
    for term in terms.values():
        exact[term.uri] = term.id
        for kind, text in _spellings(term):
            if text.startswith(("http://", "https://")):
                # URIs match exactly (modulo a trailing slash), never folded.
                for variant in {text, text.rstrip("/"), text.rstrip("/") + "/"}:
                    other = exact.get(variant)
                    if other is not None and other != term.id:
                        raise fail(f"term {term.id!r}: {kind} {text!r} also names term {other!r}")
                    exact[variant] = term.id
                continue
            exact.setdefault(text, term.id)
            key = fold(text)
            if not key:
                raise fail(f"term {term.id!r}: {kind} {text!r} has no letters or digits")
            other = folded.get(key)
            if other is not None and other != term.id:
                o_kind, o_text, _ = origin[key]
                raise fail(
                    f"term {term.id!r}: {kind} {text!r} collides with {o_kind} "
                    f"{o_text!r} of term {other!r} (both match {key!r})"
                )
            folded[key] = term.id
            origin.setdefault(key, (kind, text, term.id))
    return exact, folded
