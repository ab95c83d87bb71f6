"""Record → unqualified Dublin Core (``oai_dc``), the format every OAI-PMH harvester reads.

A one-way crosswalk after the IEEE LOM annex mapping; its data (DCMI types,
which roles are creators/publishers) is in ``mappings/dublin_core.json``.
Language-bearing values keep their language as ``xml:lang``; vocabulary terms
(subjects, levels) are written with their French and Arabic labels so that a
harvester shows them in either language. Valid against ``oai_dc.xsd``.
"""

from __future__ import annotations

import json
import re
from importlib import resources
from typing import Any
from urllib.parse import quote, urlsplit

from lxml import etree

from .errors import RecordValidationError
from .lom_binding import licence_url
from .lom_xml import LomExport, label_of
from .vocabularies import get_vocabularies
from .vocabulary_model import Vocabularies

OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC_NS = "http://purl.org/dc/elements/1.1/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_LOCATION = f"{OAI_DC_NS} http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
CROSSWALK = json.loads(
    resources.files(__package__).joinpath("mappings/dublin_core.json").read_text("utf-8")
)
#: The start and end tags of the document as lxml writes them (see _DC.text).
_START = (
    f'<oai_dc:dc xmlns:oai_dc="{OAI_DC_NS}" xmlns:dc="{DC_NS}" xmlns:xsi="{XSI_NS}" '
    f'xsi:schemaLocation="{SCHEMA_LOCATION}">'
)
_END = "</oai_dc:dc>"
#: Characters XML 1.0 cannot carry (lxml refuses them).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(text: str) -> str:
    """Escaped as libxml2 escapes a text node."""
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    )


#: What libxml2 escapes in an attribute value, and how.
_ATTRIBUTE_REFERENCES = (
    ("&", "&amp;"),
    ("<", "&lt;"),
    (">", "&gt;"),
    ('"', "&quot;"),
    ("\n", "&#10;"),
    ("\r", "&#13;"),
    ("\t", "&#9;"),
)


def _attribute(value: str) -> str:
    """Escaped as libxml2 escapes an attribute value."""
    for char, reference in _ATTRIBUTE_REFERENCES:
        value = value.replace(char, reference)
    return value


#: Labels of classification terms are written in these languages.
LABEL_LANGUAGES = ("fr", "ar")


class _DC:
    """Collects ``dc:*`` elements in DCMI order, without duplicates."""

    ORDER = (
        "title",
        "creator",
        "subject",
        "description",
        "publisher",
        "contributor",
        "date",
        "type",
        "format",
        "identifier",
        "source",
        "language",
        "relation",
        "coverage",
        "rights",
    )

    def __init__(self) -> None:
        self.values: dict[str, list[tuple[str, str | None]]] = {name: [] for name in self.ORDER}

    def add(self, name: str, text: Any, lang: str | None = None) -> None:
        text = str(text).strip() if text is not None else ""
        if text and (text, lang) not in self.values[name]:
            self.values[name].append((text, lang))

    def langstring(self, name: str, value: dict[str, Any] | None) -> None:
        for lang, text in (value or {}).items():
            self.add(name, text, lang)

    def text(self) -> str:
        """``etree.tostring(self.element(), encoding="unicode")``, written directly: the
        document is flat, and building its tree costs lxml more than the crosswalk."""
        values = [(name, text, lang) for name in self.ORDER for text, lang in self.values[name]]
        if not values or any(_NOT_XML.search(t) or _NOT_XML.search(g or "") for _, t, g in values):
            # An empty document, or characters XML cannot carry (refused there).
            return etree.tostring(self.element(), encoding="unicode")
        parts = [_START]
        for name, text, lang in values:
            start = f'<dc:{name} xml:lang="{_attribute(lang)}">' if lang else f"<dc:{name}>"
            parts.append(f"{start}{_text(text)}</dc:{name}>")
        parts.append(_END)
        return "".join(parts)

    def element(self) -> etree._Element:
        root = etree.Element(
            f"{{{OAI_DC_NS}}}dc", nsmap={"oai_dc": OAI_DC_NS, "dc": DC_NS, "xsi": XSI_NS}
        )
        root.set(f"{{{XSI_NS}}}schemaLocation", SCHEMA_LOCATION)
        for name in self.ORDER:
            for text, lang in self.values[name]:
                el = etree.SubElement(root, f"{{{DC_NS}}}{name}")
                try:
                    el.text = text
                except ValueError:
                    raise RecordValidationError(
                        "cannot be written as XML",
                        errors={f"dc:{name}": ["contains characters XML cannot carry"]},
                    ) from None
                if lang:
                    el.set(XML_LANG, lang)
        return root


