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
                    "contribute": [{"role": "author", "entity": ["Nom Prénom"], "date": "2024-05-01",
                                    "vcards": {"Nom Prénom": "BEGIN:VCARD\\n...EMAIL:...\\nEND:VCARD"},
                                    "date_description": {"fr": "..."}}]},
      "meta_metadata": {"contribute": [{"role": "creator", "entity": ["LNRN"], "date": "..."}],
                        "metadata_schema": ["LOMv1.0", "ScoLOMFRv3.1"], "language": "fr"},
      "technical": {"format": ["video/mp4"], "size": 123456, "location": ["https://..."],
                    "requirement": [{"or_composite": [{"type": "browser", "name": "any",
                                                        "minimum_version": "50"}]}],
                    "duration": "PT12M", "duration_description": {...},
                    "installation_remarks": {...}, "other_platform_requirements": {...}},
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
``"تمرين"``): :class:`RecordSchema` resolves it to the id. A taxon path's
``source`` is the id of a hierarchical vocabulary and its ``taxon`` list runs from
the root to the term, following ``broader`` links; a path may be given with its
leaf only and is completed on load.

**Kept as written.** Every group (a category, a contribute, a classification, …)
may also carry what a partner's record held that Mawarid's vocabularies or model
do not (see :mod:`metadata_schemas.originals`):

- ``original``: values as the partner wrote them, each ``{"key": <field of this
  group>, "source", "value", "label", "text", "source_text", "taxa", "term", "how"}``;
  ``term`` is the Mawarid value the original maps to (also in the field itself),
  ``how`` says how: ``spelling`` (the same term spelled another way), ``crosswalk``
  or ``label`` (a proposal from a crosswalk table or a label match, to review),
  ``parsed`` (read from text, e.g. an age range), ``none`` (no Mawarid equivalent:
  the value is kept as it is);
- ``verbatim``: elements kept whole as canonical XML (extensions of LOM-FR,
  ScoLOMFR and other profiles, elements the model has no place for), written back
  on LOM export.

Errors come back flattened, ``{"general.title": ["required"]}``, with
LangString languages in brackets: ``general.title[ar]``; every message is a
:class:`core.messages.Message`, rendered in the reader's language.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from marshmallow import ValidationError, fields, post_load, pre_load, validates_schema

from core.messages import N_, Message

from .errors import RecordValidationError, UnknownTermError
from .fast_load import compile_schema, prune
from .originals import HOW, check_verbatim
from .record_fields import (
    LANGSTRING_LANGUAGES,
    MAX_ITEMS,
    MAX_SHORT,
    MAX_TEXT,
    MAX_TITLE,
    REQUIRED,
    BaseSchema,
    Boolean,
    Integer,
    LangString,
    Nested,
    Raw,
    Term,
    Text,
    at_least,
    length,
    many,
    one_of,
    pattern,
    url,
)
from .vocabularies import get_vocabularies

__all__ = [
    "LANGSTRING_LANGUAGES",
    "MAX_ITEMS",
    "MAX_SHORT",
    "MAX_TEXT",
    "MAX_TITLE",
    "dump_record",
    "flatten_errors",
    "iter_langstrings",
    "levels_of",
    "load_record",
    "subjects_of",
    "taxon_leaves",
    "taxon_paths",
    "title_of",
]

#: A kept XML element (canonical XML of one element) may be this long.
MAX_VERBATIM = 200_000

DURATION = re.compile(
    r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$"
)
DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?)?)?$")
MIME = re.compile(
    r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$|^non-digital$"
)
AGE_RANGE = re.compile(r"^\d{1,2}(-\d{1,2}|\+)?$")

_NOT_A_DATE = N_("not an ISO 8601 date")
_NOT_A_DURATION = N_("not an ISO 8601 duration")


def _date() -> Text:
    return Text(validate=pattern(DATE, _NOT_A_DATE))


def _duration() -> Text:
    return Text(validate=pattern(DURATION, _NOT_A_DURATION))


# -- kept as written --------------------------------------------------------------------


class ForeignTaxonSchema(BaseSchema):
    id = Text(validate=length(1, MAX_SHORT))
    entry = LangString(max_length=MAX_SHORT, free=True)


