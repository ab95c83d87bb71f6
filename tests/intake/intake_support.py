"""Helpers of the intake tests: reading corpus files, and the round-trip comparison."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lxml import etree

from metadata_schemas.errors import RecordValidationError
from metadata_schemas.families import records_in
from metadata_schemas.lom_binding import EXTENSION_NS, langstring_language
from metadata_schemas.lom_reader import accept_lom
from metadata_schemas.lom_variants import as_lom
from metadata_schemas.safe_xml import parse_xml

CORPUS = Path(__file__).parent / "corpus"
XSI = "{http://www.w3.org/2001/XMLSchema-instance}"


def lom_records(name: str) -> list[tuple[etree._Element, Any]]:
    """``(lom element as written, accepted record)`` of every readable LOM record of a
    corpus file (records refused for good reasons are left out)."""
    path = CORPUS / name
    root = parse_xml(path.read_bytes(), source=name)
    out = []
    for found in records_in(root, name):
        if found.kind == "lom" and found.element is not None:
            try:
                out.append((found.element, accept_lom(found.element, source=name, propose=False)))
            except RecordValidationError:
                continue
    assert out, f"{name}: no readable LOM record"
    return out


def leaves(el: etree._Element, path: str = "") -> list[tuple[str, tuple, str]]:
    """Every text leaf of a LOM element: (path of local names, attributes, text).

    Language attributes are compared as the language they name (``fre``,
    ``fr-FR`` and the ISO 639-2 URI are French); whitespace is normalised.
    """
    name = etree.QName(el).localname
    here = f"{path}/{name}"
    children = [c for c in el if isinstance(c.tag, str)]
    out: list[tuple[str, tuple, str]] = []
    if not children:
        text = " ".join((el.text or "").split())
        if text:
            attrs = {
                k: (langstring_language(v) or "x-none") if k == "language" else v
                for k, v in el.attrib.items()
                if not k.startswith(XSI) and k != "type"
            }
            out.append((here, tuple(sorted(attrs.items())), text))
    for child in children:
        out.extend(leaves(child, here))
    return out


def language_values(leaf: tuple[str, tuple, str]) -> tuple[str, tuple, str]:
    """A ``<language>`` value compared as the language it names."""
    path, attrs, text = leaf
    if path.endswith("/language"):
        return path, attrs, langstring_language(text) or text
    return leaf


def missing_after_export(written: etree._Element, exported: etree._Element) -> list[Any]:
    """Leaves of the record as written (in the LOM binding) absent from the export.

    Mawarid's extension namespace (a vocabulary label LOM has no element for) counts
    as the place of the value it holds.
    """
    out = {language_values(leaf) for leaf in leaves(exported)}
    plain = {(p, t) for p, _, t in out}
    missing = []
    for leaf in leaves(as_lom(written)):
        leaf = language_values(leaf)
        # A string written without a language gets one on export: compare its path and text.
        if leaf not in out and not (not leaf[1] and (leaf[0], leaf[2]) in plain):
            missing.append(leaf)
    return missing


__all__ = ["CORPUS", "EXTENSION_NS", "leaves", "lom_records", "missing_after_export"]
