"""Filling the record form's technical fields from a file or an address.

The person attaches the resource's file or gives its address and presses *Detect*: the
MIME type, size and duration (audio, video) are read from the content itself
(:mod:`metadata_schemas.media`), never from the type the browser declares for an upload.
For an address, a ``HEAD`` request gives the size, and the first bytes (a ``Range``
request) the type, with the server's ``Content-Type`` used only when the bytes do not tell
(HTML, plain text). Only ``http``/``https`` addresses are asked, with a short timeout; an
address that does not answer is said in a sentence, never a traceback. The uploaded file
is read and dropped: the record points to the resource's address.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from urllib.error import HTTPError, URLError
from urllib.parse import urlsplit
from urllib.request import Request, urlopen

from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

from core.formats import format_size
from metadata_schemas.media import HEAD_BYTES, UNKNOWN, MediaFacts, mime_of, probe_file

from ..forms import RecordForm

#: Seconds an address may take to answer the probe.
TIMEOUT = 5.0
USER_AGENT = "Mawarid (LNRN) resource probe"


class ProbeFailed(Exception):
    """The address could not be read; the message says why, in the reader's language."""


def probe_upload(upload: FileStorage) -> MediaFacts:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "upload"
        upload.save(path)
        return probe_file(path)


def probe_url(url: str) -> MediaFacts:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ProbeFailed(_("Only http:// and https:// addresses can be read: %(url)s", url=url))
    try:
        with urlopen(_request(url, "HEAD"), timeout=TIMEOUT) as answer:
            declared = answer.headers.get_content_type() if answer.headers["Content-Type"] else None
            length = answer.headers.get("Content-Length")
        with urlopen(
            _request(url, "GET", {"Range": f"bytes=0-{HEAD_BYTES - 1}"}), timeout=TIMEOUT
        ) as answer:
            head = answer.read(HEAD_BYTES)
            total = answer.headers.get("Content-Range", "").rpartition("/")[2]
    except HTTPError as exc:
        raise ProbeFailed(
            _("%(url)s answered %(status)s: check the address.", url=url, status=exc.code)
        ) from None
    except (URLError, OSError, ValueError) as exc:
        reason = exc.reason if isinstance(exc, URLError) else exc  # the socket's own reason
        raise ProbeFailed(
            _("%(url)s could not be read (%(reason)s).", url=url, reason=reason)
        ) from None
    size = next((int(v) for v in (length, total) if v and v.isdigit()), None)
    sniffed = mime_of(head)
    fmt = sniffed or (declared if declared and declared != UNKNOWN else None)
    return MediaFacts(format=fmt, size=size)


def _request(url: str, method: str, headers: dict[str, str] | None = None) -> Request:
    return Request(url, method=method, headers={"User-Agent": USER_AGENT, **(headers or {})})


def detect(form: RecordForm, *, source: str) -> tuple[list[str], list[str]]:
    """Fill ``form``'s format, size and duration from its file or first address.

    Returns ``(notes, problems)``: what was found, and why something could not be.
    """
    facts = MediaFacts()
    upload = form.media_file.data
    try:
        if source == "file":
            if not isinstance(upload, FileStorage) or not upload.filename:
                return [], [_("Choose the resource's file first.")]
            facts = probe_upload(upload)
        else:
            first = next(
                (u.strip() for u in (form.location.data or "").splitlines() if u.strip()), ""
            )
            if not first:
                return [], [_("Give the resource's address first.")]
            facts = probe_url(first)
    except ProbeFailed as exc:
        return [], [str(exc)]
    notes: list[str] = []
    if facts.format:
        form.format.data = facts.format
        notes.append(_("Type: %(value)s", value=facts.format))
    if facts.size is not None:
        form.size.data = str(facts.size)
        notes.append(_("Size: %(value)s", value=format_size(facts.size)))
    if facts.duration:
        form.duration.data = facts.duration
        notes.append(_("Duration: %(value)s", value=facts.duration))
    problems = [] if facts.format else [_("The type could not be recognised: give it by hand.")]
    return notes, problems
