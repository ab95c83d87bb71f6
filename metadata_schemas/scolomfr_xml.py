"""Record → ScoLOMFR 3.1 XML (the French LOM application profile), valid against
``scolomfr/xsd-3.1/scolomfr.xsd``.

ScoLOMFR is LOM in the same namespace with stricter vocabularies: most
vocabulary values must be ScoLOMFR concept URIs (``http://data.education.fr/
voc/scolomfr/concept/…``). The structure is written by the LOM writer; only the
vocabulary values differ (see ``mappings/scolomfr.json``):

- a term is written as its ScoLOMFR concept (``Term.extra["scolomfr"]`` or the
  profile's ``overrides``), with the concept's label;
- LOM elements for which ScoLOMFR has no vocabulary (interactivity type and
  level, semantic density) keep their LOMv1.0 values;
- a Mawarid learning resource type without a ScoLOMFR concept (``video-lesson``,
  LOM's ``diagram``…) is written as the nearest concept (``nearest``) and, exactly,
  as a taxon path of Mawarid's vocabulary in a classification, so nothing is lost;
- elements a partner wrote in the LOM-FR and ScoLOMFR namespaces (kept verbatim)
  are written back; values and elements ScoLOMFR cannot carry are left out and
  listed (:attr:`~metadata_schemas.lom_xml.LomExport.left_out`).

ScoLOMFR records are read back with :func:`metadata_schemas.lom_reader.lom_to_record`,
which resolves concept URIs through ``Term.extra["scolomfr"]``.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from lxml import etree

from .errors import UnknownTermError
from .lom_binding import LOM_NS, XSI_NS, q
from .lom_xml import LomExport, Spec, _Writer, with_catalogue_entries
from .vocabulary_model import Term

PROFILE = json.loads(
    resources.files(__package__).joinpath("mappings/scolomfr.json").read_text("utf-8")
)
SOURCE = PROFILE["source"]
SCHEMA_LOCATION = f"{LOM_NS} http://www.lom-fr.fr/xsd/scolomfr-3.1/scolomfr.xsd"


#: Namespaces of the profile's own elements, written back when a partner's record had them.
PROFILE_NAMESPACES = frozenset(PROFILE["namespaces"])
CONCEPT = "http://data.education.fr/voc/scolomfr/concept/"


class _ScoLOMFRWriter(_Writer):
    def concept(self, vocabulary: str, term: Term) -> str | None:
        overrides = PROFILE["overrides"].get(vocabulary, {})
        if term.id in overrides:
            return str(overrides[term.id])
        uri = term.extra.get("scolomfr")
        return str(uri) if uri else None

    def vocab_value(self, spec: Spec, value: Any, path: str) -> tuple[str, str, str | None] | None:
        vocabulary = spec["vocabulary"]
        if isinstance(value, tuple):  # a LOM value: rights yes/no or a generated role
            if vocabulary in PROFILE["rights"]:
                uri = PROFILE["rights"][vocabulary].get(value[1])
                return (SOURCE, uri, None) if uri else None
            try:
                term = self.vocabs[vocabulary].resolve(value[1])
            except UnknownTermError:
                return None
        else:
            term = self.term(vocabulary, value, path)
        if vocabulary in PROFILE["lom_vocabularies"]:
            lom = term.extra.get("lom")
            return ("LOMv1.0", lom, None) if lom else None
        uri = self.concept(vocabulary, term)
        if uri is None:
            nearest = PROFILE["nearest"].get(vocabulary, {}).get(term.id)
            if nearest is None:
                self.left_out.append(f"{path} ({term.id})")
                return None
            self.exact.append((vocabulary, term.id))
            return SOURCE, nearest["uri"], nearest["label"]
        return SOURCE, uri, term.label("fr")

    def original_vocab(
        self, parent: etree._Element, spec: Spec, original: dict[str, Any], path: str
    ) -> bool:
        # The partner's spelling of a term ScoLOMFR knows (its concept URI); anything else
        # (a value without a Mawarid term, another profile's spelling) is listed as left out.
        value = original.get("value") or ""
        if original.get("how") == "spelling" and (
            value.startswith((CONCEPT, "http://purl.org/dc/terms/"))
            or (
                spec.get("vocabulary") in PROFILE["lom_vocabularies"]
                and original.get("source") == "LOMv1.0"
            )
        ):
            return super().original_vocab(parent, spec, original, path)
        self.left_out.append(f"{path} ({value or original.get('label')})")
        return False

    keeps_originals = False

    def label(self, el: etree._Element, text: str) -> None:
        self.sub(el, "label", text)

    def keeps(self, element: etree._Element) -> bool:
        """The profile's own elements whose values are concept URIs (ScoLOMFR 3.1 wants
        them; 1.x values, labels or ids, are listed as left out)."""
        if etree.QName(element).namespace not in PROFILE_NAMESPACES:
            return False
        values = [v.text or "" for v in element.iter() if etree.QName(v).localname == "value"]
        return all(v.strip().startswith(("http://", "https://")) for v in values)

    def lom(self, record: dict[str, Any], *, root: etree._Element) -> etree._Element:
        self.exact: list[tuple[str, str]] = []
        meta = dict(record.get("meta_metadata") or {})
        schemas = list(meta.get("metadata_schema", []))
        known = {s.casefold() for s in schemas}  # "ScoLOMFRv3.1" and "SCOLOMFRv3.1" are one
        meta["metadata_schema"] = schemas + [
            s for s in PROFILE["metadata_schemas"] if s.casefold() not in known
        ]
        # A container whose vocabulary value is left out (a relation kind without a
        # concept) is kept: its other children still carry information.
        super().lom({**record, "meta_metadata": meta}, root=root)
        self.write_exact(root)
        return root

    def write_exact(self, root: etree._Element) -> None:
        """Terms written as their nearest concept, exactly: Mawarid's taxon paths."""
        by_vocabulary: dict[str, list[str]] = {}
        for vocabulary, term_id in self.exact:
            if term_id not in by_vocabulary.setdefault(vocabulary, []):
                by_vocabulary[vocabulary].append(term_id)
        for vocabulary, terms in by_vocabulary.items():
            cls = self.sub(root, "classification")
            self.vocab_el(cls, "purpose", (SOURCE, CONCEPT + "idea", "notion"))
            for term_id in terms:
                self.mawarid_path(
                    cls,
                    {"element": "taxonPath"},
                    {"source": vocabulary, "taxon": [term_id]},
                    vocabulary,
                )


