"""Unqualified Dublin Core (``oai_dc``) → record: the small crosswalk of the harvester.

A stop-gap until the intake's documented ``oai_dc`` crosswalk (issue 12) replaces it:
titles, descriptions and subjects keep their ``xml:lang`` (text without one is taken
as Arabic when written in Arabic script, Tifinagh as Amazigh, French otherwise);
languages the vocabulary knows become ``general.language``; MIME types
``technical.format``; web addresses ``technical.location``; rights
``rights.description``. What has no place is noted, never silently dropped.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from core.messages import N_, Message
from metadata_schemas.errors import UnknownTermError
from metadata_schemas.vocabularies import get_vocabularies

OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC = "{http://purl.org/dc/elements/1.1/}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_ARABIC = re.compile("[\u0600-\u06ff]")
_TIFINAGH = re.compile("[\u2d30-\u2d7f]")
_MIME = re.compile(r"^[a-z]+/[a-z0-9.+-]+$", re.IGNORECASE)
#: Elements with a place in the record (the others are noted).
_READ = {"title", "description", "subject", "language", "format", "identifier", "rights"}


def _lang(el: etree._Element, text: str) -> str:
    given = (el.get(XML_LANG) or "").split("-")[0].lower()
    if given:
        return given
    if _ARABIC.search(text):
        return "ar"
    if _TIFINAGH.search(text):
        return "zgh"
    return "fr"


def dc_to_record(dc: etree._Element) -> tuple[dict[str, Any], list[Message]]:
    notes: list[Message] = []
    values: dict[str, list[tuple[str, str]]] = {}
    for el in dc:
        if not isinstance(el.tag, str):
            continue
        name = etree.QName(el).localname
        text = " ".join((el.text or "").split())
        if not text:
            continue
        if name not in _READ:
            notes.append(Message(N_("dc:%(element)s has no place in the record"), element=name))
            continue
        values.setdefault(name, []).append((text, _lang(el, text)))

    general: dict[str, Any] = {}
    for field in ("title", "description"):
        strings: dict[str, str] = {}
        for text, lang in values.get(field, []):
            strings.setdefault(lang, text)
        if strings:
            general[field] = strings
    keywords = [{lang: text} for text, lang in values.get("subject", [])]
    if keywords:
        general["keyword"] = keywords
    languages = get_vocabularies()["language"]
    found = []
    for text, _ in values.get("language", []):
        try:
            term = languages.resolve(text).id
        except UnknownTermError:
            notes.append(Message(N_("dc:language %(value)r is not a known language"), value=text))
            continue
        if term not in found:
            found.append(term)
    if found:
        general["language"] = found
    record: dict[str, Any] = {"general": general}
    technical: dict[str, Any] = {}
    formats = [t for t, _ in values.get("format", []) if _MIME.match(t)]
    if formats:
        technical["format"] = list(dict.fromkeys(f.lower() for f in formats))
    locations = [
        t for t, _ in values.get("identifier", []) if t.startswith(("http://", "https://"))
    ]
    if locations:
        technical["location"] = list(dict.fromkeys(locations))
    if technical:
        record["technical"] = technical
    rights: dict[str, str] = {}
    for text, lang in values.get("rights", []):
        rights.setdefault(lang, text)
    if rights:
        record["rights"] = {"description": rights}
    return record, notes
