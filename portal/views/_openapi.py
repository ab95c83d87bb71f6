"""The OpenAPI 3.1 description of the JSON API, generated from the argument schemas.

Parameters come from the marshmallow schemas the views really use, so the
document cannot drift from the code on arguments; response shapes are written
here once (``components.schemas``). A test checks that every ``/api`` route of
the app is described.
"""

from __future__ import annotations

from typing import Any

from flask import request
from marshmallow import Schema, fields, missing

from ..context import current_runtime
from ._args import FACETS, LangArgs, SearchArgs, SuggestArgs

_TYPES = {fields.Integer: {"type": "integer"}, fields.Boolean: {"type": "boolean"}}

LABELS = {
    "type": "object",
    "additionalProperties": {"type": "string"},
    "description": "text by language code (fr, ar, en, zgh)",
}
ERROR = {
    "type": "object",
    "required": ["ok", "status", "error", "errors"],
    "properties": {
        "ok": {"const": False},
        "status": {"type": "integer"},
        "error": {"type": "string", "description": "in the visitor's language"},
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
            "description": "messages by parameter or field name",
        },
    },
}
TERM = {
    "type": "object",
    "required": ["id", "label"],
    "properties": {
        "id": {"type": "string"},
        "label": {"type": "string"},
        "labels": LABELS,
        "url": {"type": "string"},
    },
}
BUCKET = {
    "type": "object",
    "required": ["value", "label", "count"],
    "properties": {
        "value": {"type": "string"},
        "label": {"type": "string"},
        "labels": LABELS,
        "count": {"type": "integer"},
        "selected": {"type": "boolean"},
        "toggle_url": {"type": "string"},
        "children": {"type": "array", "items": {"$ref": "#/components/schemas/Bucket"}},
    },
}
HIT = {
    "type": "object",
    "required": ["id", "title"],
    "properties": {
        "id": {"type": "string"},
        "title": {"type": "string"},
        "title_lang": {"type": "string"},
        "titles": LABELS,
        "description": {"type": "string"},
        "snippet": {"type": "string", "description": "escaped text with <mark> around matches"},
        "levels": {"type": "array", "items": {"$ref": "#/components/schemas/Term"}},
        "subjects": {"type": "array", "items": {"$ref": "#/components/schemas/Term"}},
        "types": {"type": "array", "items": {"$ref": "#/components/schemas/Term"}},
        "languages": {"type": "array", "items": {"$ref": "#/components/schemas/Term"}},
        "year": {"type": ["integer", "null"]},
        "score": {"type": "number"},
        "url": {"type": "string"},
        "api_url": {"type": "string"},
    },
}
SEARCH_RESULT = {
    "type": "object",
    "required": ["total", "page", "size", "hits", "facets"],
    "properties": {
        "total": {"type": "integer"},
        "page": {"type": "integer"},
        "size": {"type": "integer"},
        "pages": {"type": "integer"},
        "q": {"type": "string"},
        "sort": {"type": "string"},
        "lang": {"type": "string"},
        "filters": {"type": "object"},
        "hits": {"type": "array", "items": {"$ref": "#/components/schemas/Hit"}},
        "facets": {
            "type": "object",
            "description": "buckets by facet name: " + ", ".join(FACETS),
            "additionalProperties": {
                "type": "array",
                "items": {"$ref": "#/components/schemas/Bucket"},
            },
        },
        "facet_labels": {"type": "object", "additionalProperties": LABELS},
        "did_you_mean": {"type": ["string", "null"]},
        "links": {"type": "object"},
    },
}
RESOURCE = {
    "type": "object",
    "required": ["id", "record"],
    "properties": {
        "id": {"type": "string"},
        "status": {"const": "published"},
        "version": {"type": "integer"},
        "record": {
            "type": "object",
            "description": "the LOM/ScoLOMFR record as JSON (see metadata_schemas/record.py)",
        },
        "provenance": {
            "type": ["object", "null"],
            "description": "acquisition mode, reference, counterpart, validation, publication",
        },
        "published_at": {"type": ["string", "null"], "format": "date-time"},
        "updated_at": {"type": ["string", "null"], "format": "date-time"},
        "title": {"type": "string"},
        "links": {"type": "object"},
    },
}

