"""One partner record → a catalogue record and its notes: the intake, for harvested records.

:func:`read_record` is the one place the harvester turns a record's metadata element
into a record, and it does so exactly as ``mawarid import`` reads an OAI-PMH file: the
intake's detection step (:func:`metadata_schemas.families.metadata_record`: LOM in any
binding — IEEE LOM, LOM-FR, ScoLOMFR, Normetic, IMS MD —, Dublin Core, a wrapper) and
its reading (:func:`catalogue.intake.incoming.read_found`: the tolerant readers,
crosswalks, values kept as written, proposals, a mojibake check). What the format is
decides, not the ``metadataPrefix`` the source asks (partners name their formats
``oai_lom``, ``lom``, ``lomfr``, ``scolomfr``, ``ims1_2_1``…). A value Mawarid does
not know never refuses a record: it is kept and noted (:class:`~metadata_schemas.notes.Note`),
and the notes go to the review queue with the record (:mod:`catalogue.intake.queue`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from catalogue.intake.incoming import read_found
from core.errors import MawaridError
from core.messages import N_, Message
from metadata_schemas.errors import MetadataError, UnsupportedFormatError
from metadata_schemas.families import metadata_record
from metadata_schemas.notes import Note


@dataclass(frozen=True)
class Read:
    """A record read (``record``, ``notes``, ``family``); or why it could not be (``problem``)."""

    record: dict[str, Any] | None
    notes: tuple[Note, ...] = field(default_factory=tuple)
    problem: Message | None = None
    family: str = ""


def read_record(metadata: etree._Element | None, metadata_prefix: str, *, source: str) -> Read:
    """Read the element inside ``<metadata>`` of one OAI-PMH record (``source``: its label)."""
    if metadata is None:
        return Read(None, problem=Message(N_("the record has no metadata")))
    found = metadata_record(metadata, source)
    if found.kind == "error" or found.element is None:
        if isinstance(found.error, UnsupportedFormatError):
            return Read(
                None,
                problem=Message(
                    N_(
                        "metadata in %(namespace)s is not a format Mawarid reads (asked: %(prefix)s)"
                    ),
                    namespace=etree.QName(metadata).namespace or "-",
                    prefix=metadata_prefix,
                ),
                family=found.family,
            )
        return Read(None, problem=_problem(found.error), family=found.family)
    one = read_found(found)
    if one.accepted is None:
        return Read(None, problem=_problem(one.error), family=found.family)
    return Read(one.accepted.record, tuple(one.accepted.notes), family=found.family)


def _problem(error: Message | MawaridError | None) -> Message:
    """Why a record was refused, as a message read later in the reader's language."""
    if error is None:
        return Message(N_("the record has no metadata"))
    if isinstance(error, Message):
        return error
    if isinstance(error, MetadataError) and error.errors:
        path, messages = sorted(error.errors.items())[0]
        first = messages[0] if messages else ""
        return Message(
            N_("refused: %(problem)s (%(field)s: %(reason)s)"),
            problem=error.msg,
            field=path,
            reason=first if isinstance(first, Message) else str(first),
        )
    return Message(N_("refused: %(problem)s"), problem=error.msg)