def export_scolomfr(
    record: dict[str, Any],
    *,
    identifier: str | None = None,
    provenance: dict[str, Any] | None = None,
) -> LomExport:
    """The record as a ScoLOMFR 3.1 ``<lom>`` element, with what ScoLOMFR left out."""
    root = etree.Element(q("lom"), nsmap={None: LOM_NS, "xsi": XSI_NS})  # type: ignore[dict-item]
    root.set(f"{{{XSI_NS}}}schemaLocation", SCHEMA_LOCATION)
    writer = _ScoLOMFRWriter()
    writer.lom(with_catalogue_entries(record, identifier, provenance), root=root)
    return LomExport(root, writer.left_out)


def record_to_scolomfr_element(
    record: dict[str, Any],
    *,
    identifier: str | None = None,
    provenance: dict[str, Any] | None = None,
) -> etree._Element:
    """The record as a ScoLOMFR 3.1 ``<lom>`` element."""
    return export_scolomfr(record, identifier=identifier, provenance=provenance).element


def record_to_scolomfr(record: dict[str, Any], **kw: Any) -> bytes:
    """:func:`record_to_scolomfr_element` as a UTF-8 document with XML declaration."""
    return etree.tostring(
        record_to_scolomfr_element(record, **kw),
        encoding="UTF-8",
        xml_declaration=True,
        pretty_print=True,
    )
