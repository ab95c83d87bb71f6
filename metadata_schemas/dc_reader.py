"""Unqualified Dublin Core (``oai_dc``) → record: the crosswalk of docs/intake.md.

A Dublin Core record says less than LOM; what it says lands where LOM says it:

============== ========================================================================
dc:title       general.title (xml:lang, else guessed)
dc:description general.description
dc:subject     general.keyword; a subject that names a Mawarid subject or level (by
               label, or a crosswalk) also proposes that classification (to review)
dc:coverage    general.coverage
dc:language    general.language (any spelling the language vocabulary knows; else kept)
dc:identifier  a URL → technical.location; ``urn:isbn:…``/``ISBN …`` → identifier ISBN;
               anything else → general.identifier (catalog ``URI`` or ``DC``)
dc:creator     lifecycle.contribute, role author
dc:publisher   lifecycle.contribute, role publisher
dc:contributor lifecycle.contribute, role unknown
dc:date        the first: the date of the publisher (else author) contribution;
               not ISO: read (``15/03/2009``) or kept
dc:type        a DCMI type or another word: kept as written (educational), a
               learning resource type when a label or crosswalk names one
dc:format      technical.format (MIME type; other spellings read or kept)
dc:rights      rights.description; a licence named in it (URL, CC code, words)
dc:relation    relation, kind ``references`` (DC does not say which relation)
dc:source      relation, kind ``isbasedon``
============== ========================================================================

Every value is also kept in ``original`` when what the record holds is not what
the partner wrote, so a DC record exported as DC again says the same.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from .accept import Accepted, accept_record
from .lom_binding import langstring_language
from .lom_reader import LomReader, _Group
from .notes import Note
from .text_values import parse_date

DC_NS = "http://purl.org/dc/elements/1.1/"
DCTERMS_NS = "http://purl.org/dc/terms/"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_ISBN = re.compile(r"^(?:urn:isbn:|isbn[:\s]*)([0-9Xx-]{10,17})$", re.I)
_URL = re.compile(r"^(https?|ftp)://\S+$", re.I)


def is_dublin_core(el: etree._Element) -> bool:
    """An element whose children are Dublin Core elements (``oai_dc:dc``, ``srw_dc:dc``…)."""
    children = [c for c in el if isinstance(c.tag, str)]
    return bool(children) and all(etree.QName(c).namespace in (DC_NS, DCTERMS_NS) for c in children)


def accept_dublin_core(
    el: etree._Element, *, source: str, fallback_title: str | None = None
) -> Accepted:
    raw, notes = read_dublin_core(el)
    return accept_record(raw, notes, source=source, fallback_title=fallback_title)


def read_dublin_core(el: etree._Element) -> tuple[dict[str, Any], list[Note]]:
    """The raw record of a Dublin Core element and the reader's notes."""
    reader = _DCReader(el)
    return reader.read(el), reader.notes


