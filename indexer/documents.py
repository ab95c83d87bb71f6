"""A published resource → the engine-neutral index document.

The document carries the record's texts and, as facet values, the *whole*
taxon paths of its levels and subjects; the labels of those curriculum terms
are matched at query time (:mod:`indexer.curriculum`), which is what lets a
French query find an Arabic-only resource classified on the same node.

Texts are kept per language (``[(lang, text)]``) so the analyzer can stem
English text in English; facet values are vocabulary ids.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from metadata_schemas.record import iter_langstrings, taxon_paths
from metadata_schemas.textnorm import fold

from .model import IndexableResource

#: Per-language description text kept in a hit (the full text is only used for snippets).
HIT_DESCRIPTION_CHARS = 400
#: Title sort keys are cut (a numpy array of them is kept per segment).
SORT_KEY_CHARS = 40
_VCARD_FN = re.compile(r"^FN:(.*)$", re.MULTILINE)
_YEAR = re.compile(r"^(\d{4})")
_PUBLISHER_ROLES = ("publisher",)
_YEAR_ROLES = ("publisher", "author", "content-provider")


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def entity_name(entity: str) -> str:
    """A contributor's display name: the vCard ``FN`` line, or the text itself."""
    match = _VCARD_FN.search(entity.replace("\r\n", "\n"))
    name = match.group(1) if match else entity
    return " ".join(name.split())[:200]


def _year(record: dict, published_at: datetime | None) -> int | None:
    contributes = record.get("lifecycle", {}).get("contribute", [])
    for roles in (_YEAR_ROLES, None):
        years = [
            int(m.group(1))
            for c in contributes
            if (roles is None or c.get("role") in roles)
            for m in [_YEAR.match(c.get("date", ""))]
            if m
        ]
        if years:
            return min(years)
    return published_at.year if published_at else None


def build_document(resource: IndexableResource, vocabularies: Mapping[str, Any]) -> dict[str, Any]:
    """The document for one resource (pure function of the resource and the vocabularies)."""
    record = resource.record or {}
    general = record.get("general", {})
    educational = record.get("educational", {})

    title = dict(general.get("title", {}))
    description = dict(general.get("description", {}))
    for lang, text in iter_langstrings(educational.get("description")):
        description[lang] = f"{description[lang]}\n{text}" if lang in description else text
    keywords = list(iter_langstrings(general.get("keyword")))
    keywords += list(iter_langstrings(general.get("coverage")))

    level_paths = taxon_paths(record, "level")
    subject_paths = taxon_paths(record, "subject")
    levels = list(dict.fromkeys(t for path in level_paths for t in path))
    subjects = list(dict.fromkeys(t for path in subject_paths for t in path))
    types = list(educational.get("learning_resource_type", []))

    published_at = _utc(resource.published_at)
    updated_at = _utc(resource.updated_at) or published_at
    year = _year(record, published_at)
    publishers = list(
        dict.fromkeys(
            entity_name(e)
            for c in record.get("lifecycle", {}).get("contribute", [])
            if c.get("role") in _PUBLISHER_ROLES
            for e in c.get("entity", [])
            if e.strip()
        )
    )
    languages = list(general.get("language", []))
    licence = record.get("rights", {}).get("licence")

    facets = {
        "level": levels,
        "subject": subjects,
        "type": types,
        "language": languages,
        "format": list(record.get("technical", {}).get("format", [])),
        "licence": [licence] if licence else [],
        "acquisition_mode": [resource.acquisition_mode] if resource.acquisition_mode else [],
        "publisher": publishers,
        "year": [str(year)] if year else [],
    }
    return {
        "id": resource.id,
        "title": list(title.items()),
        "keywords": keywords,
        "description": list(description.items()),
        "facets": facets,
        "date": published_at or updated_at,
        "updated": updated_at,
        "sort_title": {
            lang: fold(_title_in(title, lang))[:SORT_KEY_CHARS] for lang in ("fr", "ar")
        },
        "hit": {
            "id": resource.id,
            "title": title,
            "description": {
                lang: text[:HIT_DESCRIPTION_CHARS]
                for lang, text in general.get("description", {}).items()
            },
            "keywords": [text for _lang, text in keywords],
            "levels": [p[-1] for p in level_paths],
            "subjects": [p[-1] for p in subject_paths],
            "types": types,
            "languages": languages,
            "year": year,
        },
        "snippet_text": list(description.items()),
    }


def _title_in(title: dict[str, str], lang: str) -> str:
    for code in (lang, "fr", "ar", "en", "zgh"):
        if title.get(code):
            return title[code]
    return ""


def build_documents(
    resources: Iterable[IndexableResource], vocabularies: Mapping[str, Any]
) -> Iterable[dict[str, Any]]:
    for resource in resources:
        yield build_document(resource, vocabularies)