def record_to_oai_dc_element(
    record: dict[str, Any],
    *,
    identifier: str,
    base_url: str | None = None,
    oai_identifier: str | None = None,
    provenance: dict[str, Any] | None = None,
) -> etree._Element:
    """The record as ``<oai_dc:dc>``.

    :param identifier: the catalogue id of the record.
    :param base_url: the portal's public URL; adds ``dc:identifier`` =
        ``<base_url>/resources/<id>`` and, unless ``oai_identifier`` is given,
        ``oai:<host>:<id>``.
    :param provenance: the catalogue's provenance summary (publisher and date).
    """
    return _crosswalk(record, identifier, base_url, oai_identifier, provenance).element()


def record_to_oai_dc_text(
    record: dict[str, Any],
    *,
    identifier: str,
    base_url: str | None = None,
    oai_identifier: str | None = None,
    provenance: dict[str, Any] | None = None,
) -> str:
    """``etree.tostring(record_to_oai_dc_element(…), encoding="unicode")``, cheaper."""
    return _crosswalk(record, identifier, base_url, oai_identifier, provenance).text()


def _crosswalk(
    record: dict[str, Any],
    identifier: str,
    base_url: str | None,
    oai_identifier: str | None,
    provenance: dict[str, Any] | None,
) -> _DC:
    vocabs = get_vocabularies()
    dc = _DC()
    general = record.get("general") or {}
    lifecycle = record.get("lifecycle") or {}
    dc.langstring("title", general.get("title"))

    roles = CROSSWALK["roles"]
    dates: list[str] = []
    for contribute in lifecycle.get("contribute", []):
        role = contribute.get("role")
        name = (
            "creator"
            if role in roles["creator"]
            else "publisher"
            if role in roles["publisher"]
            else "contributor"
        )
        for entity in contribute.get("entity", []):
            dc.add(name, entity)
        if contribute.get("date") and role in roles["publisher"]:
            dates.insert(0, contribute["date"])
        elif contribute.get("date"):
            dates.append(contribute["date"])
    published = (provenance or {}).get("published")
    if published:
        dc.add("publisher", label_of(vocabs, "actor", published.get("by") or "LNRN"))
        if published.get("date"):
            dates.insert(0, published["date"][:10])
    if dates:
        dc.add("date", dates[0])

    for keyword in general.get("keyword", []):
        dc.langstring("subject", keyword)
    for source in ("subject", "level"):
        for term_id in _leaves(record, source):
            term = vocabs[source].get(term_id)
            for lang in LABEL_LANGUAGES:
                dc.add("subject", term.label(lang) if term else term_id, lang)
    dc.langstring("description", general.get("description"))

    for dcmi in _dcmi_types(record, vocabs):
        dc.add("type", dcmi)
    technical = record.get("technical") or {}
    for mime in technical.get("format", []):
        dc.add("format", mime)

    if base_url:
        path = CROSSWALK["resource_path"].format(id=quote(identifier, safe=""))
        dc.add("identifier", base_url.rstrip("/") + path)
        host = urlsplit(base_url).hostname
        if oai_identifier is None and host:
            oai_identifier = f"oai:{host}:{identifier}"
    dc.add("identifier", oai_identifier)
    for ident in general.get("identifier", []):
        if ident.get("catalog", "").lower() != "mawarid":
            dc.add("identifier", _identifier_text(ident))
    for location in technical.get("location", []):
        dc.add("identifier", location)

    for code in general.get("language", []):
        dc.add("language", code)
    for relation in record.get("relation", []):
        for ident in (relation.get("resource") or {}).get("identifier", []):
            dc.add("relation", _identifier_text(ident))
    for coverage in general.get("coverage", []):
        dc.langstring("coverage", coverage)
    _rights(dc, record.get("rights") or {}, vocabs)
    _originals(dc, record)
    return dc


def export_oai_dc(record: dict[str, Any], **kw: Any) -> LomExport:
    """The record as ``<oai_dc:dc>``, with the record paths Dublin Core has no place for."""
    return LomExport(record_to_oai_dc_element(record, **kw), left_out(record))


