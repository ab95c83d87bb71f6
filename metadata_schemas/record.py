"""The Mawarid record: IEEE LOM (1484.12.1) in the ScoLOMFR style, as JSON.

This module is the contract every other package codes against. A record is a
plain ``dict`` (stored as JSON by the catalogue, indexed, rendered to XML):

.. code-block:: python

    {
      "general": {
        "identifier": [{"catalog": "ISBN", "entry": "978-..."}],
        "title": {"fr": "Les fractions", "ar": "الكسور"},        # LangString
        "language": ["fr", "ar"],                                # vocabulary "language"
        "description": {"fr": "..."},
        "keyword": [{"fr": "fraction"}, {"ar": "كسر"}],
        "coverage": [{"fr": "Maroc"}],
        "structure": "atomic",                                   # vocabulary "structure"
        "aggregation_level": "1",                                # vocabulary "aggregation_level"
      },
      "lifecycle": {"version": "1.0", "status": "final",         # vocabulary "lifecycle_status"
                    "contribute": [{"role": "author", "entity": ["Nom Prénom"], "date": "2024-05-01"}]},
      "meta_metadata": {"contribute": [{"role": "creator", "entity": ["LNRN"], "date": "..."}],
                        "metadata_schema": ["LOMv1.0", "ScoLOMFRv3.1"], "language": "fr"},
      "technical": {"format": ["video/mp4"], "size": 123456, "location": ["https://..."],
                    "duration": "PT12M", "installation_remarks": {...},
                    "other_platform_requirements": {...}},
      "educational": {"interactivity_type": "expositive", "learning_resource_type": ["exercise"],
                      "interactivity_level": "low", "semantic_density": "medium",
                      "intended_end_user_role": ["learner"], "context": ["school"],
                      "typical_age_range": ["11-12"], "difficulty": "medium",
                      "typical_learning_time": "PT30M", "description": {...}, "language": ["fr"]},
      "rights": {"cost": False, "copyright": True, "licence": "cc-by-sa-4.0", "description": {...}},
      "relation": [{"kind": "ispartof", "resource": {"identifier": [...], "description": {...}}}],
      "annotation": [{"entity": "...", "date": "...", "description": {...}}],
      "classification": [
        {"purpose": "educational_level",
         "taxon_path": [{"source": "level", "taxon": ["secondaire-collegial", "1ac"]}]},
        {"purpose": "discipline",
         "taxon_path": [{"source": "subject", "taxon": ["mathematiques"]}]},
      ],
    }

Vocabulary-valued fields hold the *id* of a term. On load, a value may also be
given as the term's URI or its French/Arabic label (``"Exercice"``,
``"تمرين"``): :class:`RecordSchema` resolves it to the id, so partner records
that label terms their own way still load. Unknown terms are errors naming the
field. A taxon path's ``source`` is the id of a hierarchical vocabulary and its
``taxon`` list runs from the root to the term, following ``broader`` links; a
path may be given with its leaf only and is completed on load.

Errors come back flattened, ``{"general.title": ["required"]}``, with
LangString languages in brackets: ``general.title[ar]``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    post_load,
    pre_load,
    validate,
)

from .errors import RecordValidationError, UnknownTermError
from .vocabularies import get_vocabularies

#: Languages a LangString may carry: Arabic, French, English, Amazigh (Tifinagh).
LANGSTRING_LANGUAGES = ("ar", "fr", "en", "zgh")

MAX_TITLE = 1_000
MAX_TEXT = 20_000
MAX_SHORT = 500
MAX_ITEMS = 200

_DURATION = re.compile(
    r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$"
)
_DATE = re.compile(
    r"^\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?)?)?$"
)
_MIME = re.compile(
    r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$|^non-digital$"
)
_AGE_RANGE = re.compile(r"^\d{1,2}(-\d{1,2}|\+)?$")


def _vocab_error(vocabulary: str, value: Any) -> str:
    try:
        get_vocabularies()[vocabulary].resolve(value)
    except UnknownTermError as exc:
        return str(exc)
    return ""


class Term(fields.String):
    """A vocabulary term: accepts id, URI or label, loads as the term id."""

    def __init__(self, vocabulary: str, **kwargs: Any) -> None:
        self.vocabulary = vocabulary
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return get_vocabularies()[self.vocabulary].resolve(text).id
        except UnknownTermError as exc:
            raise ValidationError(
                f"unknown term {text!r} in vocabulary {self.vocabulary!r}"
                + (f" (did you mean: {', '.join(exc.suggestions)}?)" if exc.suggestions else "")
            ) from None


class LangString(fields.Dict):
    """``{"fr": "...", "ar": "..."}``: at least one language, each text non-empty."""

    def __init__(self, max_length: int = MAX_TEXT, **kwargs: Any) -> None:
        self.max_length = max_length
        super().__init__(keys=fields.String(), values=fields.String(), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, dict):
            raise ValidationError('expected an object of language: text, e.g. {"fr": "..."}')
        errors: dict[str, list[str]] = {}
        out: dict[str, str] = {}
        for lang, text in value.items():
            if lang not in LANGSTRING_LANGUAGES:
                errors[str(lang)] = [
                    f"wrong language code {lang!r}: expected one of "
                    + ", ".join(LANGSTRING_LANGUAGES)
                ]
                continue
            if not isinstance(text, str):
                errors[lang] = ["not a string"]
                continue
            text = text.strip()
            if not text:
                errors[lang] = ["empty text"]
            elif len(text) > self.max_length:
                errors[lang] = [f"too long: {len(text)} characters, at most {self.max_length}"]
            elif "\x00" in text:
                errors[lang] = ["contains a NUL character"]
            else:
                out[lang] = text
        if errors:
            raise ValidationError(errors)
        if not out and not errors:
            raise ValidationError("needs a text in at least one language")
        return out


class _TermList(fields.List):
    """A list of terms without repeats: ``["Exercice", "تمرين"]`` is one term, ``exercise``."""

    def _deserialize(self, value, attr, data, **kwargs):
        return list(dict.fromkeys(super()._deserialize(value, attr, data, **kwargs)))


def _list(inner: fields.Field, **kwargs: Any) -> fields.List:
    # A caller's own validator (e.g. at least one item) replaces the default cap.
    kwargs.setdefault("validate", validate.Length(max=MAX_ITEMS))
    return (_TermList if isinstance(inner, Term) else fields.List)(inner, **kwargs)


class _Base(Schema):
    class Meta:
        unknown = RAISE
        ordered = True


class IdentifierSchema(_Base):
    catalog = fields.String(required=True, validate=validate.Length(1, MAX_SHORT))
    entry = fields.String(required=True, validate=validate.Length(1, MAX_SHORT))


class ContributeSchema(_Base):
    role = Term("contributor_role", required=True)
    entity = _list(
        fields.String(validate=validate.Length(1, MAX_SHORT)),
        required=True,
        validate=validate.Length(1, MAX_ITEMS),
    )
    date = fields.String(validate=validate.Regexp(_DATE, error="not an ISO 8601 date"))


class MetaContributeSchema(ContributeSchema):
    role = Term("metadata_role", required=True)


class GeneralSchema(_Base):
    identifier = _list(fields.Nested(IdentifierSchema))
    title = LangString(required=True, max_length=MAX_TITLE)
    language = _list(Term("language"))
    description = LangString()
    keyword = _list(LangString(max_length=MAX_SHORT))
    coverage = _list(LangString(max_length=MAX_SHORT))
    structure = Term("structure")
    aggregation_level = Term("aggregation_level")


class LifecycleSchema(_Base):
    version = fields.String(validate=validate.Length(1, 50))
    status = Term("lifecycle_status")
    contribute = _list(fields.Nested(ContributeSchema))


class MetaMetadataSchema(_Base):
    identifier = _list(fields.Nested(IdentifierSchema))
    contribute = _list(fields.Nested(MetaContributeSchema))
    metadata_schema = _list(fields.String(validate=validate.Length(1, 100)))
    language = Term("language")


class TechnicalSchema(_Base):
    format = _list(fields.String(validate=validate.Regexp(_MIME, error="not a MIME type")))
    size = fields.Integer(strict=True, validate=validate.Range(min=0))
    location = _list(fields.Url(schemes={"http", "https", "ftp"}, require_tld=False))
    duration = fields.String(validate=validate.Regexp(_DURATION, error="not an ISO 8601 duration"))
    installation_remarks = LangString()
    other_platform_requirements = LangString()


class EducationalSchema(_Base):
    interactivity_type = Term("interactivity_type")
    learning_resource_type = _list(Term("learning_resource_type"))
    interactivity_level = Term("interactivity_level")
    semantic_density = Term("semantic_density")
    intended_end_user_role = _list(Term("intended_end_user_role"))
    context = _list(Term("context"))
    typical_age_range = _list(
        fields.String(
            validate=validate.Regexp(_AGE_RANGE, error="not an age range such as 11-12 or 15+")
        )
    )
    difficulty = Term("difficulty")
    typical_learning_time = fields.String(
        validate=validate.Regexp(_DURATION, error="not an ISO 8601 duration")
    )
    description = LangString()
    language = _list(Term("language"))


class RightsSchema(_Base):
    cost = fields.Boolean()
    copyright = fields.Boolean()
    licence = Term("licence")
    description = LangString()


class RelatedResourceSchema(_Base):
    identifier = _list(fields.Nested(IdentifierSchema))
    description = LangString()


class RelationSchema(_Base):
    kind = Term("relation_kind", required=True)
    resource = fields.Nested(RelatedResourceSchema, required=True)


class AnnotationSchema(_Base):
    entity = fields.String(validate=validate.Length(1, MAX_SHORT))
    date = fields.String(validate=validate.Regexp(_DATE, error="not an ISO 8601 date"))
    description = LangString(required=True)


class TaxonPathSchema(_Base):
    source = fields.String(required=True)
    taxon = fields.List(fields.String(), required=True, validate=validate.Length(1, 10))

    @post_load
    def _complete(self, data: dict, **_: Any) -> dict:
        vocabs = get_vocabularies()
        source = data["source"]
        # Any vocabulary may classify (``subject`` is flat: its paths have one term).
        if source not in vocabs:
            raise ValidationError(f"unknown classification source {source!r}", "source")
        vocab = vocabs[source]
        try:
            terms = [vocab.resolve(t) for t in data["taxon"]]
        except UnknownTermError as exc:
            raise ValidationError(str(exc), "taxon") from None
        leaf = terms[-1]
        path = [t.id for t in vocab.path(leaf.id)]
        given = [t.id for t in terms]
        # A path may be given whole or by its leaf; anything else contradicts the hierarchy.
        if given != path and given != [leaf.id]:
            raise ValidationError(
                f"taxon path {' > '.join(given)} does not follow the hierarchy of {source!r} "
                f"(expected {' > '.join(path)})",
                "taxon",
            )
        return {"source": source, "taxon": path}


class ClassificationSchema(_Base):
    purpose = Term("classification_purpose", required=True)
    taxon_path = _list(
        fields.Nested(TaxonPathSchema), required=True, validate=validate.Length(1, MAX_ITEMS)
    )
    description = LangString()
    keyword = _list(LangString(max_length=MAX_SHORT))


class RecordSchema(_Base):
    """A whole record. ``id`` is owned by the catalogue and only dumped."""

    id = fields.String(dump_only=True)
    general = fields.Nested(GeneralSchema, required=True)
    lifecycle = fields.Nested(LifecycleSchema)
    meta_metadata = fields.Nested(MetaMetadataSchema)
    technical = fields.Nested(TechnicalSchema)
    educational = fields.Nested(EducationalSchema)
    rights = fields.Nested(RightsSchema)
    relation = _list(fields.Nested(RelationSchema))
    annotation = _list(fields.Nested(AnnotationSchema))
    classification = _list(fields.Nested(ClassificationSchema))

    @pre_load
    def _drop_server_fields(self, data: Any, **_: Any) -> Any:
        # Records round-trip through the API with their id; the catalogue owns it.
        if isinstance(data, dict) and "id" in data:
            data = {k: v for k, v in data.items() if k != "id"}
        return data


def flatten_errors(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested error dict → ``{"general.title[ar]": [...]}``."""
    out: dict[str, list[str]] = {}

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                key = str(key)
                if (
                    key in LANGSTRING_LANGUAGES
                    or (path and _looks_like_lang(key, value))
                    or key.isdigit()
                ):
                    walk(value, f"{path}[{key}]")
                elif key == "_schema":
                    walk(value, path)
                else:
                    walk(value, f"{path}.{key}" if path else key)
        elif isinstance(node, list) and all(isinstance(m, str) for m in node):
            msgs = [
                "required"
                if m == "Missing data for required field."
                else "unknown field"
                if m == "Unknown field."
                else m
                for m in node
            ]
            out.setdefault(path or "record", []).extend(msgs)
        elif isinstance(node, list):
            for item in node:
                walk(item, path)
        else:
            out.setdefault(path or "record", []).append(str(node))

    walk(messages, prefix)
    return out


