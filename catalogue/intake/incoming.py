"""From items (files, zip members) to incoming records, each accepted or refused alone.

An XML document goes through the one safe parser and the one detection step
(:func:`metadata_schemas.families.records_in`); each record it holds is read by
its family's reader and accepted (:mod:`metadata_schemas.accept`). JSON lines and
spreadsheet rows are accepted the same way. A record whose text is mojibake (UTF-8
read as Latin-1: ``Ã©``, ``Ø§Ù„``) is refused rather than stored: its file
declares an encoding its bytes do not use.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from lxml import etree

from core.errors import MawaridError
from core.messages import N_, Message
from metadata_schemas.accept import Accepted, accept_record
from metadata_schemas.dc_reader import accept_dublin_core
from metadata_schemas.errors import MetadataError
from metadata_schemas.families import Found, records_in
from metadata_schemas.lom_reader import accept_lom, find_lom, mawarid_identifier
from metadata_schemas.notes import Note
from metadata_schemas.safe_xml import parse_xml

from . import spreadsheet
from .sidecar import acquisition_from_sidecar
from .sources import Item

MAX_LINE_BYTES = 5 * 1024 * 1024
log = logging.getLogger(__name__)


@dataclass
class Incoming:
    """One record to write (``accepted``), or why not (``error``), or a deleted OAI record."""

    label: str
    family: str
    accepted: Accepted | None = None
    error: Message | MawaridError | None = None
    resource_id: str | None = None
    identifier: str | None = None
    acquisition: Any = None
    deleted: bool = False

    def key(self) -> str:
        """The resource id: given, the record's Mawarid id, else one derived from the
        partner's identifier (the same record imported again updates it), else from the
        content."""
        if self.resource_id:
            return self.resource_id
        assert self.accepted is not None
        record = self.accepted.record
        own = mawarid_identifier(record)
        if own:
            return own
        partner = self.identifier or partner_identifier(record)
        if partner:
            return derived_id("id", partner)
        return content_id(record)


def partner_identifier(record: dict[str, Any]) -> str | None:
    for ident in (record.get("general") or {}).get("identifier") or []:
        if str(ident.get("catalog", "")).lower() != "mawarid" and ident.get("entry"):
            return f"{ident.get('catalog', '')}:{ident['entry']}"
    locations = (record.get("technical") or {}).get("location") or []
    return f"URL:{locations[0]}" if locations else None


def derived_id(kind: str, text: str) -> str:
    digest = hashlib.sha256(f"{kind}\x1f{text}".encode()).digest()
    return "mw-" + base64.b32encode(digest).decode("ascii").lower()[:10]


def content_id(record: dict[str, Any]) -> str:
    canonical = json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode("utf-8")).digest()
    return "mw-" + base64.b32encode(digest).decode("ascii").lower()[:10]


def incoming(item: Item) -> Iterator[Incoming]:
    """Every record of one item, accepted or refused alone."""
    if item.kind == "xml":
        yield from _xml(item)
    elif item.kind == "jsonl":
        yield from _jsonl(item)
    else:
        yield from _sheet(item)


def _stem(label: str) -> str:
    return PurePosixPath(label.split("!")[-1]).stem


def _xml(item: Item) -> Iterator[Incoming]:
    try:
        root = parse_xml(item.data, source=item.label)
    except MetadataError as exc:
        yield Incoming(item.label, "xml", error=exc)
        return
    try:
        acquisition = acquisition_from_sidecar(item.sidecar) if item.sidecar is not None else None
    except ValueError as exc:
        yield Incoming(
            item.label,
            "xml",
            error=Message(N_("provenance.json beside it: %(reason)s"), reason=str(exc)),
        )
        return
    everything = list(records_in(root, item.label))
    single = sum(1 for found in everything if found.kind in ("lom", "dc")) == 1
    for found in everything:
        if found.kind == "error":
            yield Incoming(found.label, found.family, error=found.error)
            continue
        if found.kind == "deleted":
            yield Incoming(found.label, found.family, identifier=found.identifier, deleted=True)
            continue
        # A file of one record may title it; a file of many cannot title each of them.
        fallback = found.fallback_title or (_stem(item.label) if single else None)
        if found.href is not None or found.element is None:
            try:
                found.element = _external(item, found.href, found.label)
            except MetadataError as exc:
                yield Incoming(found.label, found.family, error=exc)
                continue
            except Exception:  # as in read_found: this record refused, never the batch
                log.exception("cannot read %s", found.label)
                yield Incoming(found.label, found.family, error=internal_error())
                continue
        one = read_found(found, fallback_title=fallback)
        one.acquisition = acquisition
        yield one


def read_found(found: Found, *, fallback_title: str | None = None) -> Incoming:
    """One record found by the detection step (``kind`` ``lom`` or ``dc``, its element
    given), read by its family's reader and accepted with its notes — or refused alone,
    with the reason. The one reading of a partner's record: ``mawarid import`` and the
    harvester (``harvesters.reading``) both go through it."""
    assert found.element is not None
    try:
        if found.kind == "dc":
            accepted = accept_dublin_core(
                found.element, source=found.label, fallback_title=fallback_title
            )
        else:
            accepted = accept_lom(found.element, source=found.label, fallback_title=fallback_title)
        if found.made:
            accepted.notes.append(Note("made_from_manifest", {}))
        if found.components:
            accepted.notes.append(Note("components", {"count": found.components}, review=False))
    except MetadataError as exc:
        return Incoming(found.label, found.family, error=exc, identifier=found.identifier)
    except Exception:  # a reader's bug on odd partner XML refuses this record, not the batch
        log.exception("cannot read %s", found.label)
        return Incoming(
            found.label, found.family, error=internal_error(), identifier=found.identifier
        )
    bad = mojibake_in(accepted.record)
    if bad:
        return Incoming(
            found.label, found.family, error=_mojibake(bad), identifier=found.identifier
        )
    return Incoming(found.label, found.family, accepted=accepted, identifier=found.identifier)


def _external(item: Item, href: str | None, label: str) -> etree._Element:
    """The LOM of a manifest's ``adlcp:location``, read from the same package."""
    if href is None:
        raise MetadataError(N_("adlcp:location points outside the package"), record=label)
    data = item.package.read(href)
    if data is None:
        raise MetadataError(
            N_("adlcp:location names %(href)s, which is not in the package"),
            record=label,
            href=href,
        )
    root = parse_xml(data, source=f"{label} → {href}")
    return find_lom(root, f"{label} → {href}")


