"""Record → ScoLOMFR 3.1 XML (the French LOM application profile), valid against
``scolomfr/xsd-3.1/scolomfr.xsd``.

ScoLOMFR is LOM in the same namespace with stricter vocabularies: every
vocabulary value must be a ScoLOMFR concept URI (``http://data.education.fr/
voc/scolomfr/concept/…``). The structure is written by the LOM writer; only the
vocabulary values differ (see ``mappings/scolomfr.json``): terms without a
ScoLOMFR concept are left out of this export (they stay in the LOM and Dublin
Core exports), and the Moroccan levels and subjects are classification taxon
paths whose source is Mawarid's own vocabulary. Export only: ScoLOMFR records
are read back with :func:`metadata_schemas.lom_xml.lom_to_record`, which
resolves concept URIs through ``Term.extra["scolomfr"]``.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from lxml import etree

from .errors import UnknownTermError
from .lom_xml import LOM_NS, XSI_NS, _with_catalogue_entries, _Writer, q

PROFILE = json.loads(
    resources.files(__package__).joinpath("mappings/scolomfr.json").read_text("utf-8")
)
SOURCE = PROFILE["source"]
SCHEMA_LOCATION = f"{LOM_NS} http://www.lom-fr.fr/xsd/scolomfr-3.1/scolomfr.xsd"


class _ScoLOMFRWriter(_Writer):
    def concept(self, vocabulary: str, term) -> str | None:
        overrides = PROFILE["overrides"].get(vocabulary, {})
        if term.id in overrides:
            return overrides[term.id]
        return term.extra.get("scolomfr")

    def vocab_value(self, spec, value, path):
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
        uri = self.concept(vocabulary, term)
        return (SOURCE, uri, term.label("fr")) if uri else None

    def lom(self, record: dict, *, root: etree._Element) -> etree._Element:
        meta = dict(record.get("meta_metadata") or {})
        schemas = list(meta.get("metadata_schema", []))
        known = {s.casefold() for s in schemas}  # "ScoLOMFRv3.1" and "SCOLOMFRv3.1" are one
        meta["metadata_schema"] = schemas + [
            s for s in PROFILE["metadata_schemas"] if s.casefold() not in known
        ]
        # A container whose vocabulary value is left out (a relation kind without a
        # concept) is kept: its other children still carry information.
        return super().lom({**record, "meta_metadata": meta}, root=root)


def record_to_scolomfr_element(
    record: dict, *, identifier: str | None = None, provenance: dict | None = None
) -> etree._Element:
    """The record as a ScoLOMFR 3.1 ``<lom>`` element."""
    root = etree.Element(q("lom"), nsmap={None: LOM_NS, "xsi": XSI_NS})
    root.set(f"{{{XSI_NS}}}schemaLocation", SCHEMA_LOCATION)
    return _ScoLOMFRWriter().lom(_with_catalogue_entries(record, identifier, provenance), root=root)


def record_to_scolomfr(record: dict, **kw: Any) -> bytes:
    """:func:`record_to_scolomfr_element` as a UTF-8 document with XML declaration."""
    return etree.tostring(
        record_to_scolomfr_element(record, **kw),
        encoding="UTF-8",
        xml_declaration=True,
        pretty_print=True,
    )
