"""Small presentation helpers shared by the public pages and their JSON twins.

Templates get no logic beyond loops: labels, URLs and safe snippets are
computed here (the Datasette habit: buckets carry ``toggle_url``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from flask import Flask, current_app, request
from markupsafe import Markup, escape

from mawarid.runtime import Runtime

from .. import i18n
from ..context import current_runtime


def runtime() -> Runtime:
    return current_runtime()


# --- vocabulary labels ---------------------------------------------------------


def term_label(vocabulary: str, term_id: str, lang: str | None = None) -> str:
    """The label of a term in ``lang`` (default: interface language), else its id."""
    vocabs = runtime().vocabularies
    vocab = vocabs.get(vocabulary, None)
    term = vocab.get(term_id) if vocab is not None else None
    return term.label(lang or i18n.current_lang()) if term is not None else str(term_id)


def term_dict(vocabulary: str, term_id: str, lang: str | None = None) -> dict[str, Any]:
    """``{"id", "label", "labels"}`` for JSON and templates (labels in every language known)."""
    vocabs = runtime().vocabularies
    vocab = vocabs.get(vocabulary, None)
    term = vocab.get(term_id) if vocab is not None else None
    if term is None:
        return {"id": term_id, "label": str(term_id), "labels": {}}
    out = {
        "id": term.id,
        "label": term.label(lang or i18n.current_lang()),
        "labels": dict(term.labels),
    }
    if term.extra.get("url"):
        out["url"] = term.extra["url"]
    return out


def vocabulary_label(vocabulary: str, lang: str | None = None) -> str:
    vocabs = runtime().vocabularies
    return (
        vocabs[vocabulary].label(lang or i18n.current_lang())
        if vocabulary in vocabs
        else vocabulary
    )


# --- URLs ----------------------------------------------------------------------


def lang_switch_url(lang: str) -> str:
    """The current page in another interface language."""
    items = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    items.append(("lang", lang))
    return f"{request.path}?{urlencode(items)}"


# --- snippets ------------------------------------------------------------------

_MARK_TAG = re.compile(r"</?mark>")
_ENTITY = re.compile(r"&(?:[a-zA-Z][a-zA-Z0-9]{1,31}|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});")


def safe_snippet(snippet: str | None) -> Markup:
    """A search snippet with ``<mark>`` highlights and nothing else as markup.

    The indexer promises escaped text with ``<mark>`` tags; we verify instead of
    trusting: if anything but ``<mark>``/``</mark>`` and well-formed entities
    looks like markup, the whole text is escaped and the marks re-inserted.
    """
    if not snippet:
        return Markup("")
    rest = _MARK_TAG.sub("", snippet)
    if "<" not in rest and ">" not in rest and "&" not in _ENTITY.sub("", rest):
        return Markup(snippet)
    parts = re.split(r"(</?mark>)", snippet)
    return Markup("").join(Markup(p) if _MARK_TAG.fullmatch(p) else escape(p) for p in parts)


def lang_attrs(lang: str | None) -> Markup:
    """``lang``/``dir`` attributes for text in ``lang`` (only ``dir`` when it differs)."""
    if not lang:
        return Markup("")
    out = Markup(' lang="{}"').format(lang)
    if i18n.text_dir(lang) != i18n.text_dir(i18n.current_lang()):
        out += Markup(' dir="{}"').format(i18n.text_dir(lang))
    return out


def _pick_text(value: Mapping[str, str] | None, lang: str | None = None) -> str:
    return i18n.pick(value, lang)[0]


def _pick_lang(value: Mapping[str, str] | None, lang: str | None = None) -> str:
    return i18n.pick(value, lang)[1]


def _context() -> dict[str, Any]:
    lang = i18n.current_lang()
    return {
        "ui_lang": lang,
        "ui_dir": i18n.text_dir(lang),
        "list_sep": "، " if lang == "ar" else ", ",
        "path_sep": " ‹ " if i18n.text_dir(lang) == "rtl" else " › ",
        "ui_languages": [
            {
                "code": code,
                "name": i18n.AUTONYMS[code],
                "url": lang_switch_url(code),
                "current": code == lang,
            }
            for code in i18n.UI_LANGUAGES
        ],
    }


def endpoint_exists(name: str) -> bool:
    """For links to optional areas (staff, OAI) in the shared layout."""
    return name in current_app.view_functions


def register(app: Flask) -> None:
    app.context_processor(_context)
    app.jinja_env.globals.update(
        term_label=term_label, vocabulary_label=vocabulary_label, endpoint_exists=endpoint_exists
    )
    app.jinja_env.filters.update(
        pick=_pick_text, pick_lang=_pick_lang, lang_attrs=lang_attrs, snippet=safe_snippet
    )
