"""Reading what ``mawarid import`` is given: files, folders, zip archives, safely.

Yields :class:`Item`\\ s: one per file (or zip member) Mawarid reads, with its bytes
and a label for reports (``lot/a.xml``, ``lot.zip!b/c.xml``), or the reason it was
refused. What is refused up front, before reading anything:

- special files (FIFOs, devices, sockets): reading them would block or never end;
- symbolic links inside folders and archives (not followed);
- files over :data:`MAX_FILE_BYTES`; in archives: absolute or ``..`` paths,
  encrypted or nested archives, members larger than declared or compressed
  suspiciously well (zip bombs), more than :data:`MAX_ZIP_MEMBERS` members.

A ``<name>.provenance.json`` beside ``<name>.xml`` (what ``mawarid export``
writes) is read with its record. Every item also carries a :class:`Package`, so
that a SCORM manifest can read the metadata file its ``adlcp:location`` names
from the same folder or archive.
"""

from __future__ import annotations

import os
import stat
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from core.messages import N_, Message
from metadata_schemas.errors import MetadataError
from metadata_schemas.families import manifest_locations
from metadata_schemas.safe_xml import parse_xml

MAX_FILE_BYTES = 20 * 1024 * 1024  # one XML file, one zip member, one spreadsheet
MAX_ZIP_MEMBERS = 100_000
MAX_ZIP_TOTAL = 2 * 1024 * 1024 * 1024  # uncompressed bytes read from one archive
MAX_COMPRESSION_RATIO = 200  # XML compresses well, but not like a zip bomb
SIDECAR = ".provenance.json"
MANIFEST = "imsmanifest.xml"
#: What is read, by file suffix.
KINDS = {
    ".xml": "xml",
    ".lom": "xml",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".csv": "csv",
    ".xlsx": "xlsx",
}


class Package:
    """The folder or archive an item came from: its other files, for ``adlcp:location``."""

    def __init__(self, read: Callable[[str], bytes | None], base: str = "") -> None:
        self._read = read
        self.base = base

    def read(self, href: str) -> bytes | None:
        """The bytes of ``href`` relative to the item's folder in the package, or None."""
        path = PurePosixPath(self.base) / href if self.base else PurePosixPath(href)
        return self._read(str(path))


NO_PACKAGE = Package(lambda _: None)


@dataclass
class Item:
    """One file to read, or the reason it could not even be read (``error``)."""

    label: str
    kind: str = "xml"
    data: bytes = b""
    sidecar: bytes | None = None
    package: Package = field(default=NO_PACKAGE)
    error: Message | None = None


def iter_items(paths: Iterable[str | Path]) -> Iterator[Item]:
    for path in map(Path, paths):
        try:
            info = path.stat()  # an explicit path: a symbolic link to a file is fine
        except OSError:
            yield Item(str(path), error=Message(N_("no such file or folder")))
            continue
        if stat.S_ISDIR(info.st_mode):
            yield from _folder(path)
        elif stat.S_ISREG(info.st_mode):
            yield from _file(path, path.name, info.st_size, _folder_package(path.parent, ""))
        else:
            yield Item(str(path), error=_special(info.st_mode))


def _special(mode: int) -> Message:
    return Message(
        N_("not a regular file (%(kind)s): refused without reading it"),
        kind="FIFO" if stat.S_ISFIFO(mode) else "socket" if stat.S_ISSOCK(mode) else "device",
    )


def _folder(path: Path) -> Iterator[Item]:
    consumed: set[Path] = set()
    for root, dirs, files in os.walk(path, followlinks=False):
        dirs.sort()
        base = Path(root)
        package = _folder_package(path, str(base.relative_to(path)))
        if MANIFEST in files and not (base / MANIFEST).is_symlink():
            consumed |= {base / href for href in _manifest_hrefs(base / MANIFEST)}
        for name in sorted(files):
            file = base / name
            if file in consumed:
                continue  # a SCORM manifest's metadata file: read with the manifest
            label = str(file.relative_to(path.parent))
            try:
                info = file.lstat()
            except OSError as exc:
                yield Item(
                    label,
                    error=Message(N_("cannot read: %(reason)s"), reason=exc.strerror or str(exc)),
                )
                continue
            if stat.S_ISLNK(info.st_mode):
                yield Item(label, error=Message(N_("symbolic link not followed")))
            elif not stat.S_ISREG(info.st_mode):
                yield Item(label, error=_special(info.st_mode))
            elif name.endswith(SIDECAR):
                continue  # read with its record
            elif file.suffix.lower() in (*KINDS, ".zip"):
                yield from _file(file, label, info.st_size, package)
            else:
                yield Item(label, kind="ignored")


def _folder_package(root: Path, base: str) -> Package:
    resolved_root = root.resolve()

    def read(relative: str) -> bytes | None:
        target = (root / relative).resolve()
        if resolved_root not in target.parents or not target.is_file():
            return None
        if target.stat().st_size > MAX_FILE_BYTES:
            return None
        return target.read_bytes()

    return Package(read, "" if base == "." else base)


