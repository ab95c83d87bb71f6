"""IEEE LOM XML (1484.12.3) export and import of the record dict.

The mapping between record keys and LOM elements is data
(``mappings/lom.json``); this module only knows how to write and read each
*kind* of value (LangString, vocabulary, vCard, DateTime, …). Conventions:

- vocabulary values: ``<source>LOMv1.0</source><value>…</value>`` when the term
  has a LOM value (``Term.extra["lom"]``), else our vocabulary URI as source and
  the term id as value; valid against ``lomLoose.xsd`` (and ``lomStrict.xsd``
  when every term is a LOM one);
- LangStrings: ``<string language="ar">``; contributors: vCard 3.0 ``FN``;
- ``rights/description`` carries, per language, a first line
  ``"<licence label> <URL>"`` followed by the record's own rights description;
  the URL (``Term.extra["url"]`` or the term URI) maps the licence back;
- taxon paths: ``source`` = our vocabulary URI (``x-none``) + French/Arabic
  labels, each ``taxon`` = term id + labels.

With ``identifier`` the record gets a ``general/identifier`` in catalog
``mawarid``; with ``provenance`` (the catalogue's summary, see
docs/contracts.md) the publisher, the content provider, the validating
commission and the acquisition reference are added. Those generated entries are
marked (vCard ``X-MAWARID-PROVENANCE``, catalog ``mawarid-acquisition``) and
ignored on import, because the catalogue regenerates them: ::

    lom_to_record(record_to_lom(r, identifier=i, provenance=p), source=...)
        == r + the mawarid identifier
"""

from __future__ import annotations

import json
import re
from importlib import resources
from typing import Any

from lxml import etree

from .errors import MetadataError, RecordValidationError, UnknownTermError
from .record import load_record
from .safe_xml import parse_xml
from .vocabularies import get_vocabularies

MAPPING = json.loads(resources.files(__package__).joinpath("mappings/lom.json").read_text("utf-8"))
_LANGS = json.loads(
    resources.files(__package__).joinpath("mappings/languages.json").read_text("utf-8")
)
LOM_NS = MAPPING["namespace"]
CATALOG = MAPPING["catalog"]
ACQUISITION_CATALOG = MAPPING["acquisition_catalog"]
PROVENANCE_PROPERTY = MAPPING["provenance_vcard_property"]
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_LOCATION = f"{LOM_NS} http://ltsc.ieee.org/xsd/lomv1.0/lomLoose.xsd"
LOM_SOURCE = "LOMv1.0"
_Q = f"{{{LOM_NS}}}"

# LOM's DateTime pattern (dataTypes.xsd): a time zone only after fractional seconds.
_LOM_DATETIME = re.compile(
    r"([0-9]{3}[1-9]|[0-9]{2}[1-9][0-9]|[0-9][1-9][0-9]{2}|[1-9][0-9]{3})(-(0[1-9]|1[0-2])"
    r"(-(0[1-9]|[1-2][0-9]|3[0-1])(T([0-1][0-9]|2[0-3])(:[0-5][0-9](:[0-5][0-9]"
    r"(\.[0-9]+(Z|([+-]([0-1][0-9]|2[0-3]):[0-5][0-9]))?)?)?)?)?)?)?"
)
_DATETIME_PARTS = re.compile(
    r"(?P<date>[^T]+)T(?P<hm>\d{2}:\d{2})(?::(?P<s>\d{2})(?P<f>\.\d+)?)?"
    r"(?P<tz>Z|[+-]\d{2}:?\d{2})$"
)
_WEEKS = re.compile(r"^P(\d+)W$")
_LICENCE_LINE = re.compile(r"^(?P<label>.*) <(?P<url>[a-z]+://\S+)>$")
_URL = re.compile(r"https?://[^\s<>\"')\]]+")


def q(name: str) -> str:
    """Qualified LOM element name."""
    return _Q + name


# -- export ---------------------------------------------------------------------------


