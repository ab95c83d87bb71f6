"""Files attached to procedure steps, stored by content: ``$MAWARID_HOME/documents/<sha256>``.

Content addressing makes a stored file impossible to alter silently (its name is
its checksum) and lets two resources of one tender share the same PV. Files are
written atomically (temporary file + rename) before the database row commits;
a failed commit leaves at worst an unreferenced file, never a row without bytes.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import unicodedata
from pathlib import Path

from ..errors import InvalidInput

MAX_DOCUMENT_BYTES = 50 * 1024 * 1024


def clean_filename(name: str) -> str:
    """The base name only, without control characters, at most 255 characters."""
    if not isinstance(name, str):
        raise InvalidInput("document filename: expected a text")
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(
        ch for ch in unicodedata.normalize("NFC", base) if unicodedata.category(ch)[0] != "C"
    ).strip()
    if base in ("", ".", ".."):
        raise InvalidInput(f"document filename {name!r} is empty or not a file name")
    return base[:255]


class DocumentStore:
    def __init__(self, folder: Path | str, *, max_bytes: int = MAX_DOCUMENT_BYTES) -> None:
        self.folder = Path(folder)
        self.max_bytes = max_bytes

    def path(self, sha256: str) -> Path:
        return self.folder / sha256

    def put(self, data: bytes, *, fsync: bool = True) -> tuple[str, int]:
        """Store ``data``; return its SHA-256 (hex) and size. ``fsync=False`` only for demo data."""
        if not isinstance(data, (bytes, bytearray)):
            raise InvalidInput("document data: expected bytes")
        if len(data) == 0:
            raise InvalidInput("document is empty")
        if len(data) > self.max_bytes:
            raise InvalidInput(f"document too large: {len(data)} bytes, at most {self.max_bytes}")
        digest = hashlib.sha256(data).hexdigest()
        target = self.path(digest)
        if not target.exists():
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".upload-")
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                    fh.flush()
                    if fsync:
                        os.fsync(fh.fileno())
                os.chmod(tmp, 0o440)
                os.replace(tmp, target)
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
