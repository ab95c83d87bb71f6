"""What a file is, read from its bytes: MIME type, size, duration (``technical.*``).

The record form fills ``technical.format``, ``size`` and ``duration`` from an uploaded
file or an address instead of having them typed by hand. The type comes from the file's
content (its magic numbers, :mod:`filetype`), never from what a browser or a client
declares; the duration of audio and video from their headers (:mod:`mutagen`, which
reads MP4/M4A, MP3, Ogg, FLAC, WAV… without running a decoder). Both are pure-Python,
well-kept libraries without system dependencies (see ``pyproject.toml``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import filetype
import mutagen
from mutagen import MutagenError

from core.formats import iso_duration

#: Bytes :mod:`filetype` needs to recognise every type it knows.
HEAD_BYTES = 8192
#: Types a file's magic numbers cannot tell apart from plain text: left to the person.
UNKNOWN = "application/octet-stream"


@dataclass(frozen=True)
class MediaFacts:
    """What could be found out; ``None`` for what could not."""

    format: str | None = None
    size: int | None = None
    duration: str | None = None


def mime_of(head: bytes) -> str | None:
    """The MIME type the first bytes of a file show, or ``None``."""
    kind = filetype.guess(head[:HEAD_BYTES])
    return str(kind.mime) if kind is not None else None


def duration_of(path: Path) -> str | None:
    """The playing time of an audio or video file, as an ISO 8601 duration, or ``None``."""
    try:
        media = mutagen.File(path)
    except (MutagenError, OSError, ValueError, EOFError):
        return None
    if media is None or media.info is None:  # not a format mutagen reads
        return None
    length = float(media.info.length or 0)
    # Rounded up to the second: a 0.4 s jingle lasts PT1S, not nothing.
    return iso_duration(timedelta(seconds=math.ceil(length))) if length > 0 else None


def probe_file(path: Path) -> MediaFacts:
    """Type, size and duration of a file on disk."""
    with path.open("rb") as fh:
        head = fh.read(HEAD_BYTES)
    mime = mime_of(head)
    duration = duration_of(path) if mime and mime.split("/")[0] in ("audio", "video") else None
    return MediaFacts(format=mime, size=path.stat().st_size, duration=duration)