class _Writer:
    """Writes record values as LOM elements; subclassed for ScoLOMFR."""

    def __init__(self) -> None:
        self.vocabs = get_vocabularies()

    # Entry point ----------------------------------------------------------------------
    def lom(self, record: dict, *, root: etree._Element) -> etree._Element:
        self.group(root, MAPPING["fields"], record, "")
        return root

    def group(self, parent, fields, value: dict, path: str, marker: str | None = None) -> None:
        for spec in fields:
            item = value.get(spec["key"])
            if item in (None, "", [], {}):
                continue
            where = f"{path}.{spec['key']}" if path else spec["key"]
            items = item if spec.get("many") else [item]
            for index, one in enumerate(items):
                self.field(
                    parent, spec, one, f"{where}[{index}]" if spec.get("many") else where, marker
                )

    def field(self, parent, spec, value, path: str, marker: str | None) -> None:
        kind = spec["type"]
        if kind == "group":
            el = self.sub(parent, spec["element"])
            self.group(el, spec["fields"], value, path, value.get("_provenance"))
        else:
            getattr(self, f"w_{kind}")(parent, spec, value, path, marker)

    # Helpers ---------------------------------------------------------------------------
    def sub(self, parent, name: str, text: str | None = None, path: str = "") -> etree._Element:
        el = etree.SubElement(parent, q(name))
        if text is not None:
            try:
                el.text = text
            except ValueError:  # control characters, lone surrogates: not representable in XML
                raise RecordValidationError(
                    "cannot be written as XML",
                    errors={
                        path or name: ["contains characters XML cannot carry (control characters)"]
                    },
                ) from None
        return el

    def langstring_el(self, el, value: dict, path: str) -> None:
        for lang, text in value.items():
            self.sub(el, "string", text, f"{path}[{lang}]").set("language", lang)

    def term(self, vocabulary: str, term_id: str, path: str):
        term = self.vocabs[vocabulary].get(term_id)
        if term is None:
            raise RecordValidationError(
                "cannot be exported",
                errors={path: [f"unknown term {term_id!r} in vocabulary {vocabulary!r}"]},
            )
        return term

    # Value kinds (spec "type") -----------------------------------------------------------
    def w_text(self, parent, spec, value, path, marker):
        self.sub(parent, spec["element"], str(value), path)

    def w_integer(self, parent, spec, value, path, marker):
        self.sub(parent, spec["element"], str(int(value)), path)

    def w_langstring(self, parent, spec, value, path, marker):
        self.langstring_el(self.sub(parent, spec["element"]), value, path)

    def w_plainstring(self, parent, spec, value, path, marker):
        self.sub(self.sub(parent, spec["element"]), "string", str(value), path)

    def w_language(self, parent, spec, value, path, marker):
        self.sub(parent, spec["element"], self.term("language", value, path).id, path)

    def vocab_value(self, spec, value, path) -> tuple[str, str, str | None] | None:
        """(source, value, label) for a vocabulary element; ``None`` leaves it out."""
        if isinstance(value, tuple):  # generated entries and rights name LOM values directly
            return value[0], value[1], None
        term = self.term(spec["vocabulary"], value, path)
        lom = term.extra.get("lom")
        if lom:
            return self.vocabs[spec["vocabulary"]].lom_source or LOM_SOURCE, lom, None
        return self.vocabs[spec["vocabulary"]].uri, term.id, None

    def w_vocab(self, parent, spec, value, path, marker):
        found = self.vocab_value(spec, value, path)
        if found is None:
            return
        el = self.sub(parent, spec["element"])
        self.sub(el, "source", found[0])
        self.sub(el, "value", found[1])
        if found[2]:
            self.sub(el, "label", found[2])

    def w_vcard(self, parent, spec, value, path, marker):
        self.sub(parent, spec["element"], vcard(value, marker), path)

    def w_datetime(self, parent, spec, value, path, marker):
        text, description = (
            (value["value"], value.get("description")) if isinstance(value, dict) else (value, None)
        )
        el = self.sub(parent, spec["element"])
        self.sub(el, "dateTime", lom_datetime(text, path))
        if description:
            self.langstring_el(self.sub(el, "description"), description, path)

    def w_duration(self, parent, spec, value, path, marker):
        weeks = _WEEKS.match(value)  # LOM durations have no weeks
        text = f"P{int(weeks.group(1)) * 7}D" if weeks else value
        self.sub(self.sub(parent, spec["element"]), "duration", text)

    def w_rights(self, parent, spec, value, path, marker):
        el = self.sub(parent, spec["element"])
        for key, element in (("cost", "cost"), ("copyright", "copyrightAndOtherRestrictions")):
            if key in value and value[key] is not None:
                self.w_vocab(
                    el,
                    {"element": element, "vocabulary": f"rights.{key}"},
                    (LOM_SOURCE, "yes" if value[key] else "no"),
                    f"{path}.{key}",
                    None,
                )
        texts = rights_texts(value, self.vocabs, f"{path}.licence")
        if texts:
            self.langstring_el(self.sub(el, "description"), texts, f"{path}.description")
        if len(el) == 0:
            parent.remove(el)

    def w_taxon_path(self, parent, spec, value, path, marker):
        vocab = self.vocabs.get(value["source"], None)
        if vocab is None:
            raise RecordValidationError(
                "cannot be exported",
                errors={f"{path}.source": [f"unknown classification source {value['source']!r}"]},
            )
        el = self.sub(parent, spec["element"])
        source = self.sub(el, "source")
        self.sub(source, "string", vocab.uri).set("language", "x-none")
        self.langstring_el(
            source, {k: vocab.labels[k] for k in ("fr", "ar") if k in vocab.labels}, path
        )
        for index, term_id in enumerate(value["taxon"]):
            term = self.term(vocab.id, term_id, f"{path}.taxon[{index}]")
            taxon = self.sub(el, "taxon")
            self.sub(taxon, "id", term.id)
            self.langstring_el(self.sub(taxon, "entry"), dict(term.labels), path)


