"""Query-string arguments of the public pages and the JSON API, as marshmallow schemas.

A request's arguments are loaded once (:func:`load_args`); anything wrong
becomes a 400 whose ``errors`` name the parameter, in the visitor's language.
Facet values may be given as term ids, notations or labels in any language
(``level=1AC``, ``subject=رياضيات``): they are resolved to ids through the
vocabularies, so links built by hand or by partners keep working.

The same schemas feed the OpenAPI document (:mod:`portal.views._openapi`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, validate

from indexer.facets import FACET_NAMES
from indexer.facets import FACETS as FACET_SPECS
from indexer.model import LITERAL_FACETS, MAX_RESULT_WINDOW
from metadata_schemas.errors import UnknownTermError
from metadata_schemas.identifiers import RESOURCE_ID

from ..context import current_runtime
from ._errors import bad_request, not_found

MAX_QUERY = 500
MAX_VALUE = 200
MAX_VALUES = 30
MAX_PAGE = 500  # deep paging is a crawler's game; the index stays fast
MAX_SIZE = 100
CONTENT_LANGUAGES = ("fr", "ar", "en", "zgh")
SORTS = ("relevance", "date", "title")

#: Facet parameter → vocabulary whose terms it takes (``None``: free values); the facets
#: are the indexer's (indexer/data/facets.json), in their declared order.
FACET_VOCABULARIES: dict[str, str | None] = {spec.name: spec.vocabulary for spec in FACET_SPECS}
FACETS = FACET_NAMES

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_YEAR = re.compile(r"^\d{4}$")

_ERRORS = {
    "invalid": _l("Invalid value."),
    "required": _l("Required parameter."),
    "null": _l("Empty value."),
}
_INT_ERRORS = {
    "invalid": _l("A whole number is expected."),
    "required": _l("Required parameter."),
    "too_large": _l("Number too large."),
}


class Text(fields.String):
    """A text parameter: NFC-normalised, trimmed, no control characters, bounded length."""

    def __init__(self, max_length: int = MAX_VALUE, **kwargs: Any) -> None:
        self.max_length = max_length
        super().__init__(error_messages=_ERRORS, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if _CONTROL.search(text):
            raise ValidationError(_("Control characters (such as NUL) are not allowed."))
        if len(text) > self.max_length:
            raise ValidationError(_("Too long: at most %(max)d characters.", max=self.max_length))
        return " ".join(unicodedata.normalize("NFC", text).split())


class OneOf(validate.Validator):
    """One of ``choices`` (the OpenAPI document lists them as its ``enum``)."""

    def __init__(self, choices: tuple[str, ...]) -> None:
        self.choices = choices

    def __call__(self, value: str) -> str:
        if value not in self.choices:
            raise ValidationError(
                _(
                    "Unknown value; possible values: %(choices)s.",
                    choices=", ".join(self.choices),
                )
            )
        return value


class Bounds(validate.Validator):
    """A whole number from ``min`` to ``max`` (the OpenAPI document states both)."""

    def __init__(self, low: int, high: int, message: Any) -> None:
        self.min, self.max, self.message = low, high, message

    def __call__(self, value: int) -> int:
        if value < self.min or value > self.max:
            raise ValidationError(str(self.message) % {"min": self.min, "max": self.max})
        return value


class MaxItems(validate.Validator):
    """At most ``max`` repeated values (the OpenAPI document's ``maxItems``)."""

    def __init__(self, high: int) -> None:
        self.max = high

    def __call__(self, values: list) -> list:
        if len(values) > self.max:
            raise ValidationError(_("Too many values: at most %(max)d.", max=self.max))
        return values


def _one_of(choices: tuple[str, ...]) -> OneOf:
    return OneOf(choices)


_page_limit = Bounds(1, MAX_PAGE, _l("Page between 1 and %(max)d."))
_size_limit = Bounds(0, MAX_SIZE, _l("Size between 0 and %(max)d."))


def _values(**kwargs: Any) -> fields.List:
    return fields.List(Text(), validate=MaxItems(MAX_VALUES), load_default=list, **kwargs)


def _int(**kwargs: Any) -> fields.Integer:
    return fields.Integer(strict=False, error_messages=_INT_ERRORS, **kwargs)


class _SearchBase(Schema):
    """``/search``, ``/search.json`` and ``/api/search``; facet fields are added below."""

    class Meta:
        unknown = EXCLUDE

    q = Text(
        max_length=MAX_QUERY,
        load_default="",
        metadata={
            "description": "Words to look for, in French or Arabic (stems and variants match)."
        },
    )
    sort = Text(
        load_default="relevance",
        validate=_one_of(SORTS),
        metadata={"description": "relevance, date (newest first) or title."},
    )
    page = _int(
        load_default=1,
        validate=_page_limit,
        metadata={
            "description": f"1-based page number, at most {MAX_PAGE} "
            f"(and page × size at most {MAX_RESULT_WINDOW})."
        },
    )
    size = _int(
        load_default=20,
        validate=_size_limit,
        metadata={"description": f"hits per page, 0 (facets only) to {MAX_SIZE}."},
    )
    lang = Text(
        load_default=None,
        validate=_one_of(CONTENT_LANGUAGES),
        metadata={
            "description": "language of titles and labels (default: the interface language)."
        },
    )
    literal = fields.List(
        Text(validate=_one_of(LITERAL_FACETS)),
        load_default=list,
        metadata={
            "description": "level, subject or type: read those words of q as plain words "
            "(a removed chip of `understood`)"
        },
    )
    autocorrect = fields.Boolean(
        load_default=True,
        metadata={
            "description": "false: search q as typed even if it finds nothing (the correction "
            "is then only suggested in did_you_mean)"
        },
    )

    @post_load
    def _resolve_terms(self, data: dict, **_kw: Any) -> dict:
        errors: dict[str, list[str]] = {}
        data["filters"] = {}
        for name, vocab_id in FACET_VOCABULARIES.items():
            values = data.pop(name, []) or []
            resolved: list[str] = []
            for value in values:
                if not value:
                    continue
                try:
                    resolved.append(_resolve(vocab_id, name, value))
                except ValidationError as exc:
                    errors.setdefault(name, []).extend(exc.messages)
            if resolved:
                data["filters"][name] = list(dict.fromkeys(resolved))
        if errors:
            raise ValidationError(errors)
        return data


SearchArgs = type(
    "SearchArgs",
    (_SearchBase,),
    {
        name: _values(
            metadata={
                "description": f"filter on {name}; repeat the parameter for OR within the facet"
                + (f" (terms of vocabulary '{vocab}': id, notation or label)" if vocab else "")
            }
        )
        for name, vocab in FACET_VOCABULARIES.items()
    },
)


def _resolve(vocab_id: str | None, name: str, value: str) -> str:
    if vocab_id is None:
        if name == "year" and not _YEAR.match(value):
            raise ValidationError(_("A four-digit year is expected: %(value)s.", value=value))
        return value
    vocab = current_runtime().vocabularies[vocab_id]
    try:
        term = vocab.resolve(value)
    except UnknownTermError as exc:
        hint = (
            " " + _("Did you mean: %(terms)s?", terms=", ".join(exc.suggestions))
            if exc.suggestions
            else ""
        )
        raise ValidationError(_("Unknown term: %(value)s.", value=value) + hint) from None
    if name == "cycle" and term.broader is not None:
        raise ValidationError(_("%(value)s is not a cycle.", value=value))
    return term.id


class SuggestArgs(Schema):
    """``/api/suggest``: completions for a search box."""

    class Meta:
        unknown = EXCLUDE

    q = Text(
        max_length=100, required=True, metadata={"description": "the beginning of a word or title"}
    )
    lang = Text(
        load_default=None,
        validate=_one_of(CONTENT_LANGUAGES),
        metadata={"description": "language of the completions (default: interface)"},
    )
    limit = _int(
        load_default=8,
        validate=validate.Range(1, 20, error=_l("Between 1 and 20.")),
        metadata={"description": "how many completions, 1 to 20"},
    )


class LangArgs(Schema):
    """Endpoints whose only option is the language of labels."""

    class Meta:
        unknown = EXCLUDE

    lang = Text(
        load_default=None,
        validate=_one_of(CONTENT_LANGUAGES),
        metadata={"description": "language of labels (default: the interface language)"},
    )


class DashboardArgs(Schema):
    """The diffusion dashboards (``/staff/diffusion/`` and its JSON twin): a period and a step."""

    class Meta:
        unknown = EXCLUDE

    start = fields.Date(
        load_default=None,
        error_messages={"invalid": _l("A date is expected (YYYY-MM-DD).")},
        metadata={"description": "first day counted (YYYY-MM-DD)"},
    )
    end = fields.Date(
        load_default=None,
        error_messages={"invalid": _l("A date is expected (YYYY-MM-DD).")},
        metadata={"description": "last day counted (YYYY-MM-DD)"},
    )
    granularity = Text(
        load_default="month",
        validate=_one_of(("month", "day")),
        metadata={"description": "month (default) or day"},
    )


class NoArgs(Schema):
    """Endpoints that take no argument (any given is ignored)."""

    class Meta:
        unknown = EXCLUDE


#: What a path segment naming a vocabulary, a term or a problem may be.
NAME = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$"


class ResourcePath(Schema):
    rid = fields.String(
        required=True,
        validate=validate.Regexp(RESOURCE_ID),  # the one resource-id rule
        metadata={"description": "identifier of a published resource"},
    )


class VocabularyPath(Schema):
    vid = fields.String(
        required=True,
        validate=validate.Regexp(NAME),
        metadata={"description": "vocabulary id (see /api/vocabularies)"},
    )


class TermPath(VocabularyPath):
    term_id = fields.String(
        required=True, validate=validate.Regexp(NAME), metadata={"description": "term id"}
    )


class ProblemPath(Schema):
    code = fields.String(
        required=True, validate=validate.Regexp(NAME), metadata={"description": "problem code"}
    )


def load_args(schema: Schema, *, ignore: tuple[str, ...] = ()) -> dict[str, Any]:
    """Load ``request.args`` through ``schema``; list fields take every repeated value."""
    raw: dict[str, Any] = {}
    for name, field in schema.fields.items():
        if name in ignore or name not in request.args:
            continue
        values = request.args.getlist(name)
        raw[name] = values if isinstance(field, fields.List) else values[-1]
    try:
        return schema.load(raw)
    except ValidationError as exc:
        raise bad_request(_flatten(exc.messages)) from None


def _flatten(messages: Any) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    if not isinstance(messages, Mapping):
        return {"query": [str(m) for m in (messages if isinstance(messages, list) else [messages])]}
    for name, value in messages.items():
        texts: list[str] = []
        _collect_texts(value, texts)
        out[str(name)] = list(dict.fromkeys(texts))
    return out


def _collect_texts(node: Any, texts: list[str]) -> None:
    if isinstance(node, Mapping):
        for child in node.values():
            _collect_texts(child, texts)
    elif isinstance(node, (list, tuple)):
        for child in node:
            _collect_texts(child, texts)
    else:
        texts.append(str(node))


def load_path(schema: Schema) -> dict[str, Any]:
    """Load the route's path segments through ``schema``: a malformed one names no page (404)."""
    try:
        loaded: dict[str, Any] = schema.load(dict(request.view_args or {}))
        return loaded
    except ValidationError as exc:
        raise not_found(None, _flatten(exc.messages)) from None
