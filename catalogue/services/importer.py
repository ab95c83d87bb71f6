"""``mawarid import``: LOM XML files, folders, zip archives and JSON lines → draft resources.

Sources:

* ``*.xml`` — one LOM record per file (read by :func:`metadata_schemas.lom_xml.lom_to_record`
  through the safe parser; a ``general.identifier`` of catalog ``mawarid`` gives the id);
* ``*.jsonl`` / ``*.ndjson`` — one record per line: the record object itself, with
  optional ``id`` and ``acquisition`` keys (or ``{"id", "record", "acquisition"}``);
* a folder — every such file below it, in name order (symbolic links not followed);
  a ``<name>.provenance.json`` beside ``<name>.xml`` (what ``mawarid export`` writes)
  gives the record its acquisition and the steps done, so a catalogue moves between
  instances with its provenance (decisions are recorded again only with
  ``--migrate-validated``; attached files are not part of an export);
* ``*.zip`` — the same, read member by member without extracting anything to disk;
  members with absolute or ``..`` paths, encrypted, nested archives, or oversized
  (or suspiciously compressed) members are refused.

Guarantees:

* **atomic per record**: each record is written inside a SAVEPOINT; a refused record
  leaves nothing behind. Records are committed in batches; a crash loses at most the
  batch in progress, never half a record;
* **resumable, idempotent**: a record without an id gets one derived from its content
  (``mw-`` + 10 base32 characters of its SHA-256), so running the same import again
  finds every committed record and skips it; an id already used by *different*
  content is refused as a duplicate;
* **a report, line by line**: ``lessons/a.xml: general.title: required``.

``--migrate-validated REFERENCE`` is for catalogues validated before Mawarid: each
new record is submitted, recorded as found "conforme" by the validation commission
under ``REFERENCE`` (the PV), and published.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import stat
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from ..errors import CatalogueError, DuplicateIdentifier, InvalidInput
from ..store.models import Resource
from .actors import SYSTEM, Actor
from .resources import ResourceService, Work, _strip_catalogue_ids, check_resource_id
from .views import ImportReport

MAX_FILE_BYTES = 20 * 1024 * 1024  # one XML file, one zip member, one JSON line file
MAX_LINE_BYTES = 5 * 1024 * 1024
MAX_ZIP_MEMBERS = 100_000
MAX_ZIP_TOTAL = 2 * 1024 * 1024 * 1024  # uncompressed bytes read from one archive
MAX_COMPRESSION_RATIO = 200  # XML compresses well, but not like a zip bomb
XML_SUFFIXES = (".xml",)
SIDECAR = ".provenance.json"
JSONL_SUFFIXES = (".jsonl", ".ndjson")


@dataclass
class Item:
    """One record to import, or the reason it could not even be read."""

    source: str
    data: Any = None
    kind: str = "record"  # "record" (dict, to be validated) | "lom" (bytes)
    resource_id: str | None = None
    acquisition: Any = None
    error: str | None = None


def content_id(record: dict) -> str:
    canonical = json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode("utf-8")).digest()
    return "mw-" + base64.b32encode(digest).decode("ascii").lower()[:10]


def describe(exc: Exception) -> str:
    """One line: ``general.title: required; general.language[0]: unknown term ...``."""
    errors = getattr(exc, "errors", None)
    if errors:
        return "; ".join(f"{path}: {'; '.join(msgs)}" for path, msgs in sorted(errors.items()))
    message = getattr(exc, "message", None) or str(exc)
    return " ".join(str(message).split())


# -- reading sources ------------------------------------------------------------


def iter_items(paths: Iterable[str | Path], report: ImportReport) -> Iterator[Item]:
    for path in paths:
        path = Path(path)
        if path.is_dir():
            for root, dirs, files in os.walk(path, followlinks=False):
                dirs.sort()
                for name in sorted(files):
                    file = Path(root) / name
                    label = str(file.relative_to(path.parent)) if path.parent != file else name
                    if file.is_symlink():
                        report.ignored.append((label, "symbolic link not followed"))
                    elif name.endswith(SIDECAR):
                        continue  # read with its record
                    elif file.suffix.lower() in XML_SUFFIXES + JSONL_SUFFIXES + (".zip",):
                        yield from _iter_file(file, label)
                    else:
                        report.ignored.append((label, "not a .xml, .jsonl or .zip file"))
        elif path.is_file():
            if path.suffix.lower() in XML_SUFFIXES + JSONL_SUFFIXES + (".zip",):
                yield from _iter_file(path, path.name)
            else:
                yield Item(path.name, error="not a LOM XML (.xml), JSON lines (.jsonl) or zip file")
        else:
            yield Item(str(path), error="no such file or folder")


def _iter_file(path: Path, label: str) -> Iterator[Item]:
    suffix = path.suffix.lower()
    try:
        if suffix == ".zip":
            yield from _iter_zip(path, label)
            return
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            yield Item(label, error=f"file too large ({size} bytes, at most {MAX_FILE_BYTES})")
            return
        data = path.read_bytes()
        sidecar_path = path.with_name(path.name[: -len(path.suffix)] + SIDECAR)
        sidecar = (
            sidecar_path.read_bytes()[: MAX_LINE_BYTES + 1]
            if suffix in XML_SUFFIXES and sidecar_path.is_file()
            else None
        )
    except (OSError, zipfile.BadZipFile) as exc:
        yield Item(label, error=f"cannot read: {exc.strerror if isinstance(exc, OSError) else exc}")
        return
    yield from _iter_bytes(data, label, suffix, sidecar)


def _iter_bytes(
    data: bytes, label: str, suffix: str, sidecar: bytes | None = None
) -> Iterator[Item]:
    if suffix in XML_SUFFIXES:
        try:
            acquisition = acquisition_from_sidecar(sidecar) if sidecar is not None else None
        except ValueError as exc:
            yield Item(label, error=f"{SIDECAR[1:]} beside it: {exc}")
            return
        yield Item(label, data=data, kind="lom", acquisition=acquisition)
    else:
        yield from _iter_jsonl(data, label)


def acquisition_from_sidecar(data: bytes) -> dict | None:
    """The acquisition (with the steps done) of a provenance document written by the export."""
    if len(data) > MAX_LINE_BYTES:
        raise ValueError("too large")
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"not a JSON provenance document ({exc})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("acquisition"), (dict, type(None))):
        raise ValueError("not a provenance document (no acquisition object)")
    acq = doc["acquisition"]
    if acq is None:
        return None
    out = {
        k: acq[k]
        for k in (
            "mode",
            "procedure",
            "reference",
            "counterpart",
            "started_on",
            "completed_on",
            "note",
        )
        if acq.get(k) is not None
    }
    steps = acq.get("steps") or []
    if not isinstance(steps, list):
        raise ValueError("acquisition.steps is not a list")
    out["steps"] = [
        {
            k: step[k]
            for k in ("id", "status", "date", "actors", "commission", "note")
            if step.get(k) is not None
        }
        for step in steps
        if isinstance(step, dict) and step.get("status") not in (None, "pending")
    ]
    return out


def _iter_jsonl(data: bytes, label: str) -> Iterator[Item]:
    for number, raw in enumerate(data.split(b"\n"), start=1):
        if not raw.strip():
            continue
        source = f"{label}:{number}"
        if len(raw) > MAX_LINE_BYTES:
            yield Item(source, error=f"line too long ({len(raw)} bytes, at most {MAX_LINE_BYTES})")
            continue
        try:
            obj = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            yield Item(source, error="not UTF-8")
            continue
        except json.JSONDecodeError as exc:
            yield Item(source, error=f"not JSON: {exc.msg} at column {exc.colno}")
            continue
        if not isinstance(obj, dict):
            yield Item(source, error="a line must hold one JSON object (a record)")
            continue
        rid = obj.get("id")
        acquisition = obj.get("acquisition")
        record = (
            obj["record"]
            if isinstance(obj.get("record"), dict)
            else {k: v for k, v in obj.items() if k not in ("id", "acquisition")}
        )
        yield Item(source, data=record, resource_id=rid, acquisition=acquisition)


def _iter_zip(path: Path, label: str) -> Iterator[Item]:
    with zipfile.ZipFile(path) as archive:
        members = archive.infolist()
        if len(members) > MAX_ZIP_MEMBERS:
            yield Item(label, error=f"too many members ({len(members)}, at most {MAX_ZIP_MEMBERS})")
            return
        total = 0
        by_name = {info.filename: info for info in members}
        for info in sorted(members, key=lambda i: i.filename):
            name = info.filename
            source = f"{label}!{name}"
            if info.is_dir():
                continue
            pure = PurePosixPath(name.replace("\\", "/"))
            if pure.is_absolute() or ".." in pure.parts or ":" in pure.parts[0]:
                yield Item(source, error="unsafe path in archive (absolute or with '..')")
                continue
            if stat.S_ISLNK(info.external_attr >> 16):
                yield Item(source, error="symbolic link in archive not followed")
                continue
            suffix = pure.suffix.lower()
            if suffix not in XML_SUFFIXES + JSONL_SUFFIXES:
                if suffix == ".zip":
                    yield Item(source, error="nested archives are not read")
                continue  # README, images… are not records
            if info.flag_bits & 0x1:
                yield Item(source, error="encrypted member")
                continue
            if info.file_size > MAX_FILE_BYTES:
                yield Item(
                    source,
                    error=f"member too large ({info.file_size} bytes, at most {MAX_FILE_BYTES})",
                )
                continue
            if info.compress_size and info.file_size / info.compress_size > MAX_COMPRESSION_RATIO:
                yield Item(source, error="suspicious compression ratio (zip bomb?)")
                continue
            total += info.file_size
            if total > MAX_ZIP_TOTAL:
                yield Item(
                    source, error=f"archive too large uncompressed (over {MAX_ZIP_TOTAL} bytes)"
                )
                return
            try:
                with archive.open(info) as fh:
                    data = fh.read(MAX_FILE_BYTES + 1)  # never trust the declared size
            except (zipfile.BadZipFile, OSError, RuntimeError, EOFError) as exc:
                yield Item(source, error=f"cannot read member: {exc}")
                continue
            if len(data) > MAX_FILE_BYTES:
                yield Item(source, error="member larger than declared")
                continue
            sidecar = None
            side = (
                by_name.get(name[: -len(pure.suffix)] + SIDECAR) if suffix in XML_SUFFIXES else None
            )
            if side is not None and side.file_size <= MAX_LINE_BYTES:
                try:
                    with archive.open(side) as fh:
                        sidecar = fh.read(MAX_LINE_BYTES + 1)
                except (zipfile.BadZipFile, OSError, RuntimeError, EOFError) as exc:
                    yield Item(source, error=f"cannot read {side.filename}: {exc}")
                    continue
            yield from _iter_bytes(data, source, suffix, sidecar)


# -- writing --------------------------------------------------------------------


class Importer:
    def __init__(
        self,
        resources: ResourceService,
        *,
        actor: Actor = SYSTEM,
        migrate_reference: str | None = None,
        default_acquisition: dict | None = None,
        batch_size: int = 200,
    ) -> None:
        self.resources = resources
        self.actor = actor
        self.migrate_reference = migrate_reference
        self.default_acquisition = default_acquisition
        self.batch_size = max(1, batch_size)
        if migrate_reference is not None and not migrate_reference.strip():
            raise InvalidInput("--migrate-validated needs the reference of the validation decision")

    def run(
        self, paths: Iterable[str | Path], *, progress: Callable[[ImportReport], None] | None = None
    ) -> ImportReport:
        report = ImportReport()
        batch: list[Item] = []
        for item in iter_items(paths, report):
            if item.error:
                report.refused.append((item.source, item.error))
                continue
            batch.append(item)
            if len(batch) >= self.batch_size:
                self._write(batch, report)
                batch = []
                if progress:
                    progress(report)
        if batch:
            self._write(batch, report)
        if progress:
            progress(report)
        return report

    def _write(self, items: list[Item], report: ImportReport) -> None:
        # Outcomes count only once the batch is committed.
        pending = ImportReport()
        with self.resources.batch() as work:
            for item in items:
                try:
                    with work.savepoint():
                        self._one(work, item, pending)
                except CatalogueError as exc:
                    pending.refused.append((item.source, describe(exc)))
                except Exception as exc:
                    from metadata_schemas.errors import MetadataError

                    if not isinstance(exc, MetadataError):
                        raise
                    pending.refused.append((item.source, describe(exc)))
        for name in ("created", "published", "skipped", "refused"):
            getattr(report, name).extend(getattr(pending, name))

    def _one(self, work: Work, item: Item, report: ImportReport) -> None:
        from metadata_schemas.record import load_record

        if item.kind == "lom":
            from metadata_schemas.lom_xml import lom_to_record, mawarid_identifier

            loaded = lom_to_record(item.data, source=item.source)
            rid = mawarid_identifier(loaded)
        else:
            loaded = load_record(item.data, record=item.source)
            rid = item.resource_id
        record = _strip_catalogue_ids(loaded)
        rid = check_resource_id(rid) if rid is not None else content_id(record)
        existing = work.session.get(Resource, rid)
        if existing is not None:
            if existing.record != record:
                raise DuplicateIdentifier(f"{rid} is already in the catalogue with other content")
            if not (self.migrate_reference and existing.status == "draft"):
                report.skipped.append(rid)
                return
        else:
            acquisition = (
                item.acquisition if item.acquisition is not None else self.default_acquisition
            )
            work.create_draft(self.actor, record, acquisition=acquisition, resource_id=rid)
            report.created.append(rid)
        if self.migrate_reference:
            work.submit(
                SYSTEM,
                rid,
                note="migration of an already-validated catalogue",
                validated_elsewhere=True,
            )
            work.decide(
                SYSTEM,
                rid,
                commission="validation",
                decision="conforme",
                reference=self.migrate_reference.strip(),
                note=f"decision taken before Mawarid; recorded by {self.actor.username}",
            )
            work.publish(SYSTEM, rid, note="migration")
            report.published.append(rid)
