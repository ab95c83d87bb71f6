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

:func:`lom_and_scolomfr_texts` writes the LOM and ScoLOMFR documents of a record
together, from one walk (the OAI-PMH renderings of each published record).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from importlib import resources
from typing import Any, Literal, NamedTuple

from lxml import etree

from .errors import UnknownTermError
from .lom_binding import LOM_NS, MAPPING, XSI_NS, q
from .lom_xml import SCHEMA_LOCATION as LOM_SCHEMA_LOCATION
from .lom_xml import LomExport, Slot, Spec, _Writer, with_catalogue_entries
from .vocabulary_model import Term

PROFILE = json.loads(
    resources.files(__package__).joinpath("mappings/scolomfr.json").read_text("utf-8")
)
SOURCE = PROFILE["source"]
SCHEMA_LOCATION = f"{LOM_NS} http://www.lom-fr.fr/xsd/scolomfr-3.1/scolomfr.xsd"


#: Namespaces of the profile's own elements, written back when a partner's record had them.
PROFILE_NAMESPACES = frozenset(PROFILE["namespaces"])
CONCEPT = "http://data.education.fr/voc/scolomfr/concept/"


class _Value(NamedTuple):
    """A term's value in the profile: what is written (``None``: nothing), the term and
    how it was found (the nearest concept is also written exactly, see write_exact)."""

    found: tuple[str, str, str | None] | None
    term: str
    how: Literal["concept", "lom", "nearest", "left out", "rights", "unknown"]


class _ScoLOMFRWriter(_Writer):
    # A method overridden here changes what LOM's writer writes: the calls it changes
    # the output of must be noted by _LomWriterNotingDifferences (see the end of the
    # module, and tests/metadata/test_xml_renderings.py).

    def __init__(self) -> None:
        super().__init__()
        #: (vocabulary, term) written as their nearest concept (see write_exact).
        self.exact: list[tuple[str, str]] = []

    def concept(self, vocabulary: str, term: Term) -> str | None:
        overrides = PROFILE["overrides"].get(vocabulary, {})
        if term.id in overrides:
            return str(overrides[term.id])
        uri = term.extra.get("scolomfr")
        return str(uri) if uri else None

    def vocab_value(self, spec: Spec, value: Any, path: str) -> tuple[str, str, str | None] | None:
        vocabulary = spec["vocabulary"]
        known: _Value | None = self.values.get((vocabulary, value))
        if known is None:  # once per term (a document writes ~20 vocabulary values)
            known = self.values[(vocabulary, value)] = self.profile_value(vocabulary, value, path)
        if known.how == "nearest":
            self.exact.append((vocabulary, known.term))
        elif known.how == "left out":
            self.left_out.append(f"{path} ({known.term})")
        return known.found

    def profile_value(self, vocabulary: str, value: Any, path: str) -> _Value:
        if isinstance(value, tuple):  # a LOM value: rights yes/no or a generated role
            if vocabulary in PROFILE["rights"]:
                uri = PROFILE["rights"][vocabulary].get(value[1])
                return _Value((SOURCE, uri, None) if uri else None, value[1], "rights")
            try:
                term = self.vocabs[vocabulary].resolve(value[1])
            except UnknownTermError:
                return _Value(None, value[1], "unknown")
        else:
            term = self.term(vocabulary, value, path)
        if vocabulary in PROFILE["lom_vocabularies"]:
            lom = term.extra.get("lom")
            return _Value(("LOMv1.0", lom, None) if lom else None, term.id, "lom")
        uri = self.concept(vocabulary, term)
        if uri is not None:
            return _Value((SOURCE, uri, term.label("fr")), term.id, "concept")
        nearest = PROFILE["nearest"].get(vocabulary, {}).get(term.id)
        if nearest is None:
            return _Value(None, term.id, "left out")
        return _Value((SOURCE, nearest["uri"], nearest["label"]), term.id, "nearest")

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
        # A container whose vocabulary value is left out (a relation kind without a
        # concept) is kept: its other children still carry information.
        meta = with_profile_schemas(record.get("meta_metadata") or {})
        super().lom({**record, "meta_metadata": meta}, root=root)
        self.write_exact(root)
        return root

    def rewrite(self, calls: list[_Call]) -> None:
        """LOM's tree made ScoLOMFR's: each call's children replaced by this writer's, in
        the order of the calls (that of a walk, which the exact terms' order follows)."""
        #: Children a parent gained (or lost) by the calls made before.
        shift: dict[etree._Element, int] = {}
        for call in calls:
            parent = call.parent
            offset = shift.get(parent, 0)
            start = call.start + offset
            del parent[start : call.end + offset]
            end = len(parent)
            getattr(self, call.method)(parent, *call.args)  # appended, then moved into place
            written = parent[end:]  # type: ignore[index]  # (lxml's stubs know no slices)
            if start != end:  # (not one slice assignment: lxml misorders a slice moved
                for index, element in enumerate(written):  # from the right of the slice)
                    parent.insert(start + index, element)
            shift[parent] = offset + len(written) - (call.end - call.start)

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


def with_profile_schemas(meta: dict[str, Any]) -> dict[str, Any]:
    """``meta_metadata`` naming the profile's schemas too."""
    return {**meta, "metadata_schema": profile_schemas(meta.get("metadata_schema", []))}


def profile_schemas(schemas: list[str]) -> list[str]:
    """``schemas`` and those of the profile it lacks ("ScoLOMFRv3.1" and "SCOLOMFRv3.1"
    are one)."""
    known = {s.casefold() for s in schemas}
    return list(schemas) + [s for s in PROFILE["metadata_schemas"] if s.casefold() not in known]


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


