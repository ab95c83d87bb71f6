"""Other spellings of LOM, brought to the IEEE LOM binding before reading.

- LOM **without namespace**, or in a namespace of another LOM binding (IMS MD
  1.3, IMS Common Cartridge's LOM, the IEEE draft namespaces): the same element
  names, only the namespace differs;
- **IMS Meta-data 1.2** (``imsmd_v1p2`` and the IMS 1.1 namespaces): element names
  in lower case (``lifecycle``, ``catalogentry``, ``learningresourcetype``…),
  ``langstring`` for LOM's ``string`` with ``xml:lang``, ``centity/vcard`` for
  ``entity``, ``datetime`` for durations, vocabulary values as LangStrings, a
  ``requirement`` without ``orComposite`` (``mappings/imsmd.json``).

:func:`as_lom` returns an element in the LOM namespace that
:class:`~metadata_schemas.lom_reader.LomReader` reads. Elements of other
namespaces (extensions) are copied as they are, to be kept verbatim.
"""

from __future__ import annotations

import copy
import json
from importlib import resources
from typing import Any

from lxml import etree

from .lom_binding import EXTENSION_NS, LOM_NS, local, q

IMSMD: dict[str, Any] = json.loads(
    resources.files(__package__).joinpath("mappings/imsmd.json").read_text("utf-8")
)
IMSMD_NAMESPACES = frozenset(IMSMD["namespaces"])
#: Namespaces of LOM bindings whose element names are LOM's own.
LOM_NAMESPACES = frozenset(
    {
        LOM_NS,
        "http://ltsc.ieee.org/xsd/LOM/",
        "http://ltsc.ieee.org/xsd/LOMv1p0",
        "http://ltsc.ieee.org/xsd/lomv1.0",
        "http://www.imsglobal.org/xsd/imsmd_v1p3",
        "http://ltsc.ieee.org/xsd/imsccv1p1/LOM/resource",
        "http://ltsc.ieee.org/xsd/imsccv1p1/LOM/manifest",
        "http://ltsc.ieee.org/xsd/imsccv1p2/LOM/resource",
        "http://ltsc.ieee.org/xsd/imsccv1p2/LOM/manifest",
        "http://ltsc.ieee.org/xsd/imsccv1p3/LOM/resource",
        "http://ltsc.ieee.org/xsd/imsccv1p3/LOM/manifest",
        "",
        EXTENSION_NS,
    }
)
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_LOM_NSMAP: Any = {None: LOM_NS}  # lxml's default namespace has the key None
#: LOM elements whose content is a CharacterString (IMS 1.2 wraps them in langstring).
_TEXTS = frozenset(
    {
        "catalog",
        "value",
        "label",
        "id",
        "format",
        "size",
        "location",
        "minimumVersion",
        "maximumVersion",
        "metadataSchema",
        "language",
        "dateTime",
        "duration",
    }
)


def namespace(el: etree._Element) -> str:
    return etree.QName(el).namespace or ""


def is_lom(el: etree._Element) -> bool:
    """Whether ``el`` is a LOM record in any of the bindings read here."""
    name = local(el.tag)
    ns = namespace(el)
    return (name == "lom" and (ns in LOM_NAMESPACES or ns in IMSMD_NAMESPACES)) or (
        name == "record" and ns in IMSMD_NAMESPACES
    )


def binding(el: etree._Element) -> str:
    """``lom``, ``lom-no-namespace``, ``lom-other-namespace`` or ``imsmd``."""
    ns = namespace(el)
    if ns == LOM_NS:
        return "lom"
    if ns in IMSMD_NAMESPACES:
        return "imsmd"
    return "lom-no-namespace" if not ns else "lom-other-namespace"


def as_lom(el: etree._Element) -> etree._Element:
    """``el`` as a ``<lom>`` element in the LOM namespace (a copy when it was not)."""
    ns = namespace(el)
    if ns == LOM_NS and local(el.tag) == "lom":
        return el
    if ns in IMSMD_NAMESPACES:
        return _from_imsmd(el, None)
    return _renamespaced(el, ns)


def _renamespaced(el: etree._Element, ns: str) -> etree._Element:
    out = copy.deepcopy(el)
    prefix = f"{{{ns}}}" if ns else ""
    for node in out.iter():
        tag = node.tag
        if not isinstance(tag, str):
            continue
        if (prefix and tag.startswith(prefix)) or (not prefix and not tag.startswith("{")):
            node.tag = q(tag[len(prefix) :])
    out.tag = q("lom")
    etree.cleanup_namespaces(out)
    return out


def _from_imsmd(src: etree._Element, parent: etree._Element | None) -> etree._Element:
    ns = namespace(src)
    name = local(src.tag)
    if ns not in IMSMD_NAMESPACES:
        copied = copy.deepcopy(src)
        if parent is not None:
            parent.append(copied)
        return copied
    lom_name = IMSMD["elements"].get(name.lower(), name)
    if name.lower() == "record" and parent is None:
        lom_name = "lom"
    parent_name = local(parent.tag) if parent is not None else ""
    if lom_name == "dateTime" and parent_name in ("duration", "typicalLearningTime"):
        lom_name = "duration"
    if lom_name == "vcard" and parent is not None:  # centity/vcard, person/vcard
        parent.text = src.text
        return parent
    el = (
        etree.SubElement(parent, q(lom_name))
        if parent is not None
        else etree.Element(q(lom_name), nsmap=_LOM_NSMAP)
    )
    if lom_name == "string":
        lang = src.get(_XML_LANG) or src.get("lang") or src.get("language")
        if lang:
            el.set("language", lang)
        el.text = src.text
        return el
    flatten = (
        lom_name in _TEXTS
        or (lom_name == "entry" and parent_name == "identifier")
        or (lom_name == "source" and parent_name != "taxonPath")
    )
    if flatten:
        strings = [c for c in src if local(c.tag).lower() == "langstring"]
        el.text = (strings[0].text if strings else src.text) or ""
        return el
    if lom_name == "identifier" and len(src) == 0 and (src.text or "").strip():
        # IMS 1.2's general/identifier is a bare string: a LOM identifier needs a catalog.
        text = (src.text or "").strip()
        catalog = "URI" if ":" in text else "LOCAL"
        etree.SubElement(el, q("catalog")).text = catalog
        etree.SubElement(el, q("entry")).text = text
        return el
    if lom_name == "requirement" and any(local(c.tag).lower() in ("type", "name") for c in src):
        el = etree.SubElement(el, q("orComposite"))  # IMS 1.2 has no orComposite level
    if src.text and src.text.strip() and len(src) == 0:
        el.text = src.text
    for child in src:
        if isinstance(child.tag, str):
            _from_imsmd(child, el)
    return el
