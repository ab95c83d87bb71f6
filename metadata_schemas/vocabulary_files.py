"""Vocabulary data files (``metadata_schemas/vocab/<id>.json``): reading and checking.

One file per vocabulary::

    {"id": "level", "uri": "https://mawarid.men.gov.ma/voc/level",
     "labels": {"fr": "...", "ar": "..."}, "hierarchical": true, "lom_source": null,
     "terms": [{"id": "1ac", "uri": "https://mawarid.men.gov.ma/voc/level/1ac",
                "notation": "1AC", "broader": "secondaire-collegial",
                "labels": {"fr": "...", "ar": "..."},
                "alt_labels": {"fr": ["..."], "ar": ["..."]},
                "extra": {"scolomfr": "http://data.education.fr/voc/scolomfr/concept/..."},
                "note": "why a label is a gloss, where a fact comes from"}]}

Every file is checked when it is loaded; a bad file raises
:class:`~metadata_schemas.errors.VocabularyFileError` naming the file and the
term, so a broken deployment stops at start-up instead of mis-filing records later.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from core.messages import N_

from .errors import VocabularyFileError
from .textnorm import fold
from .vocabulary_model import (
    LABEL_LANGUAGES,
    REQUIRED_LABEL_LANGUAGES,
    TERM_ID,
    Term,
    Vocabularies,
    Vocabulary,
)

VOCAB_ID = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
#: ``und`` holds language-neutral spellings (``fra``, ``ar-MA``) in ``alt_labels`` only.
ALT_LABEL_LANGUAGES = (*LABEL_LANGUAGES, "und")
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

Fail = Callable[..., VocabularyFileError]


def load_vocabularies(folder: str | Path) -> Vocabularies:
    """Load and validate every ``*.json`` file in ``folder``.

    Raises :class:`VocabularyFileError` (``record`` = the file name) on the first
    bad file: JSON syntax, a missing or mistyped key, a bad term id, a duplicate id
    or URI, a ``broader`` that does not exist or makes a cycle, a term without French
    and Arabic labels, or a label that names two terms once folded.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise VocabularyFileError(N_("vocabulary folder not found: %(folder)s"), folder=str(folder))
    files = sorted(folder.glob("*.json"))
    if not files:
        raise VocabularyFileError(
            N_("no vocabulary files (*.json) in %(folder)s"), folder=str(folder)
        )
    loaded: dict[str, Vocabulary] = {}
    for path in files:
        vocab = _load_file(path)
        if vocab.id in loaded:
            raise VocabularyFileError(
                N_("vocabulary id '%(id)s' is also defined in %(other)s"),
                record=path.name,
                id=vocab.id,
                other=loaded[vocab.id].source,
            )
        loaded[vocab.id] = vocab
    return Vocabularies(loaded, folder=str(folder))


def read_json_file(path: Path, fail: Fail) -> Any:
    """The JSON document of ``path`` (UTF-8), or ``fail`` naming the line and column."""
    try:
        return json.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise fail(N_("not UTF-8 text (byte %(byte)s)"), byte=exc.start) from None
    except json.JSONDecodeError as exc:
        raise fail(
            N_("invalid JSON at line %(line)s, column %(column)s: %(reason)s"),
            line=exc.lineno,
            column=exc.colno,
            reason=exc.msg,
        ) from None


