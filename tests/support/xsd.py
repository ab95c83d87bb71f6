"""Official XML Schemas for tests, compiled once, offline.

The schemas live outside the project, in ``<repo>/../shared/standards`` (read
its README/SOURCES): the project never ships them. Every function here returns a
cached :class:`lxml.etree.XMLSchema`; when the standards folder is missing the
calling test fails with a message saying where it was looked for (as the root
``shared_dir`` fixture does).

Nothing is fetched from the network: every schema is loaded from a local file
with a parser that has ``no_network=True``, and the local copies use relative
``schemaLocation`` paths. The OAI-PMH *driver* schema is an in-memory XSD whose
base URL is the standards folder, so its relative imports resolve there.

Usage::

    from tests.support.xsd import lom_loose_schema, assert_valid
    assert_valid(lom_loose_schema(), record_to_lom(record))
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from lxml import etree

#: ``/work/shared`` resolved from this file: tests/support/xsd.py → repo → ../shared
SHARED_DIR = Path(__file__).resolve().parents[2].parent / "shared"
STANDARDS_DIR = SHARED_DIR / "standards"

LOM_NS = "http://ltsc.ieee.org/xsd/LOM"
OAI_NS = "http://www.openarchives.org/OAI/2.0/"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
OAI_ID_NS = "http://www.openarchives.org/OAI/2.0/oai-identifier"
PROVENANCE_NS = "http://www.openarchives.org/OAI/2.0/provenance"

#: The LOM flavours a driver schema can be built with. They all define the LOM
#: namespace, so one schema set can hold only one of them.
LOM_FLAVOURS = {
    "loose": "lom/lomLoose.xsd",
    "strict": "lom/lomStrict.xsd",
    "scolomfr-3.0": "scolomfr/xsd-3.0/scolomfr.xsd",
    "scolomfr-3.1": "scolomfr/xsd-3.1/scolomfr.xsd",
}

_PARSER = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)


def standards_dir() -> Path:
    """The standards folder; the calling test fails clearly when it is not there."""
    if not (STANDARDS_DIR / "lom" / "lomLoose.xsd").is_file():
        pytest.fail(
            f"official schemas not found in {STANDARDS_DIR}: clone the repo beside shared/",
            pytrace=False,
        )
    return STANDARDS_DIR


@cache
def _compile(relative: str) -> etree.XMLSchema:
    path = standards_dir() / relative
    return etree.XMLSchema(etree.parse(str(path), _PARSER))


def lom_loose_schema() -> etree.XMLSchema:
    """``lomLoose.xsd``: LOM structure, any vocabulary source/value, extensions allowed."""
    return _compile(LOM_FLAVOURS["loose"])


def lom_strict_schema() -> etree.XMLSchema:
    """``lomStrict.xsd``: LOMv1.0 vocabularies only (our own terms do not pass)."""
    return _compile(LOM_FLAVOURS["strict"])


def oai_dc_schema() -> etree.XMLSchema:
    return _compile("oai-pmh/oai_dc.xsd")


def scolomfr_schema(version: str = "3.0") -> etree.XMLSchema:
    """ScoLOMFR ``3.0`` (lax: legacy ids and labels allowed) or ``3.1`` (concept URIs only)."""
    return _compile(LOM_FLAVOURS[f"scolomfr-{version}"])


@cache
def oai_pmh_schema(lom: str = "loose") -> etree.XMLSchema:
    """One schema for a whole OAI-PMH response with embedded metadata.

    Imports ``OAI-PMH.xsd``, ``oai_dc.xsd``, ``oai-identifier.xsd``,
    ``provenance.xsd`` and the LOM flavour ``lom`` (one of
    :data:`LOM_FLAVOURS`; ``scolomfr-3.0`` validates ScoLOMFR records, which use
    the LOM namespace too, so LOM and ScoLOMFR cannot share one driver).
    """
    base = standards_dir()
    imports = [
        (OAI_NS, "oai-pmh/OAI-PMH.xsd"),
        (OAI_DC_NS, "oai-pmh/oai_dc.xsd"),
        (OAI_ID_NS, "oai-pmh/oai-identifier.xsd"),
        (PROVENANCE_NS, "oai-pmh/provenance.xsd"),
        (LOM_NS, LOM_FLAVOURS[lom]),
    ]
    body = "".join(f'<xs:import namespace="{ns}" schemaLocation="{loc}"/>' for ns, loc in imports)
    driver = (
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" '
        'targetNamespace="urn:mawarid:test:oai-driver" elementFormDefault="qualified">'
        f"{body}</xs:schema>"
    )
    doc = etree.fromstring(driver.encode(), _PARSER, base_url=(base / "driver.xsd").as_uri())
    return etree.XMLSchema(doc)


def _as_tree(doc) -> etree._ElementTree | etree._Element:
    if isinstance(doc, (bytes, bytearray)):
        return etree.fromstring(bytes(doc), _PARSER)
    if isinstance(doc, str):
        return etree.fromstring(doc.encode("utf-8"), _PARSER)
    return doc


def validation_errors(schema: etree.XMLSchema, doc) -> list[str]:
    """The XSD error log as ``line N: message`` strings (empty when valid)."""
    if schema.validate(_as_tree(doc)):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]


def assert_valid(schema: etree.XMLSchema, doc) -> None:
    """Fail with the XSD error log (and the start of the document) when ``doc`` is invalid."""
    tree = _as_tree(doc)
    errors = validation_errors(schema, tree)
    if errors:
        text = etree.tostring(tree, encoding="unicode", pretty_print=True)
        excerpt = text if len(text) < 4000 else text[:4000] + "\n…"
        pytest.fail(
            "XSD validation failed:\n  "
            + "\n  ".join(errors[:30])
            + f"\n--- document ---\n{excerpt}",
            pytrace=False,
        )
