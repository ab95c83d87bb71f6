"""One partner record → a catalogue record and the warnings about it: the intake step.

:func:`read_record` is the one place the harvester turns a record's metadata element
into a record: the OAI-PMH loop never knows which reader ran. LOM-family formats go
through :func:`metadata_schemas.lom_xml.lom_to_record`; ``oai_dc`` through the
crosswalk of :mod:`harvesters.dublin_core` (both to be replaced by the intake of
issue 12 — its tolerant readers, crosswalks and review notes — when it lands).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from core.messages import N_, Message
from metadata_schemas.errors import MetadataError
from metadata_schemas.lom_xml import LOM_NS, lom_to_record

from .dublin_core import OAI_DC_NS, dc_to_record


@dataclass(frozen=True)
class Read:
    """A record read (``record``), with notes; or why it could not be (``problem``)."""

    record: dict[str, Any] | None
    notes: tuple[Message, ...] = field(default_factory=tuple)
    problem: Message | None = None


def read_record(metadata: etree._Element | None, metadata_prefix: str, *, source: str) -> Read:
    """Read the element inside ``<metadata>`` of one OAI-PMH record."""
    if metadata is None:
        return Read(None, problem=Message(N_("the record has no metadata")))
    namespace = etree.QName(metadata).namespace
    try:
        if namespace == OAI_DC_NS:
            record, notes = dc_to_record(metadata)
            from metadata_schemas.record import load_record

            return Read(load_record(record, record=source), tuple(notes))
        if namespace == LOM_NS or metadata.find(f".//{{{LOM_NS}}}lom") is not None:
            return Read(lom_to_record(metadata, source=source))
    except MetadataError as exc:
        return Read(None, problem=_problem(exc))
    except (ValueError, TypeError, KeyError) as exc:  # a reader's bug on odd XML: one record
        return Read(
            None,
            problem=Message(N_("unreadable record (%(problem)s)"), problem=type(exc).__name__),
        )
    return Read(
        None,
        problem=Message(
            N_("metadata in %(namespace)s is not a format Mawarid reads (asked: %(prefix)s)"),
            namespace=namespace or "-",
            prefix=metadata_prefix,
        ),
    )


def _problem(exc: MetadataError) -> Message:
    details = "; ".join(
        f"{path}: {', '.join(map(str, msgs))}" for path, msgs in sorted(exc.errors.items())
    )
    return Message(
        N_("refused: %(problem)s%(details)s"),
        problem=exc.message,
        details=f" ({details})" if details else "",
    )