class OriginalSchema(BaseSchema):
    key = Text(required=True, validate=length(1, 64))
    source = Text(validate=length(max=MAX_SHORT))
    value = Text(validate=length(1, MAX_VERBATIM))  # a whole vCard (a photo in it) may be long
    label = LangString(max_length=MAX_SHORT, free=True)
    text = LangString(free=True)
    source_text = LangString(max_length=MAX_SHORT, free=True)
    taxa = many(Nested(ForeignTaxonSchema))
    term = Raw(allow_none=True)
    how = Text(required=True, validate=one_of(HOW))
    crosswalk = Text(validate=length(1, 100))


class Group(BaseSchema):
    """A LOM group: its own fields, plus what was kept as the partner wrote it."""

    #: Fields a record may leave out when an original stands for them (a foreign role).
    REQUIRED_UNLESS_ORIGINAL: tuple[str, ...] = ()

    original = many(Nested(OriginalSchema))
    verbatim = many(Text(validate=length(1, MAX_VERBATIM)))

    @validates_schema
    def _check_kept(self, data: dict[str, Any], **_: Any) -> None:
        originals = data.get("original") or []
        if not originals and not data.get("verbatim") and not self.REQUIRED_UNLESS_ORIGINAL:
            return  # the common case: nothing kept, nothing required
        own = set(self.fields) - {"original", "verbatim"}
        errors: dict[str, Any] = {}
        for index, item in enumerate(originals):
            if item.get("key") not in own:
                errors.setdefault("original", {})[index] = {
                    "key": [
                        Message(N_("not a field of this group: '%(key)s'"), key=item.get("key"))
                    ]
                }
        for index, xml in enumerate(data.get("verbatim") or []):
            problem = check_verbatim(xml)
            if problem is not None:
                errors.setdefault("verbatim", {})[index] = [problem]
        covered = {item.get("key") for item in originals}
        for name in self.REQUIRED_UNLESS_ORIGINAL:
            if data.get(name) in (None, "", [], {}) and name not in covered:
                errors[name] = [REQUIRED]
        if errors:
            raise ValidationError(errors)


class IdentifierSchema(Group):
    catalog = Text(required=True, validate=length(1, MAX_SHORT))
    entry = Text(required=True, validate=length(1, MAX_SHORT))