def _looks_like_lang(key: str, value: Any) -> bool:
    return (
        isinstance(value, list)
        and value
        and isinstance(value[0], str)
        and value[0].startswith("wrong language code")
    )


_schema = RecordSchema()


def load_record(data: Any, *, record: str | None = None) -> dict:
    """Validate ``data`` and return the canonical record (vocabulary ids, full taxon paths).

    Raises :class:`RecordValidationError` listing every error with its field path.
    """
    if not isinstance(data, dict):
        raise RecordValidationError("a record must be a JSON object", record=record)
    errors = _control_characters(data)
    try:
        loaded = _schema.load(data)
    except ValidationError as exc:
        for path, messages in flatten_errors(exc.messages).items():
            known = errors.setdefault(path, [])
            known.extend(m for m in messages if m not in known)
    if errors:
        raise RecordValidationError("invalid record", record=record, errors=errors) from None
    return _prune(loaded)


# Characters XML 1.0 cannot carry: a record holding one would store fine and then
# break every LOM/DC export, so they are refused at the door, in every text.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_ESCAPED_ILLEGAL = re.compile(r"\\u00(?:0[0-8bcef]|1[0-9a-f])")
_MAX_DEPTH = 12  # deeper than any record; the schema rejects the rest anyway


def _control_characters(data: Any) -> dict[str, list[str]]:
    """``{path: [message]}`` for every string holding a character XML cannot carry."""
    found: dict[str, list[str]] = {}
    if not _any_illegal(data):  # the common case: no paths to build
        return found

    def walk(node: Any, path: str, depth: int) -> None:
        if depth > _MAX_DEPTH:
            return
        if isinstance(node, str):
            match = _XML_ILLEGAL.search(node)
            if match:
                char = match.group()
                found[path or "record"] = [
                    "contains a NUL character"
                    if char == "\x00"
                    else f"contains a control character (U+{ord(char):04X})"
                ]
        elif isinstance(node, dict):
            for key, value in node.items():
                key = str(key)
                sub = (
                    f"{path}[{key}]"
                    if key in LANGSTRING_LANGUAGES
                    else (f"{path}.{key}" if path else key)
                )
                walk(value, sub, depth + 1)
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{path}[{index}]", depth + 1)

    walk(data, "", 0)
    return found