#: path → (operation id, summary, argument schema, response schema name, path parameters).
OPERATIONS: dict[str, tuple[str, str, type[Schema], str, tuple[str, ...]]] = {
    "/api/search": (
        "search",
        "Search published resources, with facets",
        SearchArgs,
        "SearchResult",
        (),
    ),
    "/api/resources/{rid}": (
        "getResource",
        "One published resource: record and provenance",
        LangArgs,
        "Resource",
        ("rid",),
    ),
    "/api/vocabularies": (
        "listVocabularies",
        "The controlled vocabularies",
        LangArgs,
        "VocabularyList",
        (),
    ),
    "/api/vocabularies/{vid}": (
        "getVocabulary",
        "One vocabulary with its terms",
        LangArgs,
        "Vocabulary",
        ("vid",),
    ),
    "/api/vocabularies/{vid}/{term_id}": (
        "getTerm",
        "One term, its path and children",
        LangArgs,
        "TermDetail",
        ("vid", "term_id"),
    ),
    "/api/suggest": ("suggest", "Completions for a search box", SuggestArgs, "Suggestions", ()),
    "/api/openapi.json": ("openapi", "This document", None, "OpenAPI", ()),
}


def _parameter(name: str, field: fields.Field) -> dict[str, Any]:
    if isinstance(field, fields.List):
        schema: dict[str, Any] = {"type": "array", "items": {"type": "string"}}
        extra = {"style": "form", "explode": True}
    else:
        schema = dict(
            next((v for k, v in _TYPES.items() if isinstance(field, k)), {"type": "string"})
        )
        extra = {}
        default = field.load_default
        if default not in (None, missing, "") and not callable(default):
            schema["default"] = default
    return {
        "name": name,
        "in": "query",
        "required": bool(field.required),
        "schema": schema,
        "description": field.metadata.get("description", ""),
        **extra,
    }


def document() -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for path, (op_id, summary, args, response, path_params) in OPERATIONS.items():
        params = [
            {"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
            for p in path_params
        ]
        if args is not None:
            params += [_parameter(name, field) for name, field in args().fields.items()]
        paths[path] = {
            "get": {
                "operationId": op_id,
                "summary": summary,
                "parameters": params,
                "responses": {
                    "200": {
                        "description": "OK",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": f"#/components/schemas/{response}"}
                            }
                        },
                    },
                    "400": {"$ref": "#/components/responses/Error"},
                    "404": {"$ref": "#/components/responses/Error"},
                },
            }
        }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Mawarid API",
            "version": "1",
            "description": "Read-only JSON API of Mawarid, the catalogue of the LNRN's "
            "digital educational resources. Every error has the shape "
            "of components.schemas.Error.",
        },
        "servers": [
            {
                "url": request.host_url.rstrip("/")
                if request
                else current_runtime().settings.public_base_url()
            }
        ],
        "paths": paths,
        "components": {
            "schemas": {
                "Error": ERROR,
                "Term": TERM,
                "Bucket": BUCKET,
                "Hit": HIT,
                "SearchResult": SEARCH_RESULT,
                "Resource": RESOURCE,
                "VocabularyList": {
                    "type": "object",
                    "properties": {"vocabularies": {"type": "array", "items": {"type": "object"}}},
                },
                "Vocabulary": {
                    "type": "object",
                    "required": ["id", "terms"],
                    "properties": {
                        "id": {"type": "string"},
                        "labels": LABELS,
                        "terms": {"type": "array", "items": {"type": "object"}},
                    },
                },
                "TermDetail": {"type": "object", "required": ["id", "labels", "path"]},
                "Suggestions": {
                    "type": "object",
                    "required": ["suggestions"],
                    "properties": {
                        "q": {"type": "string"},
                        "suggestions": {"type": "array", "items": {"type": "string"}},
                    },
                },
                "OpenAPI": {"type": "object"},
            },
            "responses": {
                "Error": {
                    "description": "Error (JSON shape)",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                    },
                }
            },
        },
    }