def _load_file(path: Path) -> Vocabulary:
    name = path.name

    def fail(msgid: str, **params: Any) -> VocabularyFileError:
        return VocabularyFileError(msgid, record=name, **params)

    data = read_json_file(path, fail)
    if not isinstance(data, dict):
        raise fail(N_("expected a JSON object with id, uri, labels and terms"))
    for key in ("id", "uri", "labels", "terms"):
        if key not in data:
            raise fail(N_("missing key '%(key)s'"), key=key)
    unknown = set(data) - _VOCAB_KEYS
    if unknown:
        raise fail(N_("unknown key(s) %(keys)s"), keys=", ".join(sorted(unknown)))
    vocab_id = data["id"]
    if not isinstance(vocab_id, str) or not VOCAB_ID.match(vocab_id):
        raise fail(N_("bad vocabulary id '%(id)s'"), id=vocab_id)
    if vocab_id != path.stem:
        raise fail(N_("vocabulary id '%(id)s' does not match the file name"), id=vocab_id)
    if not isinstance(data["uri"], str) or not data["uri"].startswith(("http://", "https://")):
        raise fail(N_("'uri' must be an http(s) URI"))
    _check_labels(data["labels"], None, fail)
    hierarchical = data.get("hierarchical", False)
    if not isinstance(hierarchical, bool):
        raise fail(N_("'hierarchical' must be true or false"))
    resolve_subtags = data.get("resolve_subtags", False)
    if not isinstance(resolve_subtags, bool):
        raise fail(N_("'resolve_subtags' must be true or false"))
    lom_source = data.get("lom_source")
    if lom_source is not None and not isinstance(lom_source, str):
        raise fail(N_("'lom_source' must be a string or null"))
    if not isinstance(data["terms"], list) or not data["terms"]:
        raise fail(N_("'terms' must be a non-empty list"))

    terms: dict[str, Term] = {}
    uris: dict[str, str] = {}
    for index, raw in enumerate(data["terms"]):
        term = _load_term(raw, index, vocab_id, data["uri"], fail)
        if term.id in terms:
            raise fail(N_("term '%(term)s': duplicate id"), term=term.id)
        if term.uri in uris:
            raise fail(
                N_("term '%(term)s': URI %(uri)s already used by term '%(other)s'"),
                term=term.id,
                uri=term.uri,
                other=uris[term.uri],
            )
        if term.broader is not None and not hierarchical:
            raise fail(
                N_("term '%(term)s': 'broader' in a vocabulary that is not hierarchical"),
                term=term.id,
            )
        uris[term.uri] = term.id
        terms[term.id] = term
    _check_hierarchy(terms, fail)
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


def _check_hierarchy(terms: dict[str, Term], fail: Fail) -> None:
    for term in terms.values():
        if term.broader is not None and term.broader not in terms:
            raise fail(
                N_("term '%(term)s': broader term '%(broader)s' does not exist"),
                term=term.id,
                broader=term.broader,
            )
    for term in terms.values():
        seen = [term.id]
        current = term.broader
        while current is not None:
            if current in seen:
                raise fail(
                    N_("term '%(term)s': broader links make a cycle (%(cycle)s)"),
                    term=term.id,
                    cycle=" > ".join([*seen, current]),
                )
            seen.append(current)
            current = terms[current].broader


def _check_labels(labels: Any, term: str | None, fail: Fail) -> None:
    """``labels`` of the vocabulary (``term`` None) or of one term."""
    if not isinstance(labels, dict):
        if term is None:
            raise fail(N_("vocabulary: 'labels' must be an object of language: text"))
        raise fail(N_("term '%(term)s': 'labels' must be an object of language: text"), term=term)
    for lang in REQUIRED_LABEL_LANGUAGES:
        if not isinstance(labels.get(lang), str) or not labels[lang].strip():
            if term is None:
                raise fail(
                    N_("vocabulary: missing French label (labels.fr)")
                    if lang == "fr"
                    else N_("vocabulary: missing Arabic label (labels.ar)")
                )
            raise fail(
                N_("term '%(term)s': missing French label (labels.fr)")
                if lang == "fr"
                else N_("term '%(term)s': missing Arabic label (labels.ar)"),
                term=term,
            )
    for lang, text in labels.items():
        if lang not in LABEL_LANGUAGES:
            allowed = ", ".join(LABEL_LANGUAGES)
            if term is None:
                raise fail(
                    N_("vocabulary: label language '%(lang)s' is not one of %(allowed)s"),
                    lang=lang,
                    allowed=allowed,
                )
            raise fail(
                N_("term '%(term)s': label language '%(lang)s' is not one of %(allowed)s"),
                term=term,
                lang=lang,
                allowed=allowed,
            )
        if not isinstance(text, str) or not text.strip():
            if term is None:
                raise fail(N_("vocabulary: empty label (labels.%(lang)s)"), lang=lang)
            raise fail(N_("term '%(term)s': empty label (labels.%(lang)s)"), term=term, lang=lang)


