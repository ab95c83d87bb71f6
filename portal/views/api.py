"""The public JSON API (read-only): search, resources, vocabularies, suggestions.

Arguments go through the marshmallow schemas of :mod:`portal.views._args`;
errors use the one JSON shape of :mod:`portal.views._errors`. ``lang`` chooses
the language of titles and labels (default: ``Accept-Language``, then French).
The OpenAPI 3.1 description is built from the same schemas
(:mod:`portal.views._openapi`).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, url_for

from metadata_schemas.record import dump_record

from .. import i18n
from ._args import LangArgs, SearchArgs, SuggestArgs, load_args
from ._data import SearchState, search_data
from ._errors import not_found
from ._present import runtime
from ._render import record_usage
from ._resource import published_resource, resource_data

bp = Blueprint("api", __name__, url_prefix="/api")

#: Keys of the search data that belong in the API answer (the rest is page furniture).
SEARCH_KEYS = (
    "total",
    "page",
    "size",
    "pages",
    "q",
    "sort",
    "lang",
    "filters",
    "hits",
    "facets",
    "facet_labels",
    "did_you_mean",
    "relaxed",
    "corrected",
    "understood",
    "empty_reason",
)


def _lang(args: dict[str, Any]) -> str:
    return args.get("lang") or i18n.current_lang()


@bp.get("/search")
def search():
    args = load_args(SearchArgs())
    lang = _lang(args)
    state = SearchState(args, base=url_for("api.search"), lang=args.get("lang"))
    data = search_data(state, lang)
    out = {key: data[key] for key in SEARCH_KEYS}
    for hit in out["hits"]:
        hit.pop("other_title", None)
        hit.pop("other_title_lang", None)
        hit.pop("snippet_lang", None)
    out["links"] = {
        "self": state.url(page=state.page),
        "next": data["pagination"]["next_url"],
        "prev": data["pagination"]["prev_url"],
        "html": SearchState(args, base=url_for("public.search")).url(page=state.page),
    }
    return jsonify(out)


@bp.get("/resources/<rid>")
def resource(rid: str):
    args = load_args(LangArgs())
    view = published_resource(rid)
    record_usage("api", view.id)
    readable = resource_data(view, _lang(args))
    return jsonify(
        {
            "id": view.id,
            "status": view.status,
            "version": view.version,
            "record": dump_record(view.record, record_id=view.id),
            "provenance": readable["provenance"],
            "published_at": readable["published_at"],
            "updated_at": view.updated_at.strftime("%Y-%m-%dT%H:%M:%SZ")
            if view.updated_at
            else None,
            "title": readable["title"],
            "links": {
                "html": readable["url"],
                "self": url_for("api.resource", rid=view.id),
                "access": readable["access_url"],
            },
        }
    )


@bp.get("/vocabularies")
def vocabularies():
    args = load_args(LangArgs())
    lang = _lang(args)
    vocabs = runtime().vocabularies
    return jsonify(
        {
            "vocabularies": [
                {
                    "id": v.id,
                    "uri": v.uri,
                    "label": v.label(lang),
                    "labels": dict(v.labels),
                    "hierarchical": v.hierarchical,
                    "terms": len(v),
                    "url": url_for("api.vocabulary", vid=v.id),
                }
                for v in (vocabs[k] for k in sorted(vocabs))
            ]
        }
    )


def _vocabulary(vid: str):
    vocabs = runtime().vocabularies
    if vid not in vocabs:
        raise not_found(None, {"vocabulary": [vid[:100]]})
    return vocabs[vid]


@bp.get("/vocabularies/<vid>")
def vocabulary(vid: str):
    args = load_args(LangArgs())
    lang = _lang(args)
    vocab = _vocabulary(vid)
    return jsonify(
        {
            "id": vocab.id,
            "uri": vocab.uri,
            "label": vocab.label(lang),
            "labels": dict(vocab.labels),
            "hierarchical": vocab.hierarchical,
            "terms": [_term(t, lang, vocab.id) for t in vocab],
        }
    )


@bp.get("/vocabularies/<vid>/<term_id>")
def term(vid: str, term_id: str):
    args = load_args(LangArgs())
    lang = _lang(args)
    vocab = _vocabulary(vid)
    found = vocab.get(term_id)
    if found is None:
        raise not_found(None, {"term": [term_id[:100]]})
    out = _term(found, lang, vocab.id)
    out["path"] = [t.id for t in vocab.path(found.id)]
    out["children"] = [c.id for c in vocab.children(found.id)]
    out["vocabulary"] = vocab.id
    return jsonify(out)


def _term(t, lang: str, vid: str) -> dict[str, Any]:
    out = t.to_dict()
    out["label"] = t.label(lang)
    out["url"] = url_for("api.term", vid=vid, term_id=t.id)
    return out


@bp.get("/suggest")
def suggest():
    args = load_args(SuggestArgs())
    lang = _lang(args)
    words = runtime().search.suggest(args["q"], lang=lang, limit=args["limit"])
    return jsonify({"q": args["q"], "lang": lang, "suggestions": list(words)})


@bp.get("/openapi.json")
def openapi():
    from ._openapi import document

    return jsonify(document())
