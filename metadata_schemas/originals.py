"""What a record keeps as the partner wrote it: ``original`` values and ``verbatim`` elements.

An imported value that Mawarid's vocabularies do not know is never refused: it is
kept in its group's ``original`` list, and when a crosswalk or a label match finds
a Mawarid term, that term is put in the field too (see :mod:`metadata_schemas.record`).
``how`` says how the two relate:

========== ==================================================================
spelling   the same term, spelled another way (a ScoLOMFR URI, ``fre``, a
           MIME type as a URI): kept for an exact export, nothing to review
crosswalk  proposed by a crosswalk table (``metadata_schemas/crosswalks``)
label      proposed because a label matched a Mawarid term
parsed     read from a text (``"7-11 ans"`` → ``7-11``)
chosen     a documentalist chose the term in the review queue
none       no Mawarid equivalent: kept as it is, shown and exported as it is
========== ==================================================================

Everything but ``spelling`` is listed for review (see :mod:`metadata_schemas.notes`).
"""

from __future__ import annotations

from lxml import etree

from core.messages import N_, Message

from .errors import UnsafeXMLError
from .safe_xml import parse_xml

HOW = ("spelling", "crosswalk", "label", "parsed", "chosen", "none")
#: How an original relates to its Mawarid term, as the staff console says it.
HOW_LABELS = {
    "spelling": N_("the same term, spelled another way"),
    "crosswalk": N_("proposed by a crosswalk"),
    "label": N_("matched by its label"),
    "parsed": N_("read from the text"),
    "chosen": N_("chosen by a documentalist"),
    "none": N_("no Mawarid equivalent"),
}
#: Originals a documentalist should look at before the record goes to validation.
TO_REVIEW = frozenset({"crosswalk", "label", "parsed", "none"})


def check_verbatim(xml: str) -> Message | None:
    """``None`` when ``xml`` is one well-formed element, else what is wrong with it."""
    try:
        root = parse_xml(xml.encode("utf-8"), source="verbatim")
    except UnsafeXMLError:
        return Message(N_("not one well-formed XML element"))
    if not isinstance(root.tag, str):
        return Message(N_("not one well-formed XML element"))
    return None


def canonical(element: etree._Element) -> str:
    """One element as exclusive canonical XML (the namespaces it uses declared on it,
    comments dropped): how a kept element is stored, self-contained."""
    return etree.tostring(element, method="c14n", exclusive=True, with_comments=False).decode(
        "utf-8"
    )