def _load_term(raw: Any, index: int, vocab_id: str, vocab_uri: str, fail: Fail) -> Term:
    if not isinstance(raw, dict):
        raise fail(N_("term #%(number)s: expected an object"), number=index + 1)
    term_id = raw.get("id")
    if not isinstance(term_id, str) or not TERM_ID.match(term_id):
        raise fail(
            N_(
                "term #%(number)s ('%(term)s'): bad id; ids are lower-case ASCII letters, "
                "digits, '-', '_' or '.', starting with a letter or digit"
            ),
            number=index + 1,
            term=term_id,
        )
    unknown = set(raw) - _TERM_KEYS
    if unknown:
        raise fail(
            N_("term '%(term)s': unknown key(s) %(keys)s"),
            term=term_id,
            keys=", ".join(sorted(unknown)),
        )
    uri = raw.get("uri", f"{vocab_uri.rstrip('/')}/{term_id}")
    if not isinstance(uri, str) or not uri.startswith(("http://", "https://")):
        raise fail(N_("term '%(term)s': 'uri' must be an http(s) URI"), term=term_id)
    _check_labels(raw.get("labels"), term_id, fail)
    alt = raw.get("alt_labels", {})
    if not isinstance(alt, dict):
        raise fail(
            N_("term '%(term)s': 'alt_labels' must be an object of language: [texts]"),
            term=term_id,
        )
    for lang, texts in alt.items():
        if lang not in ALT_LABEL_LANGUAGES:
            raise fail(
                N_("term '%(term)s': alt label language '%(lang)s' is not one of %(allowed)s"),
                term=term_id,
                lang=lang,
                allowed=", ".join(ALT_LABEL_LANGUAGES),
            )
        if not isinstance(texts, list) or not all(isinstance(t, str) and t.strip() for t in texts):
            raise fail(
                N_("term '%(term)s': alt_labels.%(lang)s must be a list of non-empty texts"),
                term=term_id,
                lang=lang,
            )
    notation = raw.get("notation")
    if notation is not None and (not isinstance(notation, str) or not notation.strip()):
        raise fail(N_("term '%(term)s': 'notation' must be a non-empty string"), term=term_id)
    broader = raw.get("broader")
    if broader is not None and not isinstance(broader, str):
        raise fail(N_("term '%(term)s': 'broader' must be a term id"), term=term_id)
    if broader == term_id:
        raise fail(
            N_("term '%(term)s': broader links make a cycle (%(cycle)s)"),
            term=term_id,
            cycle=f"{term_id} > {term_id}",
        )
    extra = raw.get("extra", {})
    if not isinstance(extra, dict):
        raise fail(N_("term '%(term)s': 'extra' must be an object"), term=term_id)
    note = raw.get("note")
    if note is not None and not isinstance(note, str):
        raise fail(N_("term '%(term)s': 'note' must be a string"), term=term_id)
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


def _index(terms: dict[str, Term], fail: Fail) -> tuple[dict[str, str], dict[str, str]]:
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
                        raise fail(
                            N_("term '%(term)s': %(kind)s '%(text)s' also names term '%(other)s'"),
                            term=term.id,
                            kind=kind,
                            text=text,
                            other=other,
                        )
                    exact[variant] = term.id
                continue
            exact.setdefault(text, term.id)
            key = fold(text)
            if not key:
                raise fail(
                    N_("term '%(term)s': %(kind)s '%(text)s' has no letters or digits"),
                    term=term.id,
                    kind=kind,
                    text=text,
                )
            other = folded.get(key)
            if other is not None and other != term.id:
                o_kind, o_text, _ = origin[key]
                raise fail(
                    N_(
                        "term '%(term)s': %(kind)s '%(text)s' collides with %(other_kind)s "
                        "'%(other_text)s' of term '%(other)s' (both match '%(key)s')"
                    ),
                    term=term.id,
                    kind=kind,
                    text=text,
                    other_kind=o_kind,
                    other_text=o_text,
                    other=other,
                    key=key,
                )
            folded[key] = term.id
            origin.setdefault(key, (kind, text, term.id))
    return exact, folded