def vcard(name: str, marker: str | None = None) -> str:
    """A vCard 3.0 with ``FN`` = ``name`` (``marker`` tags entries the catalogue generated)."""
    escaped = (
        name.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;").replace("\n", "\\n")
    )
    extra = f"{PROVENANCE_PROPERTY}:{marker}\n" if marker else ""
    return f"BEGIN:VCARD\nVERSION:3.0\nFN:{escaped}\n{extra}END:VCARD"


def lom_datetime(value: str, path: str = "date") -> str:
    """``value`` in LOM's DateTime syntax (seconds and a fraction before any time zone)."""
    value = value.isoformat() if hasattr(value, "isoformat") else str(value)
    if _LOM_DATETIME.fullmatch(value):
        return value
    parts = _DATETIME_PARTS.match(value)
    if parts:
        tz = (
            parts["tz"]
            if parts["tz"] == "Z" or ":" in parts["tz"]
            else parts["tz"][:3] + ":" + parts["tz"][3:]
        )
        text = f"{parts['date']}T{parts['hm']}:{parts['s'] or '00'}{parts['f'] or '.0'}{tz}"
        if _LOM_DATETIME.fullmatch(text):
            return text
    raise RecordValidationError(
        "cannot be exported",
        errors={path: [f"{value!r} is not a date LOM can carry (YYYY-MM-DD[Thh:mm[:ss[.s][Z]]])"]},
    )


def rights_texts(rights: dict, vocabs, path: str) -> dict[str, str]:
    """rights/description LangString: licence line (label + URL) then the free text."""
    description = rights.get("description") or {}
    licence_id = rights.get("licence")
    if not licence_id:
        return dict(description)
    term = vocabs["licence"].get(licence_id)
    if term is None:
        raise RecordValidationError(
            "cannot be exported",
            errors={path: [f"unknown term {licence_id!r} in vocabulary 'licence'"]},
        )
    url = licence_url(term)
    out = {}
    for lang in dict.fromkeys(["fr", "ar", *description]):
        line = f"{term.labels.get(lang) or term.label('fr')} <{url}>"
        out[lang] = f"{line}\n\n{description[lang]}" if lang in description else line
    return out


def licence_url(term) -> str:
    return term.extra.get("url") or term.uri