def _jsonl(item: Item) -> Iterator[Incoming]:
    for number, raw in enumerate(item.data.split(b"\n"), start=1):
        if not raw.strip():
            continue
        label = f"{item.label}:{number}"
        if len(raw) > MAX_LINE_BYTES:
            yield Incoming(
                label,
                "json",
                error=Message(
                    N_("line too long (%(size)s bytes, at most %(max)s)"),
                    size=len(raw),
                    max=MAX_LINE_BYTES,
                ),
            )
            continue
        try:
            obj = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            yield Incoming(label, "json", error=Message(N_("not UTF-8")))
            continue
        except (json.JSONDecodeError, RecursionError) as exc:
            reason = (
                f"{exc.msg} at column {exc.colno}"
                if isinstance(exc, json.JSONDecodeError)
                else "nested too deep"
            )
            yield Incoming(label, "json", error=Message(N_("not JSON: %(reason)s"), reason=reason))
            continue
        if not isinstance(obj, dict):
            yield Incoming(
                label, "json", error=Message(N_("a line must hold one JSON object (a record)"))
            )
            continue
        record = (
            obj["record"]
            if isinstance(obj.get("record"), dict)
            else {k: v for k, v in obj.items() if k not in ("id", "acquisition")}
        )
        yield _accept(
            label, "json", record, resource_id=obj.get("id"), acquisition=obj.get("acquisition")
        )


def _sheet(item: Item) -> Iterator[Incoming]:
    for row in spreadsheet.rows(item.data, item.kind, item.label):
        if row.error is not None:
            yield Incoming(row.label, item.kind, error=row.error)
        else:
            yield _accept(row.label, item.kind, row.record, resource_id=row.resource_id)


def _accept(
    label: str, family: str, record: Any, *, resource_id: Any = None, acquisition: Any = None
) -> Incoming:
    if resource_id is not None and not isinstance(resource_id, str):
        return Incoming(
            label, family, error=Message(N_("bad resource id %(id)s"), id=json.dumps(resource_id))
        )
    try:
        accepted = accept_record(record, source=label, fallback_title=None)
    except MetadataError as exc:
        return Incoming(label, family, error=exc)
    except Exception:  # as above: one record refused, never the batch
        log.exception("cannot read %s", label)
        return Incoming(label, family, error=internal_error())
    bad = mojibake_in(accepted.record)
    if bad:
        return Incoming(label, family, error=_mojibake(bad))
    return Incoming(
        label, family, accepted=accepted, resource_id=resource_id, acquisition=acquisition
    )


# Latin-1/cp1252 letters that start a UTF-8 sequence, followed by what its continuation
# bytes look like once mis-decoded: "Ã©" (é), "â€™" (’), "Ø§" (ا), "Ù„" (ل).
_SUSPECT = re.compile(
    "[ÂÃÄÅÆØÙÚÛâ][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013\u2014\u2018\u2019\u201a\u201c\u201d\u201e\u2020\u2021\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]+"
)


def mojibake(text: str) -> str | None:
    """The first stretch of ``text`` that is UTF-8 read as Latin-1 or cp1252, if any."""
    for match in _SUSPECT.finditer(text):
        chunk = match.group(0)
        for encoding in ("cp1252", "latin-1"):
            try:
                chunk.encode(encoding).decode("utf-8")
            except (UnicodeEncodeError, UnicodeDecodeError):
                continue
            return chunk
    return None


def mojibake_in(record: dict[str, Any]) -> str | None:
    dumped = json.dumps(record, ensure_ascii=False)
    found = mojibake(dumped)
    if found is None:
        return None
    start = max(0, dumped.find(found) - 20)
    return dumped[start : start + 60]


def internal_error() -> Message:
    return Message(
        N_("this record could not be read (an error of Mawarid, logged for its developers)")
    )


def _mojibake(excerpt: str) -> Message:
    return Message(
        N_(
            "mis-encoded text (mojibake) « %(excerpt)s »: the file's bytes are UTF-8 but it "
            "declares another encoding; fix its XML declaration (or save it as UTF-8)"
        ),
        excerpt=excerpt,
    )