def _file(path: Path, label: str, size: int, package: Package) -> Iterator[Item]:
    suffix = path.suffix.lower()
    if suffix == ".zip":
        try:
            yield from _zip(path, label)
        except (zipfile.BadZipFile, OSError) as exc:
            yield Item(
                label, error=Message(N_("not a readable zip archive: %(reason)s"), reason=str(exc))
            )
        return
    kind = KINDS.get(suffix)
    if kind is None:
        yield Item(
            label,
            error=Message(N_("not a file Mawarid imports (.xml, .jsonl, .csv, .xlsx or .zip)")),
        )
        return
    if size > MAX_FILE_BYTES:
        yield Item(
            label,
            error=Message(
                N_("file too large (%(size)s bytes, at most %(max)s)"),
                size=size,
                max=MAX_FILE_BYTES,
            ),
        )
        return
    try:
        with path.open("rb") as fh:  # a regular file: checked by the caller
            data = fh.read(MAX_FILE_BYTES + 1)
        sidecar_path = path.with_name(path.name[: -len(path.suffix)] + SIDECAR)
        sidecar = (
            sidecar_path.read_bytes()[: MAX_FILE_BYTES + 1]
            if kind == "xml" and sidecar_path.is_file()
            else None
        )
    except OSError as exc:
        yield Item(
            label, error=Message(N_("cannot read: %(reason)s"), reason=exc.strerror or str(exc))
        )
        return
    yield Item(label, kind=kind, data=data, sidecar=sidecar, package=package)


def _zip(path: Path, label: str) -> Iterator[Item]:
    with zipfile.ZipFile(path) as archive:
        members = archive.infolist()
        if len(members) > MAX_ZIP_MEMBERS:
            yield Item(
                label,
                error=Message(
                    N_("too many members (%(count)s, at most %(max)s)"),
                    count=len(members),
                    max=MAX_ZIP_MEMBERS,
                ),
            )
            return
        by_name = {info.filename: info for info in members}
        budget = [MAX_ZIP_TOTAL]
        consumed: set[str] = set()
        for info in members:
            pure = PurePosixPath(info.filename)
            if pure.name == MANIFEST and _member_problem(info) is None:
                base = PurePosixPath(info.filename).parent
                data = _read_member(archive, info, budget) or b""
                consumed |= {str(base / href) for href in _hrefs(data, f"{label}!{info.filename}")}

        def read_member(name: str) -> bytes | None:
            info = by_name.get(name)
            if info is None or _member_problem(info) is not None:
                return None
            return _read_member(archive, info, budget)

        for info in sorted(members, key=lambda i: i.filename):
            name = info.filename
            source = f"{label}!{name}"
            if info.is_dir() or name.endswith(SIDECAR) or name in consumed:
                continue
            pure = PurePosixPath(name.replace("\\", "/"))
            suffix = pure.suffix.lower()
            if suffix == ".zip":
                yield Item(source, error=Message(N_("nested archives are not read")))
                continue
            problem = _member_problem(info)
            if problem is not None:
                yield Item(source, error=problem)
                continue
            kind = KINDS.get(suffix)
            if kind is None:
                continue  # README, images, the package's content… are not records
            try:
                member = _read_member(archive, info, budget)
            except _TooMuch:
                yield Item(
                    source,
                    error=Message(
                        N_("archive too large uncompressed (over %(max)s bytes)"), max=MAX_ZIP_TOTAL
                    ),
                )
                return
            except (zipfile.BadZipFile, OSError, RuntimeError, EOFError) as exc:
                yield Item(
                    source, error=Message(N_("cannot read member: %(reason)s"), reason=str(exc))
                )
                continue
            if member is None:
                yield Item(source, error=Message(N_("member larger than declared")))
                continue
            data = member
            side = by_name.get(name[: -len(pure.suffix)] + SIDECAR) if kind == "xml" else None
            sidecar = read_member(side.filename) if side is not None else None
            yield Item(
                source,
                kind=kind,
                data=data,
                sidecar=sidecar,
                package=Package(read_member, str(pure.parent) if str(pure.parent) != "." else ""),
            )


def _manifest_hrefs(path: Path) -> list[str]:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return []
        return _hrefs(path.read_bytes(), str(path))
    except OSError:
        return []


def _hrefs(data: bytes, label: str) -> list[str]:
    """The metadata files a manifest names (none when it cannot be read: reported later)."""
    try:
        return manifest_locations(parse_xml(data, source=label))
    except MetadataError:
        return []


class _TooMuch(Exception):
    pass


def _member_problem(info: zipfile.ZipInfo) -> Message | None:
    pure = PurePosixPath(info.filename.replace("\\", "/"))
    if pure.is_absolute() or ".." in pure.parts or ":" in pure.parts[0]:
        return Message(N_("unsafe path in archive (absolute or with '..')"))
    if stat.S_ISLNK(info.external_attr >> 16):
        return Message(N_("symbolic link in archive not followed"))
    if info.flag_bits & 0x1:
        return Message(N_("encrypted member"))
    if info.file_size > MAX_FILE_BYTES:
        return Message(
            N_("member too large (%(size)s bytes, at most %(max)s)"),
            size=info.file_size,
            max=MAX_FILE_BYTES,
        )
    if info.compress_size and info.file_size / info.compress_size > MAX_COMPRESSION_RATIO:
        return Message(N_("suspicious compression ratio (zip bomb?)"))
    return None


def _read_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: list[int]
) -> bytes | None:
    budget[0] -= info.file_size
    if budget[0] < 0:
        raise _TooMuch
    with archive.open(info) as fh:
        data = fh.read(MAX_FILE_BYTES + 1)  # never trust the declared size
    return None if len(data) > MAX_FILE_BYTES or len(data) > info.file_size else data
