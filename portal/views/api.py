"""The public JSON API (read-only): search, resources, vocabularies, suggestions.

Arguments go through the marshmallow schemas of :mod:`portal.views._args` (every
argument of every route; a route takes none it does not declare); errors are RFC 9457
problem details (:mod:`portal.views._errors`). Every link is absolute, on the public
base URL of the settings. Answers carry an ``ETag`` and ``Cache-Control``, and a client
sending ``If-None-Match`` gets ``304 Not Modified`` when nothing changed
(:mod:`portal.views._cache`). ``lang`` chooses the language of titles and labels
(default: ``Accept-Language``, then French). The OpenAPI 3.1 description is generated
from the same schemas (:mod:`portal.views._openapi`).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, url_for

from core.messages import gettext
from metadata_schemas.record import dump_record

from .. import i18n
from ..caching import cache_for
from ._args import (
    LangArgs,
    NoArgs,
    ProblemPath,
    ResourcePath,
    SearchArgs,
    SuggestArgs,
    TermPath,
    VocabularyPath,
    load_args,
    load_path,
)
from ._data import SearchState, search_data
from ._errors import PROBLEMS, not_found, problem_type
from ._links import absolute, external
from ._openapi import document
from ._present import runtime
from ._render import record_usage
from ._resource import published_resource, resource_data

bp = Blueprint("api", __name__, url_prefix="/api")

#: Seconds a shared cache may keep an answer (search changes with every publication).
SEARCH_MAX_AGE = 60
RESOURCE_MAX_AGE = 300
VOCABULARY_MAX_AGE = 3600

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


def _absolute_or_none(path: str | None) -> str | None:
    return absolute(path) if path else None


def _absolute_buckets(buckets: list[dict[str, Any]]) -> None:
    for bucket in buckets:
        bucket["toggle_url"] = absolute(bucket["toggle_url"])
        _absolute_buckets(bucket.get("children") or [])


@bp.get("/search")
def search() -> Response:
    args = load_args(SearchArgs())
    lang = _lang(args)
    state = SearchState(args, base=url_for("api.search"), lang=args.get("lang"))
    data = search_data(state, lang)
    out = {key: data[key] for key in SEARCH_KEYS}
    for hit in out["hits"]:
        hit.pop("other_title", None)
        hit.pop("other_title_lang", None)
        hit.pop("snippet_lang", None)
        hit["url"] = absolute(hit["url"])
        hit["api_url"] = absolute(hit["api_url"])
    for buckets in out["facets"].values():
        _absolute_buckets(buckets)
    out["links"] = {
        "self": absolute(state.url(page=state.page)),
        "next": _absolute_or_none(data["pagination"]["next_url"]),
        "prev": _absolute_or_none(data["pagination"]["prev_url"]),
        "html": absolute(SearchState(args, base=url_for("public.search")).url(page=state.page)),
    }
    cache_for(SEARCH_MAX_AGE)
    return jsonify(out)


@bp.get("/resources/<rid>")
def resource(rid: str) -> Response:
    load_path(ResourcePath())
    args = load_args(LangArgs())
    view = published_resource(rid)
    record_usage("api", view.id)
    readable = resource_data(view, _lang(args))
    cache_for(RESOURCE_MAX_AGE)
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
                "self": external("api.resource", rid=view.id),
                "html": absolute(readable["url"]),
                "access": _absolute_or_none(readable["access_url"]),
            },
        }
    )


@bp.get("/vocabularies")
def vocabularies() -> Response:
    args = load_args(LangArgs())
    lang = _lang(args)
    vocabs = runtime().vocabularies
    cache_for(VOCABULARY_MAX_AGE)
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
                    "url": external("api.vocabulary", vid=v.id),
                }
                for v in (vocabs[k] for k in sorted(vocabs))
            ],
            "links": {"self": external("api.vocabularies")},
        }
    )


def _vocabulary(vid: str) -> Any:
    vocabs = runtime().vocabularies
    if vid not in vocabs:
        raise not_found(None, {"vocabulary": [vid[:100]]})
    return vocabs[vid]


@bp.get("/vocabularies/<vid>")
def vocabulary(vid: str) -> Response:
    load_path(VocabularyPath())
    args = load_args(LangArgs())
    lang = _lang(args)
    vocab = _vocabulary(vid)
    cache_for(VOCABULARY_MAX_AGE)
    return jsonify(
        {
            "id": vocab.id,
            "uri": vocab.uri,
            "label": vocab.label(lang),
            "labels": dict(vocab.labels),
            "hierarchical": vocab.hierarchical,
            "terms": [_term(t, lang, vocab.id) for t in vocab],
            "links": {"self": external("api.vocabulary", vid=vocab.id)},
        }
    )


@bp.get("/vocabularies/<vid>/<term_id>")
def term(vid: str, term_id: str) -> Response:
    load_path(TermPath())
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
    cache_for(VOCABULARY_MAX_AGE)
    return jsonify(out)


def _term(t: Any, lang: str, vid: str) -> dict[str, Any]:
    out: dict[str, Any] = t.to_dict()
    out["label"] = t.label(lang)
    out["url"] = external("api.term", vid=vid, term_id=t.id)
    return out


@bp.get("/suggest")
def suggest() -> Response:
    args = load_args(SuggestArgs())
    lang = _lang(args)
    words = runtime().search.suggest(args["q"], lang=lang, limit=args["limit"])
    cache_for(SEARCH_MAX_AGE)
    return jsonify({"q": args["q"], "lang": lang, "suggestions": list(words)})


@bp.get("/problems/<code>")
def problem(code: str) -> Response:
    """What a problem ``type`` of the error answers means (RFC 9457 §3.1.1: resolvable)."""
    load_path(ProblemPath())
    load_args(NoArgs())
    if code not in PROBLEMS:
        raise not_found(None, {"code": [code[:100]]})
    status, title, description = PROBLEMS[code]
    cache_for(VOCABULARY_MAX_AGE)
    return jsonify(
        {
            "type": problem_type(code),
            "code": code,
            "status": status,
            "title": gettext(title),
            "description": gettext(description),
        }
    )


@bp.get("/openapi.json")
def openapi() -> Response:
    load_args(NoArgs())
    cache_for(VOCABULARY_MAX_AGE)
    return jsonify(document())