class _DCReader(LomReader):
    def __init__(self, el: etree._Element) -> None:
        super().__init__(el)
        first_language = el.findtext(f"{{{DC_NS}}}language")
        code = langstring_language(first_language.strip()) if first_language else None
        if code in ("fr", "ar", "en", "zgh"):
            self.default_lang = code

    def _default_language(self, lom: etree._Element) -> str:
        return "fr"

    def read(self, el: etree._Element) -> dict[str, Any]:
        general, lifecycle, technical, educational = (
            _Group(p) for p in ("general", "lifecycle", "technical", "educational")
        )
        rights = _Group("rights")
        record: dict[str, Any] = {}
        relations: list[dict[str, Any]] = []
        dates: list[str] = []
        contributes: list[dict[str, Any]] = []
        verbatim: list[str] = []
        for child in el:
            if not isinstance(child.tag, str):
                continue
            name = etree.QName(child).localname
            text = " ".join((child.text or "").split())
            if etree.QName(child).namespace != DC_NS or not text:
                if text or len(child):
                    verbatim.append(etree.tostring(child, method="c14n", exclusive=True).decode())
                    self.notes.append(Note("element_kept", {"field": "dc", "element": name}))
                continue
            lang = langstring_language(child.get(_XML_LANG)) or self.guess(text, f"dc:{name}")
            if name in ("title", "description"):
                target = general.out.setdefault(name, {})
                if lang in target:
                    general.keep(name, "none", text={lang: text})
                else:
                    target[lang] = text
            elif name in ("subject", "coverage"):
                key = "keyword" if name == "subject" else "coverage"
                general.out.setdefault(key, []).append({lang: text})
                if name == "subject":
                    self.subject(record, text)
            elif name == "language":
                value = self.r_language(general, {"key": "language"}, child)
                if value and value not in general.out.setdefault("language", []):
                    general.out["language"].append(value)
            elif name == "identifier":
                self.identifier(general, technical, text)
            elif name in ("creator", "publisher", "contributor"):
                role = {"creator": "author", "publisher": "publisher"}.get(name, "unknown")
                contributes.append({"role": role, "entity": [text]})
            elif name == "date":
                dates.append(text)
            elif name == "type":
                self.dc_type(educational, text)
            elif name == "format":
                value = self.r_format(technical, {"key": "format"}, child)
                if value:
                    technical.out.setdefault("format", []).append(value)
            elif name == "rights":
                rights.out.setdefault("_texts", {}).setdefault(lang, []).append(text)
            elif name in ("relation", "source"):
                kind = "references" if name == "relation" else "isbasedon"
                relations.append({"kind": kind, "resource": _resource(text)})
        if dates:
            self.date(contributes, lifecycle, dates)
        if contributes:
            lifecycle.out["contribute"] = contributes
        texts = rights.out.pop("_texts", {})
        if texts:
            self.licence(rights, {lang: "\n\n".join(parts) for lang, parts in texts.items()})
        for key, group in (
            ("general", general),
            ("lifecycle", lifecycle),
            ("technical", technical),
            ("educational", educational),
            ("rights", rights),
        ):
            if group.original:
                group.out["original"] = group.original
            if group.out:
                record[key] = group.out
        if relations:
            record["relation"] = relations
        if verbatim:
            record["verbatim"] = verbatim
        return record

    def identifier(self, general: _Group, technical: _Group, text: str) -> None:
        isbn = _ISBN.match(text)
        if isbn:
            general.out.setdefault("identifier", []).append(
                {"catalog": "ISBN", "entry": isbn.group(1)}
            )
        elif _URL.match(text) and len(text) <= 2000:
            technical.out.setdefault("location", []).append(text)
            general.out.setdefault("identifier", []).append({"catalog": "URI", "entry": text[:500]})
        else:
            catalog, _, entry = (
                text.partition(":")
                if text.startswith(("oai:", "urn:", "doi:"))
                else ("DC", "", text)
            )
            general.out.setdefault("identifier", []).append(
                {"catalog": catalog or "DC", "entry": (entry or text)[:500]}
            )

    def date(self, contributes: list[dict[str, Any]], lifecycle: _Group, dates: list[str]) -> None:
        target = next((c for c in contributes if c["role"] == "publisher"), None) or next(
            (c for c in contributes if c["role"] == "author"), None
        )
        if target is None:
            target = {"role": "publisher", "entity": []}
        for text in dates:
            value = parse_date(text)
            if value and "date" not in target:
                target["date"] = value
                if value != text:
                    lifecycle.keep("contribute", "parsed", value=text, term=value)
            else:
                lifecycle.keep("contribute", "none", value=text)
                self.notes.append(
                    Note("kept", {"field": "dc:date", "value": text}, path="lifecycle")
                )
        if not target["entity"]:
            target.pop("entity")
            lifecycle.keep("contribute", "none", value=target.get("date") or dates[0])

    def dc_type(self, educational: _Group, text: str) -> None:
        value = self.vocab_value(
            educational, "learning_resource_type", "learning_resource_type", "", text, ""
        )
        types = educational.out.setdefault("learning_resource_type", [])
        if value and value not in types:
            types.append(value)
        if not types:
            educational.out.pop("learning_resource_type")

    def subject(self, record: dict[str, Any], text: str) -> None:
        """A subject naming a Mawarid subject or level also classifies the record."""
        for vocabulary, purpose in (("subject", "discipline"), ("level", "educational_level")):
            found = self.map_taxon(vocabulary, {"entry": {"x": text}})
            if found is None:
                continue
            term, how, crosswalk, _ = found
            path = {
                "source": vocabulary,
                "taxon": [t.id for t in self.vocabs[vocabulary].path(term)],
            }
            classification = record.setdefault("classification", [])
            cls = next((c for c in classification if c["purpose"] == purpose), None)
            if cls is None:
                cls = {"purpose": purpose, "taxon_path": []}
                classification.append(cls)
            if path not in cls["taxon_path"]:
                cls["taxon_path"].append(path)
                code = "mapped_crosswalk" if how == "crosswalk" else "mapped_label"
                self.notes.append(
                    Note(
                        code,
                        {
                            "field": "dc:subject",
                            "value": text,
                            "term": term,
                            "crosswalk": crosswalk or "",
                        },
                        path=f"classification[{classification.index(cls)}]",
                        key="taxon_path",
                        term=path,
                    )
                )
            return


def _resource(text: str) -> dict[str, Any]:
    if _URL.match(text) or text.startswith(("urn:", "doi:", "oai:")):
        return {"identifier": [{"catalog": "URI", "entry": text[:500]}]}
    lang = "ar" if any("\u0600" <= ch <= "\u06ff" for ch in text) else "fr"
    return {"description": {lang: text}}
