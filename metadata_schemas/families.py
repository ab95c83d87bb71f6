"""One detection step for every document a partner sends: which family, which records.

:func:`records_in` looks at a parsed document's root (namespace and name) and
yields the resource records it holds, each ready for its reader:

=================== =========================================================================
family              records
=================== =========================================================================
``lom``             the ``<lom>`` itself: IEEE LOM (with or without namespace), LOM-FR,
                    ScoLOMFR 1.x–3.1, Normetic, IMS Meta-data 1.2/1.3 (:mod:`.lom_variants`)
``oai-pmh``         each ``record`` of a GetRecord or ListRecords response (``oai_dc`` or
                    LOM metadata); deleted records are reported, not read
``ims-cp``          an IMS content package or SCORM manifest: its metadata, inline or in
                    the file ``adlcp:location`` names (read by the caller, in the package)
``dublin-core``     an ``oai_dc:dc`` (or any element of Dublin Core elements)
``collection``      any other root holding LOM or Dublin Core records: each of them
=================== =========================================================================

A format Mawarid does not read (MARC21, MODS, …) and a document without any
resource record (an OAI-PMH Identify or error response) come back as one
:class:`Found` of kind ``error`` naming what the file is, so that the report
says it for that file and the rest goes on.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath

from lxml import etree

from core.messages import N_

from .dc_reader import DC_NS, is_dublin_core
from .errors import MetadataError, UnsupportedFormatError
from .lom_binding import q
from .lom_variants import binding, is_lom

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
MARC_NAMESPACES = frozenset({"http://www.loc.gov/MARC21/slim", "info:lc/xmlns/marcxchange-v1"})
_KNOWN_OTHERS = {
    "http://www.loc.gov/mods/v3": "MODS",
    "http://www.loc.gov/METS/": "METS",
    "http://www.openarchives.org/OAI/2.0/oai-identifier": "OAI identifier",
}


@dataclass
class Found:
    """One record of a document (``kind`` ``lom`` or ``dc``), a deleted OAI-PMH record,
    a metadata file to read beside a manifest (``href``), or why there is none (``error``)."""

    label: str
    kind: str
    family: str
    element: etree._Element | None = None
    identifier: str | None = None
    fallback_title: str | None = None
    href: str | None = None
    error: MetadataError | None = None
    #: Records of a package's parts (learning objects, activities) not read on their own.
    components: int = 0
    #: A package without metadata: its record is made from its manifest.
    made: bool = False


def local(el: etree._Element) -> str:
    return etree.QName(el).localname


def namespace(el: etree._Element) -> str:
    return etree.QName(el).namespace or ""


def records_in(root: etree._Element, label: str) -> Iterator[Found]:
    """Every record in the document ``root`` (read from ``label``)."""
    ns, name = namespace(root), local(root)
    if is_lom(root):
        yield Found(label, "lom", binding(root), root)
    elif ns == OAI_NS and name == "OAI-PMH":
        yield from _oai_pmh(root, label)
    elif name == "manifest" and ("imscp" in ns or "imscc" in ns or _has_cp_children(root)):
        yield from _manifest(root, label)
    elif is_dublin_core(root):
        yield Found(label, "dc", "dublin-core", root)
    elif ns in MARC_NAMESPACES:
        yield _unsupported(label, root, "MARC21")
    else:
        found = list(_collection(root, label))
        yield from found or [_unsupported(label, root, _KNOWN_OTHERS.get(ns))]


def _unsupported(label: str, root: etree._Element, known: str | None) -> Found:
    if known:
        error = UnsupportedFormatError(
            N_(
                "a %(format)s record: Mawarid reads LOM, LOM-FR, ScoLOMFR, Normetic, IMS, SCORM "
                "and Dublin Core records, not this format"
            ),
            record=label,
            format=known,
        )
    else:
        error = UnsupportedFormatError(
            N_("no resource record in this document (root element <%(name)s> in %(namespace)s)"),
            record=label,
            name=local(root),
            namespace=namespace(root) or "no namespace",
        )
    return Found(label, "error", "unknown", error=error)


def _collection(root: etree._Element, label: str) -> Iterator[Found]:
    """LOM or Dublin Core records anywhere below a wrapper, outermost first."""
    number = 0
    stack = list(reversed([c for c in root if isinstance(c.tag, str)]))
    while stack:
        el = stack.pop()
        if is_lom(el):
            number += 1
            yield Found(f"{label}#{number}", "lom", binding(el), el)
        elif is_dublin_core(el) and namespace(el) != DC_NS:
            number += 1
            yield Found(f"{label}#{number}", "dc", "dublin-core", el)
        else:
            stack.extend(reversed([c for c in el if isinstance(c.tag, str)]))


def _oai_pmh(root: etree._Element, label: str) -> Iterator[Found]:
    o = f"{{{OAI_NS}}}"
    error = root.find(f"{o}error")
    verb = next(
        (
            local(c)
            for c in root
            if isinstance(c.tag, str) and local(c) not in ("responseDate", "request", "error")
        ),
        None,
    )
    records = root.findall(f"{o}GetRecord/{o}record") + root.findall(f"{o}ListRecords/{o}record")
    if not records:
        if error is not None:
            reason = f"OAI-PMH error {error.get('code', '')}: {' '.join((error.text or '').split())}".strip()
        else:
            reason = f"OAI-PMH {verb or 'response'}"
        yield Found(
            label,
            "error",
            "oai-pmh",
            error=UnsupportedFormatError(
                N_("no resource record in this document (%(what)s)"), record=label, what=reason
            ),
        )
        return
    for record in records:
        identifier = (record.findtext(f"{o}header/{o}identifier") or "").strip() or None
        where = f"{label} [{identifier}]" if identifier else f"{label}#{records.index(record) + 1}"
        header = record.find(f"{o}header")
        if header is not None and header.get("status") == "deleted":
            yield Found(where, "deleted", "oai-pmh", identifier=identifier)
            continue
        metadata = record.find(f"{o}metadata")
        content = (
            next((c for c in metadata if isinstance(c.tag, str)), None)
            if metadata is not None
            else None
        )
        if content is None:
            yield Found(
                where,
                "error",
                "oai-pmh",
                identifier=identifier,
                error=MetadataError(N_("an OAI-PMH record without metadata"), record=where),
            )
        elif is_lom(content):
            yield Found(where, "lom", "oai-pmh", content, identifier=identifier)
        elif is_dublin_core(content):
            yield Found(where, "dc", "oai-pmh", content, identifier=identifier)
        else:
            found = next(iter(_collection(content, where)), None)
            if found is not None:
                found.identifier, found.label, found.family = identifier, where, "oai-pmh"
                yield found
            else:
                yield _unsupported(where, content, _KNOWN_OTHERS.get(namespace(content)))


def _has_cp_children(root: etree._Element) -> bool:
    return any(local(c) in ("organizations", "resources") for c in root if isinstance(c.tag, str))


def _manifest(root: etree._Element, label: str) -> Iterator[Found]:
    """An IMS content package / SCORM manifest: the package's metadata is the record
    (the manifest's, else its organization's or IMS LD learning design's); without it,
    each resource's metadata. The organization's title titles it."""
    identifier = root.get("identifier")
    title = _organization_title(root)
    everywhere = [m for m in root.iter() if isinstance(m.tag, str) and local(m) == "metadata"]
    direct = [m for m in everywhere if m.getparent() is root and _has_record(m)]
    package = direct or [m for m in everywhere if _package_level(m) and _has_record(m)]
    places = package or [m for m in everywhere if m.getparent() is not root]
    parts = sum(1 for m in everywhere if m not in package and _has_record(m)) if package else 0
    number = 0
    for metadata in places:
        for found in _metadata(metadata, label):
            number += 1
            holder = metadata.getparent()
            found.identifier = (
                identifier
                if package or holder is None
                else (holder.get("identifier") or identifier)
            )
            found.fallback_title = title
            found.components = parts
            if number > 1:
                found.label = f"{label}#{number}"
            yield found
    if number == 0:
        # A package is a resource even when nobody described it: its manifest titles it.
        lom = etree.Element(q("lom"))
        name = title or identifier
        if name:
            string = etree.SubElement(
                etree.SubElement(etree.SubElement(lom, q("general")), q("title")), q("string")
            )
            string.text = name
        yield Found(
            label, "lom", "ims-cp", lom, identifier=identifier, fallback_title=title, made=True
        )


#: Elements whose metadata describes the whole package (IMS CP organization, IMS LD).
_PACKAGE_LEVEL = frozenset({"organization", "organizations", "learning-design"})


def _package_level(metadata: etree._Element) -> bool:
    parent = metadata.getparent()
    return parent is not None and local(parent) in _PACKAGE_LEVEL


def _has_record(metadata: etree._Element) -> bool:
    return any(True for _ in _metadata(metadata, ""))


def _metadata(metadata: etree._Element, label: str) -> Iterator[Found]:
    for el in metadata.iter():
        if not isinstance(el.tag, str) or el is metadata:
            continue
        if is_lom(el):
            yield Found(label, "lom", "ims-cp", el)
            return
        if local(el) == "location" and ("adlcp" in namespace(el) or "adlnet" in namespace(el)):
            href = (el.text or "").strip()
            if href:
                yield Found(label, "lom", "ims-cp", href=safe_href(href))
                return


def safe_href(href: str) -> str | None:
    """A package-relative path (``metadata/course.xml``), or None when it leaves the package."""
    path = PurePosixPath(href.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or ":" in href.split("/")[0]:
        return None
    return str(path)


def _organization_title(root: etree._Element) -> str | None:
    for el in root.iter():
        if isinstance(el.tag, str) and local(el) == "organization":
            title = next((c for c in el if isinstance(c.tag, str) and local(c) == "title"), None)
            text = (title.text or "") if title is not None else ""
            if text.strip():
                return " ".join(text.split())
    return None


def manifest_locations(root: etree._Element) -> list[str]:
    """The package-relative metadata files an IMS/SCORM manifest names (``adlcp:location``):
    they are read with the manifest, not as records of their own."""
    if local(root) != "manifest":
        return []
    found = []
    for el in root.iter():
        if isinstance(el.tag, str) and local(el) == "location" and "adl" in namespace(el):
            href = safe_href((el.text or "").strip()) if (el.text or "").strip() else None
            if href:
                found.append(href)
    return found