def _with_catalogue_entries(record: dict, identifier: str | None, provenance: dict | None) -> dict:
    """A shallow copy of ``record`` with the mawarid identifier and provenance entries."""
    rec = dict(record)
    vocabs = get_vocabularies()
    if identifier:
        general = dict(rec.get("general") or {})
        others = [i for i in general.get("identifier", []) if i.get("catalog") != CATALOG]
        general["identifier"] = [{"catalog": CATALOG, "entry": identifier}, *others]
        rec["general"] = general
    if not provenance:
        return rec
    lifecycle = dict(rec.get("lifecycle") or {})
    contribute = list(lifecycle.get("contribute", []))
    published = provenance.get("published")
    if published:
        contribute.append(
            {
                "role": (LOM_SOURCE, "publisher"),
                "_provenance": "published",
                "entity": [_label(vocabs, "actor", published.get("by") or "LNRN")],
                **({"date": published["date"]} if published.get("date") else {}),
            }
        )
    if provenance.get("counterpart"):
        contribute.append(
            {
                "role": (LOM_SOURCE, "content provider"),
                "_provenance": "counterpart",
                "entity": [provenance["counterpart"]],
            }
        )
    if contribute:
        lifecycle["contribute"] = contribute
        rec["lifecycle"] = lifecycle
    meta = dict(rec.get("meta_metadata") or {})
    validated = provenance.get("validated")
    if validated:
        entry = {
            "role": (LOM_SOURCE, "validator"),
            "_provenance": "validated",
            "entity": [_label(vocabs, "commission", validated.get("commission") or "validation")],
        }
        if validated.get("date"):
            ref = validated.get("reference")
            entry["date"] = {
                "value": validated["date"],
                "description": ({"fr": f"Décision {ref}", "ar": f"قرار {ref}"} if ref else None),
            }
        meta["contribute"] = [*meta.get("contribute", []), entry]
    if provenance.get("reference"):
        mode = provenance.get("mode")
        catalog = f"{ACQUISITION_CATALOG}:{mode}" if mode else ACQUISITION_CATALOG
        meta["identifier"] = [
            *meta.get("identifier", []),
            {"catalog": catalog, "entry": provenance["reference"]},
        ]
    if meta:
        rec["meta_metadata"] = meta
    return rec


def _label(vocabs, vocabulary: str, value: str) -> str:
    try:
        return vocabs[vocabulary].resolve(value).label("fr")
    except (KeyError, UnknownTermError):
        return value


def record_to_lom_element(
    record: dict, *, identifier: str | None = None, provenance: dict | None = None
) -> etree._Element:
    """The record as a ``<lom>`` element (namespace :data:`LOM_NS`)."""
    root = etree.Element(q("lom"), nsmap={None: LOM_NS, "xsi": XSI_NS})
    root.set(f"{{{XSI_NS}}}schemaLocation", SCHEMA_LOCATION)
    return _Writer().lom(_with_catalogue_entries(record, identifier, provenance), root=root)


def record_to_lom(record: dict, **kw: Any) -> bytes:
    """The record as a LOM XML document (UTF-8, with XML declaration)."""
    return etree.tostring(
        record_to_lom_element(record, **kw),
        encoding="UTF-8",
        xml_declaration=True,
        pretty_print=True,
    )


def mawarid_identifier(record: dict) -> str | None:
    """The catalogue id carried in ``general.identifier`` (catalog ``mawarid``), if any."""
    for ident in (record.get("general") or {}).get("identifier", []):
        if ident.get("catalog", "").strip().lower() == CATALOG:
            return ident.get("entry")
    return None


# -- import ------------------------------------------------------------------------------


def lom_to_record(data_or_element: bytes | etree._Element, *, source: str) -> dict:
    """Read a LOM document (or a ``<lom>`` inside a wrapper) into a validated record.

    Raises :class:`MetadataError` (unsafe or non-LOM XML) or
    :class:`RecordValidationError` naming ``source`` and every bad field path.
    """
    if isinstance(data_or_element, (bytes, bytearray, memoryview)):
        root = parse_xml(bytes(data_or_element), source=source)
    elif isinstance(data_or_element, etree._ElementTree):
        root = data_or_element.getroot()
    elif isinstance(data_or_element, etree._Element):
        root = data_or_element
    else:
        raise TypeError(
            f"lom_to_record expects bytes or an lxml element, got {type(data_or_element).__name__}"
        )
    from .lom_reader import read_lom  # the reader builds on this module's constants

    return load_record(read_lom(find_lom(root, source)), record=source)


def find_lom(root: etree._Element, source: str) -> etree._Element:
    if root.tag == q("lom"):
        return root
    found = list(root.iter(q("lom")))
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        raise MetadataError(f"contains {len(found)} LOM records; expected one", record=source)
    tag = etree.QName(root)
    hint = f"; <lom> must be in the namespace {LOM_NS}" if tag.localname == "lom" else ""
    raise MetadataError(
        f"not a LOM record: root element <{tag.localname}> in "
        f"{'namespace ' + tag.namespace if tag.namespace else 'no namespace'}"
        f"{hint}",
        record=source,
    )
