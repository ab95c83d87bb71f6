"""What the JSON API answers, as marshmallow schemas: the OpenAPI document is generated from
them (:mod:`portal.views._openapi`) and the API tests load real answers through them, so
the document cannot drift from what the API sends.
"""

from __future__ import annotations

from marshmallow import INCLUDE, Schema, fields

from ._args import FACETS

_TEXTS = {"description": "text by language code (fr, ar, en, zgh)"}


class _Strict(Schema):
    """An answer object: a member the schema does not describe is an error (tests)."""


class Term(_Strict):
    id = fields.String(required=True)
    label = fields.String(required=True)
    labels = fields.Dict(keys=fields.String(), values=fields.String(), metadata=_TEXTS)
    url = fields.Url(metadata={"description": "the term's page, when it has one"})


class Bucket(_Strict):
    value = fields.String(required=True)
    label = fields.String(required=True)
    labels = fields.Dict(keys=fields.String(), values=fields.String(), metadata=_TEXTS)
    count = fields.Integer(
        required=True,
        metadata={"description": "resources the search gives once this value is selected"},
    )
    selected = fields.Boolean()
    toggle_url = fields.Url(
        metadata={"description": "this search with the value selected, or unselected"}
    )
    children = fields.List(fields.Nested(lambda: Bucket()))


class Hit(_Strict):
    id = fields.String(required=True)
    title = fields.String(required=True)
    title_lang = fields.String()
    titles = fields.Dict(keys=fields.String(), values=fields.String(), metadata=_TEXTS)
    description = fields.String()
    description_lang = fields.String()
    snippet = fields.String(metadata={"description": "escaped text with <mark> around matches"})
    levels = fields.List(fields.Nested(Term))
    subjects = fields.List(fields.Nested(Term))
    types = fields.List(fields.Nested(Term))
    languages = fields.List(fields.Nested(Term))
    year = fields.Integer(allow_none=True)
    score = fields.Float()
    url = fields.Url(required=True, metadata={"description": "the resource's page"})
    api_url = fields.Url(required=True, metadata={"description": "the resource in this API"})


class SearchLinks(_Strict):
    self = fields.Url(required=True)
    next = fields.Url(allow_none=True, required=True)
    prev = fields.Url(allow_none=True, required=True)
    html = fields.Url(required=True, metadata={"description": "the same search as a page"})


class SearchResult(_Strict):
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    size = fields.Integer(required=True)
    pages = fields.Integer()
    q = fields.String()
    sort = fields.String()
    lang = fields.String()
    filters = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))
    hits = fields.List(fields.Nested(Hit), required=True)
    facets = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.Nested(Bucket)),
        required=True,
        metadata={"description": "buckets by facet name: " + ", ".join(FACETS)},
    )
    facet_labels = fields.Dict(
        keys=fields.String(), values=fields.Dict(keys=fields.String(), values=fields.String())
    )
    did_you_mean = fields.String(
        allow_none=True,
        metadata={"description": "a correction offered, not searched (autocorrect=0)"},
    )
    relaxed = fields.Boolean(
        metadata={"description": "true when no resource had every word: any word matched"}
    )
    corrected = fields.String(
        allow_none=True,
        metadata={"description": "the corrected query whose hits these are (q found nothing)"},
    )
    understood = fields.List(
        fields.Dict(),
        metadata={
            "description": "levels, subjects and types read from q: facet, values, labels, "
            "words, applied (filter or boost)"
        },
    )
    empty_reason = fields.String(
        allow_none=True,
        metadata={"description": "stopwords or marks: q had no word to search"},
    )
    links = fields.Nested(SearchLinks, required=True)


class ResourceLinks(_Strict):
    self = fields.Url(required=True)
    html = fields.Url(required=True)
    access = fields.Url(allow_none=True, metadata={"description": "counted access to the resource"})


class Resource(_Strict):
    id = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": "always published"})
    version = fields.Integer()
    record = fields.Dict(
        required=True,
        metadata={"description": "the LOM/ScoLOMFR record as JSON (metadata_schemas/record.py)"},
    )
    provenance = fields.Dict(
        allow_none=True,
        metadata={
            "description": "acquisition mode, reference, counterpart, validation, publication"
        },
    )
    published_at = fields.DateTime(allow_none=True)
    updated_at = fields.DateTime(allow_none=True)
    title = fields.String()
    links = fields.Nested(ResourceLinks, required=True)


class SelfLink(_Strict):
    self = fields.Url(required=True)


class VocabularySummary(_Strict):
    id = fields.String(required=True)
    uri = fields.String(allow_none=True)
    label = fields.String()
    labels = fields.Dict(keys=fields.String(), values=fields.String(), metadata=_TEXTS)
    hierarchical = fields.Boolean()
    terms = fields.Integer(metadata={"description": "how many terms"})
    url = fields.Url(required=True)


class VocabularyList(_Strict):
    vocabularies = fields.List(fields.Nested(VocabularySummary), required=True)
    links = fields.Nested(SelfLink)


class TermDetail(Schema):
    """A term as its vocabulary keeps it (notation, broader, extra…), with its place."""

    class Meta:
        unknown = INCLUDE

    id = fields.String(required=True)
    label = fields.String()
    labels = fields.Dict(keys=fields.String(), values=fields.String(), metadata=_TEXTS)
    url = fields.Url()
    path = fields.List(fields.String(), metadata={"description": "ids from the root down"})
    children = fields.List(fields.String())
    vocabulary = fields.String()


class Vocabulary(_Strict):
    id = fields.String(required=True)
    uri = fields.String(allow_none=True)
    label = fields.String()
    labels = fields.Dict(keys=fields.String(), values=fields.String(), metadata=_TEXTS)
    hierarchical = fields.Boolean()
    terms = fields.List(fields.Nested(TermDetail), required=True)
    links = fields.Nested(SelfLink)


class Suggestions(_Strict):
    q = fields.String()
    lang = fields.String()
    suggestions = fields.List(fields.String(), required=True)


class ProblemType(_Strict):
    type = fields.Url(required=True)
    code = fields.String(required=True)
    status = fields.Integer(required=True)
    title = fields.String(required=True)
    description = fields.String(required=True)


class Problem(_Strict):
    """RFC 9457 problem details (``application/problem+json``)."""

    type = fields.Url(
        required=True, metadata={"description": "absolute URL describing the problem type"}
    )
    title = fields.String(required=True, metadata={"description": "in the reader's language"})
    status = fields.Integer(required=True)
    detail = fields.String(required=True, metadata={"description": "this occurrence, explained"})
    instance = fields.Url(required=True, metadata={"description": "the request that failed"})
    code = fields.String(required=True, metadata={"description": "stable code of the type"})
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        required=True,
        metadata={"description": "messages by parameter or field name"},
    )