# ScoLOMFR from LOM's tree --------------------------------------------------------------
# render() (catalogue.services.oai_records) writes both documents of every published record.
# ScoLOMFR's tree is LOM's with other vocabulary values, more metadata schemas and none of
# LOM's extension elements. Rather than walking the record twice, the LOM writer notes the
# calls whose output ScoLOMFR's differs from, and once LOM's tree is serialised, ScoLOMFR's
# writer makes those calls again in their place: a third of the work of its own walk.


class _Call(NamedTuple):
    """A call of the LOM writer whose output ScoLOMFR's differs from: the children it
    added to ``parent`` (``start`` to ``end``), and ScoLOMFR's call to make instead."""

    parent: etree._Element
    start: int
    end: int
    method: str
    args: tuple[Any, ...]


#: metaMetadata and the groups the mapping writes before it (record keys, at the root).
_META_AND_BEFORE = frozenset(
    itertools.takewhile(lambda key: key != "meta_metadata", (f["key"] for f in MAPPING["fields"]))
) | {"meta_metadata"}
_META_SPEC = next(f for f in MAPPING["fields"] if f["key"] == "meta_metadata")
_SCHEMAS_PATH = "meta_metadata.metadata_schema"


def _noted(write: Callable[..., None]) -> Callable[..., None]:
    """The LOM writer's method ``write``, noting its calls (see _LomWriterNotingDifferences)."""
    method = write.__name__

    def noted(self: _LomWriterNotingDifferences, parent: etree._Element, *args: Any) -> None:
        self.note(write, method, parent, args, args)

    return noted


class _LomWriterNotingDifferences(_Writer):
    """The LOM writer, noting the calls ScoLOMFR writes differently: those of the methods
    :class:`_ScoLOMFRWriter` changes the output of (vocabulary values, rights, unplaced
    originals, verbatim elements) and those writing the metadata schemas."""

    w_vocab = _noted(_Writer.w_vocab)
    w_rights = _noted(_Writer.w_rights)
    unplaced = _noted(_Writer.unplaced)
    verbatim = _noted(_Writer.verbatim)

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[_Call] = []
        #: False within a noted call: ScoLOMFR makes the whole call again.
        self.noting = True
        self.meta_written = False
        #: Where ScoLOMFR writes a metaMetadata group when LOM has none: after the groups
        #: written before it (its index in ``calls``, and among the root's children).
        self.meta_place = (0, 0)

    def note(
        self,
        write: Callable[..., None],
        method: str,
        parent: etree._Element,
        args: tuple[Any, ...],
        sco: tuple[Any, ...],
    ) -> None:
        """LOM's ``write(parent, *args)``, noted as ScoLOMFR's ``method(parent, *sco)``."""
        if not self.noting:
            write(self, parent, *args)
            return
        start = len(parent)
        self.noting = False
        try:
            write(self, parent, *args)
        finally:
            self.noting = True
        self.calls.append(_Call(parent, start, len(parent), method, sco))

    def lom(self, record: dict[str, Any], *, root: etree._Element) -> etree._Element:
        super().lom(record, root=root)
        if not self.meta_written:  # ScoLOMFR writes one, naming its schemas
            index, child = self.meta_place
            slot = Slot(_META_SPEC, with_profile_schemas({}), "meta_metadata", group=record)
            self.calls.insert(index, _Call(root, child, child, "w_group", (slot,)))
        return root

    # w_group and w_text are called for every group and text: the common case first, and
    # _Writer's methods called directly rather than through super().
    def w_group(self, parent: etree._Element, slot: Slot) -> None:
        if slot.path not in _META_AND_BEFORE:
            _Writer.w_group(self, parent, slot)
        elif slot.path != "meta_metadata":
            _Writer.w_group(self, parent, slot)
            self.meta_place = (len(self.calls), len(parent))
        elif slot.value and slot.value.get("metadata_schema"):
            self.meta_written = True
            _Writer.w_group(self, parent, slot)  # ScoLOMFR adds to the schemas (w_text)
        else:  # ScoLOMFR writes the group, with its schemas
            self.meta_written = True
            sco = slot._replace(value=with_profile_schemas(slot.value or {}))
            self.note(_Writer.w_group, "w_group", parent, (slot,), (sco,))

    def w_text(self, parent: etree._Element, slot: Slot) -> None:
        if slot.path != _SCHEMAS_PATH:
            _Writer.w_text(self, parent, slot)
        else:
            sco = slot._replace(value=profile_schemas(slot.value))
            self.note(_Writer.w_text, "w_text", parent, (slot,), (sco,))


def lom_and_scolomfr_texts(
    record: dict[str, Any],
    *,
    identifier: str | None = None,
    provenance: dict[str, Any] | None = None,
) -> tuple[str, str]:
    """The LOM and ScoLOMFR documents of ``record`` as text: what ``etree.tostring(…,
    encoding="unicode")`` gives of :func:`~metadata_schemas.lom_xml.record_to_lom_element`
    and :func:`record_to_scolomfr_element`, for two thirds of the work (see above)."""
    entries = with_catalogue_entries(record, identifier, provenance)
    root = etree.Element(q("lom"), nsmap={None: LOM_NS, "xsi": XSI_NS})  # type: ignore[dict-item]
    root.set(f"{{{XSI_NS}}}schemaLocation", LOM_SCHEMA_LOCATION)
    noting = _LomWriterNotingDifferences()
    noting.lom(entries, root=root)
    lom_text = etree.tostring(root, encoding="unicode")
    root.set(f"{{{XSI_NS}}}schemaLocation", SCHEMA_LOCATION)
    writer = _ScoLOMFRWriter()
    writer.rewrite(noting.calls)
    writer.write_exact(root)
    return lom_text, etree.tostring(root, encoding="unicode")
