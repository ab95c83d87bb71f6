"""Files attached to procedure steps, stored by content: ``documents/ab/cd/<sha256>``.

Content addressing makes a stored file impossible to alter silently (its name is
its checksum) and lets two resources of one tender share the same PV. Files are
sharded by the first two pairs of hex digits of their checksum (65,536 folders at
most, a few files each even at millions of documents), never one flat folder.
Files are written atomically (temporary file + rename) before the database row
commits; a failed commit leaves at worst an unreferenced file, never a row without
bytes. Files of the former flat layout (``documents/<sha256>``) are still read, and
moved into their shard by :meth:`DocumentStore.migrate_flat`.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import re
import tempfile
import unicodedata
from pathlib import Path

from core.messages import N_, Message

from ..errors import InvalidInput, StoreUnavailable

log = logging.getLogger(__name__)

MAX_DOCUMENT_BYTES = 50 * 1024 * 1024
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def clean_filename(name: str) -> str:
    """The base name only, without control characters, at most 255 characters."""
    if not isinstance(name, str):
        raise InvalidInput(N_("%(field)s: expected a text"), field="document filename")
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(
        ch for ch in unicodedata.normalize("NFC", base) if unicodedata.category(ch)[0] != "C"
    ).strip()
    if base in ("", ".", ".."):
        raise InvalidInput(
            N_("document filename %(value)r is empty or not a file name"), value=name
        )
    return base[:255]


def _unwritable(exc: OSError) -> StoreUnavailable:
    reason = (
        Message(N_("the disk is full"))
        if exc.errno in (errno.ENOSPC, errno.EDQUOT)
        else Message(N_("its folder cannot be written"))
    )
    return StoreUnavailable(
        N_("The document could not be stored (%(reason)s): nothing was changed."), reason=reason
    )


class DocumentStore:
    def __init__(self, folder: Path | str, *, max_bytes: int = MAX_DOCUMENT_BYTES) -> None:
        self.folder = Path(folder)
        self.max_bytes = max_bytes
        #: Files of the flat layout may be there (until :meth:`migrate_flat` moved them).
        self.flat_files = True

    def _sharded(self, sha256: str) -> Path:
        return self.folder / sha256[:2] / sha256[2:4] / sha256

    def path(self, sha256: str) -> Path:
        """Where the file of ``sha256`` lives (its shard; the flat layout if it is there)."""
        sharded = self._sharded(sha256)
        if self.flat_files and not sharded.exists():
            flat = self.folder / sha256
            if flat.exists():
                return flat
        return sharded

    def put(self, data: bytes, *, fsync: bool = True) -> tuple[str, int]:
        """Store ``data``; return its SHA-256 (hex) and size. ``fsync=False`` only for demo data."""
        if not isinstance(data, (bytes, bytearray)):
            raise InvalidInput(N_("document data: expected bytes"))
        if len(data) == 0:
            raise InvalidInput(N_("document is empty"))
        if len(data) > self.max_bytes:
            raise InvalidInput(
                N_("document too large: %(size)d bytes, at most %(max)d"),
                size=len(data),
                max=self.max_bytes,
            )
        digest = hashlib.sha256(data).hexdigest()
        # Not self.path(): it would look for the shard a second time (a bulk ingest stores
        # a file per acquisition, and each look is a stat).
        target = self._sharded(digest)
        if target.exists() or (self.flat_files and (self.folder / digest).exists()):
            return digest, len(data)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        except OSError as exc:
            raise _unwritable(exc) from exc
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                if fsync:
                    os.fsync(fh.fileno())
            os.chmod(tmp, 0o440)
            os.replace(tmp, target)
        except OSError as exc:
            Path(tmp).unlink(missing_ok=True)
            raise _unwritable(exc) from exc
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return digest, len(data)

    def read(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()

    def verify(self, sha256: str) -> bool:
        """True when the stored file still has the checksum it is named after."""
        path = self.path(sha256)
        if not path.exists():
            return False
        h = hashlib.sha256()
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        return h.hexdigest() == sha256

    def migrate_flat(self) -> int:
        """Move files of the flat layout into their shard; returns how many moved."""
        moved = 0
        try:
            entries = list(os.scandir(self.folder))
        except FileNotFoundError:
            self.flat_files = False
            return 0
        for entry in entries:
            if entry.is_file() and _SHA256.match(entry.name):
                target = self.folder / entry.name[:2] / entry.name[2:4] / entry.name
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(entry.path, target)
                moved += 1
        if moved:
            log.info("moved %d documents into the sharded layout", moved)
        self.flat_files = False
        return moved