def _originals(dc: _DC, record: dict[str, Any]) -> None:
    """What a partner wrote that Mawarid kept as written: shown in Dublin Core too."""
    places = {
        ("general", "title"): "title",
        ("general", "description"): "description",
        ("general", "keyword"): "subject",
        ("general", "language"): "language",
        ("educational", "learning_resource_type"): "type",
        ("technical", "format"): "format",
    }
    for (section, key), name in places.items():
        for original in (record.get(section) or {}).get("original") or []:
            if original.get("key") != key or original.get("how") == "spelling":
                continue
            if original.get("text"):
                dc.langstring(name, original["text"])
            elif original.get("label"):
                dc.langstring(name, original["label"])
            elif original.get("value"):
                dc.add(name, original["value"])
    for classification in record.get("classification") or []:
        for original in classification.get("original") or []:
            if original.get("key") == "taxon_path" and original.get("taxa"):
                dc.langstring("subject", original["taxa"][-1].get("entry"))


#: Record fields Dublin Core carries (the crosswalk above); the rest is listed as left out.
_CARRIED = {
    "general": {
        "identifier",
        "title",
        "language",
        "description",
        "keyword",
        "coverage",
        "original",
    },
    "lifecycle": {"contribute"},
    "technical": {"format", "location", "original"},
    "educational": {"learning_resource_type", "original"},
    "rights": {"licence", "description"},
    "relation": None,
    "classification": None,
}


def left_out(record: dict[str, Any]) -> list[str]:
    """Record paths an ``oai_dc`` export cannot hold."""
    out: list[str] = []
    for section, value in record.items():
        carried = _CARRIED.get(section, set())
        if carried is None or not value:
            continue
        if not isinstance(value, dict):
            out.append(section)
            continue
        out.extend(f"{section}.{key}" for key in value if key not in carried)
    return out


def record_to_oai_dc(record: dict[str, Any], **kw: Any) -> bytes:
    """:func:`record_to_oai_dc_element` as a UTF-8 document with XML declaration."""
    return etree.tostring(
        record_to_oai_dc_element(record, **kw),
        encoding="UTF-8",
        xml_declaration=True,
        pretty_print=True,
    )


def _rights(dc: _DC, rights: dict[str, Any], vocabs: Vocabularies) -> None:
    licence = vocabs["licence"].get(rights.get("licence") or "")
    if licence is not None:
        dc.add("rights", licence_url(licence))
        for lang in LABEL_LANGUAGES:
            dc.add("rights", licence.label(lang), lang)
    dc.langstring("rights", rights.get("description"))


def _dcmi_types(record: dict[str, Any], vocabs: Vocabularies) -> list[str]:
    out: list[str] = []
    for term_id in (record.get("educational") or {}).get("learning_resource_type", []):
        term = vocabs["learning_resource_type"].get(term_id)
        dcmi = (term.extra.get("dc") if term else None) or CROSSWALK["dcmi_type"].get(term_id)
        if dcmi and dcmi not in out:
            out.append(dcmi)
    if not out:
        for mime in (record.get("technical") or {}).get("format", []):
            # the longest matching prefix wins (application/pdf before application/)
            matches = [p for p in CROSSWALK["mime_type"] if mime.startswith(p)]
            if matches:
                dcmi = CROSSWALK["mime_type"][max(matches, key=len)]
                if dcmi not in out:
                    out.append(dcmi)
    return out


def _identifier_text(ident: dict[str, Any]) -> str:
    catalog, entry = str(ident.get("catalog", "")), str(ident.get("entry", ""))
    if entry.startswith(("http://", "https://", "urn:", "doi:", "oai:")):
        return entry
    if catalog.upper() in ("ISBN", "ISSN", "DOI"):
        return f"urn:{catalog.lower()}:{entry}" if catalog.upper() != "DOI" else f"doi:{entry}"
    return f"{catalog}:{entry}" if catalog else entry


def _leaves(record: dict[str, Any], source: str) -> list[str]:
    """Leaf term ids of the taxon paths from vocabulary ``source``, in record order."""
    out: list[str] = []
    for classification in record.get("classification", []):
        for path in classification.get("taxon_path", []):
            if path.get("source") == source and path.get("taxon") and path["taxon"][-1] not in out:
                out.append(path["taxon"][-1])
    return out