def _any_illegal(data: Any) -> bool:
    """Quick screen: json.dumps escapes C0 controls as \\u00XX, so one regex pass over
    the dump finds candidates (a false hit only costs the precise walk)."""
    try:
        dumped = json.dumps(data, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):  # not plain JSON: walk it
        return True
    return _ESCAPED_ILLEGAL.search(dumped) is not None or _XML_ILLEGAL.search(dumped) is not None


def dump_record(record: dict, *, record_id: str | None = None) -> dict:
    """A record as JSON for the API, with its catalogue id."""
    out = dict(record)
    if record_id is not None:
        out = {"id": record_id, **out}
    return out


def _prune(value: Any) -> Any:
    """Drop empty containers so that equal records compare equal after a round trip."""
    if isinstance(value, dict):
        pruned = {k: _prune(v) for k, v in value.items()}
        return {k: v for k, v in pruned.items() if v not in (None, {}, [], "")}
    if isinstance(value, list):
        return [_prune(v) for v in value if v not in (None, {}, [], "")]
    return value


# Convenience readers used by the indexer, the portal and the OAI sets.


def taxon_leaves(record: dict, source: str) -> list[str]:
    """Leaf term ids of every taxon path from vocabulary ``source``, in record order."""
    seen: list[str] = []
    for cls in record.get("classification", []):
        for path in cls.get("taxon_path", []):
            if path.get("source") == source and path.get("taxon"):
                leaf = path["taxon"][-1]
                if leaf not in seen:
                    seen.append(leaf)
    return seen


def taxon_paths(record: dict, source: str) -> list[list[str]]:
    """Every full taxon path (root → leaf) from vocabulary ``source``."""
    return [
        list(p["taxon"])
        for cls in record.get("classification", [])
        for p in cls.get("taxon_path", [])
        if p.get("source") == source and p.get("taxon")
    ]


def levels_of(record: dict) -> list[str]:
    return taxon_leaves(record, "level")


def subjects_of(record: dict) -> list[str]:
    return taxon_leaves(record, "subject")


def title_of(record: dict, lang: str = "fr") -> str:
    """The title in ``lang``, else in any language (French, Arabic, English, Amazigh order)."""
    titles = record.get("general", {}).get("title", {})
    for code in (lang, "fr", "ar", "en", "zgh"):
        if titles.get(code):
            return titles[code]
    return ""


def iter_langstrings(values: Iterable[dict] | dict | None) -> Iterable[tuple[str, str]]:
    if not values:
        return
    if isinstance(values, dict):
        values = [values]
    for ls in values:
        yield from ls.items()