class ContributeSchema(Group):
    REQUIRED_UNLESS_ORIGINAL = ("role", "entity")

    role = Term("contributor_role")
    entity = many(Text(validate=length(1, MAX_SHORT)))
    vcards = fields.Dict(keys=Text(), values=Text(validate=length(1, MAX_VERBATIM)))
    date = _date()
    date_description = LangString()

    @post_load
    def _vcards_of_named_entities(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        # A vCard belongs to a name; a name edited or removed takes its vCard with it.
        if data.get("vcards"):
            names = set(data.get("entity") or [])
            data["vcards"] = {k: v for k, v in data["vcards"].items() if k in names}
        return data


class MetaContributeSchema(ContributeSchema):
    role = Term("metadata_role")


class GeneralSchema(Group):
    identifier = many(Nested(IdentifierSchema))
    title = LangString(required=True, max_length=MAX_TITLE)
    language = many(Term("language"))
    description = LangString()
    keyword = many(LangString(max_length=MAX_SHORT))
    coverage = many(LangString(max_length=MAX_SHORT))
    structure = Term("structure")
    aggregation_level = Term("aggregation_level")


class LifecycleSchema(Group):
    version = Text(validate=length(1, 50))
    status = Term("lifecycle_status")
    contribute = many(Nested(ContributeSchema))


class MetaMetadataSchema(Group):
    identifier = many(Nested(IdentifierSchema))
    contribute = many(Nested(MetaContributeSchema))
    metadata_schema = many(Text(validate=length(1, 100)))
    language = Term("language")


class OrCompositeSchema(Group):
    type = Term("requirement_type")
    name = Term("requirement_name")
    minimum_version = Text(validate=length(1, 30))
    maximum_version = Text(validate=length(1, 30))


class RequirementSchema(Group):
    or_composite = many(Nested(OrCompositeSchema))


class TechnicalSchema(Group):
    format = many(Text(validate=pattern(MIME, N_("not a MIME type"))))
    size = Integer(strict=True, validate=at_least(0))
    location = many(url())
    requirement = many(Nested(RequirementSchema))
    duration = _duration()
    duration_description = LangString()
    installation_remarks = LangString()
    other_platform_requirements = LangString()


class EducationalSchema(Group):
    interactivity_type = Term("interactivity_type")
    learning_resource_type = many(Term("learning_resource_type"))
    interactivity_level = Term("interactivity_level")
    semantic_density = Term("semantic_density")
    intended_end_user_role = many(Term("intended_end_user_role"))
    context = many(Term("context"))
    typical_age_range = many(
        Text(validate=pattern(AGE_RANGE, N_("not an age range such as 11-12 or 15+")))
    )
    difficulty = Term("difficulty")
    typical_learning_time = _duration()
    typical_learning_time_description = LangString()
    description = LangString()
    language = many(Term("language"))


class RightsSchema(Group):
    cost = Boolean()
    copyright = Boolean()
    licence = Term("licence")
    description = LangString()


class RelatedResourceSchema(Group):
    identifier = many(Nested(IdentifierSchema))
    description = LangString()


class RelationSchema(Group):
    REQUIRED_UNLESS_ORIGINAL = ("kind",)

    kind = Term("relation_kind")
    resource = Nested(RelatedResourceSchema)


class AnnotationSchema(Group):
    entity = Text(validate=length(1, MAX_SHORT))
    vcards = fields.Dict(keys=Text(), values=Text(validate=length(1, MAX_VERBATIM)))
    date = _date()
    date_description = LangString()
    description = LangString()


class TaxonPathSchema(BaseSchema):
    source = Text(required=True)
    taxon = many(Text(), required=True, validate=length(1, 10))

    @post_load
    def _complete(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        return complete_taxon_path(data)


def complete_taxon_path(data: dict[str, Any]) -> dict[str, Any]:
    """``{"source", "taxon"}`` with the taxon resolved to ids and the path completed."""
    vocabs = get_vocabularies()
    source = data["source"]
    # Any vocabulary may classify (``subject`` is flat: its paths have one term).
    if source not in vocabs:
        raise ValidationError(
            [Message(N_("unknown classification source '%(source)s'"), source=source)],
            "source",
        )
    vocab = vocabs[source]
    try:
        terms = [vocab.resolve(t) for t in data["taxon"]]
    except UnknownTermError as exc:
        raise ValidationError([exc.msg], "taxon") from None
    leaf = terms[-1]
    path = [t.id for t in vocab.path(leaf.id)]
    given = [t.id for t in terms]
    # A path may be given whole or by its leaf; anything else contradicts the hierarchy.
    if given not in (path, [leaf.id]):
        raise ValidationError(
            [
                Message(
                    N_(
                        "taxon path %(given)s does not follow the hierarchy of '%(source)s' "
                        "(expected %(expected)s)"
                    ),
                    given=" > ".join(given),
                    source=source,
                    expected=" > ".join(path),
                )
            ],
            "taxon",
        )
    return {"source": source, "taxon": path}


class ClassificationSchema(Group):
    REQUIRED_UNLESS_ORIGINAL = ("purpose",)

    purpose = Term("classification_purpose")
    taxon_path = many(Nested(TaxonPathSchema))
    description = LangString()
    keyword = many(LangString(max_length=MAX_SHORT))


class RecordSchema(Group):
    """A whole record. ``id`` is owned by the catalogue and only dumped."""

    id = Text(dump_only=True)
    general = Nested(GeneralSchema, required=True)
    lifecycle = Nested(LifecycleSchema)
    meta_metadata = Nested(MetaMetadataSchema)
    technical = Nested(TechnicalSchema)
    educational = Nested(EducationalSchema)
    rights = Nested(RightsSchema)
    relation = many(Nested(RelationSchema))
    annotation = many(Nested(AnnotationSchema))
    classification = many(Nested(ClassificationSchema))

    @pre_load
    def _drop_server_fields(self, data: Any, **_: Any) -> Any:
        # Records round-trip through the API with their id; the catalogue owns it.
        if isinstance(data, dict) and "id" in data:
            data = {k: v for k, v in data.items() if k != "id"}
        return data


# -- loading ------------------------------------------------------------------------------


def flatten_errors(messages: Any, prefix: str = "") -> dict[str, list[Message | str]]:
    """marshmallow's nested error dict → ``{"general.title[ar]": [message, ...]}``."""
    out: dict[str, list[Message | str]] = {}

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                key = str(key)
                if key == "_schema":
                    walk(value, path)
                elif key.isdigit() or (path and _is_language_key(key, value)):
                    walk(value, f"{path}[{key}]")
                else:
                    walk(value, f"{path}.{key}" if path else key)
        elif isinstance(node, list) and all(isinstance(m, (str, Message)) for m in node):
            out.setdefault(path or "record", []).extend(node)
        elif isinstance(node, list):
            for item in node:
                walk(item, path)
        else:
            out.setdefault(path or "record", []).append(node)

    walk(messages, prefix)
    return out


_LANGUAGE_MESSAGES = {
    "wrong language code '%(code)s': expected one of %(allowed)s",
    "empty text",
    "not a text",
    "too long: %(length)s characters, at most %(max)s",
    "contains a NUL character",
}


def _is_language_key(key: str, value: Any) -> bool:
    """Whether ``key`` is a LangString language (``general.title[ar]``), not a field."""
    if key in LANGSTRING_LANGUAGES:
        return True
    return (
        isinstance(value, list)
        and bool(value)
        and isinstance(value[0], Message)
        and value[0].msgid in _LANGUAGE_MESSAGES
    )


_schema = RecordSchema()
_fast_load = compile_schema(_schema)


def load_record(data: Any, *, record: str | None = None) -> dict[str, Any]:
    """Validate ``data`` and return the canonical record (vocabulary ids, full taxon paths).

    Raises :class:`RecordValidationError` listing every error with its field path.
    """
    if not isinstance(data, dict):
        raise RecordValidationError(N_("a record must be a JSON object"), record=record)
    errors = _control_characters(data)
    if not errors:
        try:
            fast: dict[str, Any] = _fast_load(data)  # already pruned
            return fast
        except Exception:  # anything the fast path does not take: marshmallow gives the verdict
            pass
    try:
        loaded = _schema.load(data)
    except ValidationError as exc:
        for path, messages in flatten_errors(exc.messages).items():
            known = errors.setdefault(path, [])
            known.extend(m for m in messages if m not in known)
    if errors:
        raise RecordValidationError(N_("invalid record"), record=record, errors=errors) from None
    pruned: dict[str, Any] = _prune(loaded)
    return pruned


# Characters XML 1.0 cannot carry: a record holding one would store fine and then
# break every LOM/DC export, so they are refused at the door, in every text.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_ESCAPED_ILLEGAL = re.compile(r"\\u00(?:0[0-8bcef]|1[0-9a-f])")
_MAX_DEPTH = 12  # deeper than any record; the schema rejects the rest anyway


def _control_characters(data: Any) -> dict[str, list[Message | str]]:
    """``{path: [message]}`` for every string holding a character XML cannot carry."""
    found: dict[str, list[Message | str]] = {}
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
                    Message(N_("contains a NUL character"))
                    if char == "\x00"
                    else Message(
                        N_("contains a control character (U+%(code)s)"), code=f"{ord(char):04X}"
                    )
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


def dump_record(record: dict[str, Any], *, record_id: str | None = None) -> dict[str, Any]:
    """A record as JSON for the API, with its catalogue id."""
    out = dict(record)
    if record_id is not None:
        out = {"id": record_id, **out}
    return out


_prune = prune


# Convenience readers used by the indexer, the portal and the OAI sets.


def taxon_leaves(record: dict[str, Any], source: str) -> list[str]:
    """Leaf term ids of every taxon path from vocabulary ``source``, in record order."""
    seen: list[str] = []
    for cls in record.get("classification", []):
        for path in cls.get("taxon_path", []):
            if path.get("source") == source and path.get("taxon"):
                leaf = path["taxon"][-1]
                if leaf not in seen:
                    seen.append(leaf)
    return seen


def taxon_paths(record: dict[str, Any], source: str) -> list[list[str]]:
    """Every full taxon path (root → leaf) from vocabulary ``source``."""
    return [
        list(p["taxon"])
        for cls in record.get("classification", [])
        for p in cls.get("taxon_path", [])
        if p.get("source") == source and p.get("taxon")
    ]


def levels_of(record: dict[str, Any]) -> list[str]:
    return taxon_leaves(record, "level")


def subjects_of(record: dict[str, Any]) -> list[str]:
    return taxon_leaves(record, "subject")


def title_of(record: dict[str, Any], lang: str = "fr") -> str:
    """The title in ``lang``, else in French, Arabic, English, Amazigh, else any language."""
    titles = record.get("general", {}).get("title", {})
    for code in (lang, "fr", "ar", "en", "zgh"):
        if titles.get(code):
            return str(titles[code])
    return str(next(iter(titles.values()), ""))


def iter_langstrings(
    values: Iterable[dict[str, Any]] | dict[str, Any] | None,
) -> Iterable[tuple[str, str]]:
    if not values:
        return
    if isinstance(values, dict):
        values = [values]
    for ls in values:
        yield from ls.items()
