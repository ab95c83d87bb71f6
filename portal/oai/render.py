"""The OAI-PMH response as a stream of text (spec 3.2), never a whole DOM.

Fixed parts are templates; every value that comes from a request or a row is
escaped here. Metadata comes from the catalogue already serialised (one element,
no XML declaration) and is copied in as it is. :class:`Writer` batches the
small strings into chunks of about :data:`CHUNK` bytes so the WSGI server sends
few, large writes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from functools import lru_cache
from xml.sax.saxutils import escape, quoteattr

from oaipmh.dates import stamp

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
OAI_SCHEMA = "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
CHUNK = 256 * 1024

#: Order of the ``<request>`` attributes (only cosmetic: XML attributes are unordered).
_ATTRIBUTE_ORDER = (
    "verb",
    "identifier",
    "metadataPrefix",
    "from",
    "until",
    "set",
    "resumptionToken",
)


def open_response(response_date: datetime, base_url: str, attributes: Mapping[str, str]) -> str:
    attrs = "".join(
        f" {name}={quoteattr(attributes[name])}" for name in _ATTRIBUTE_ORDER if name in attributes
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<OAI-PMH xmlns="{OAI_NS}" xmlns:xsi="{XSI_NS}" '
        f'xsi:schemaLocation="{OAI_NS} {OAI_SCHEMA}">\n'
        f"<responseDate>{stamp(response_date)}</responseDate>\n"
        f"<request{attrs}>{escape(base_url)}</request>\n"
    )


CLOSE = "</OAI-PMH>\n"


def error(code: str, message: str) -> str:
    return f"<error code={quoteattr(code)}>{escape(message)}</error>\n"


def element(name: str, text: str) -> str:
    return f"<{name}>{escape(text)}</{name}>"


@lru_cache(maxsize=4096)
def _set_specs(sets: tuple[str, ...]) -> str:
    # Few distinct combinations of sets exist: each is rendered once.
    return "".join(f"<setSpec>{escape(spec)}</setSpec>" for spec in sets)


def header(identifier: str, datestamp: str, deleted: bool, sets: tuple[str, ...]) -> str:
    """``datestamp`` is already at the repository granularity, ``YYYY-MM-DDThh:mm:ssZ``."""
    status = ' status="deleted"' if deleted else ""
    specs = _set_specs(tuple(sets))
    return (
        f"<header{status}><identifier>{escape(identifier)}</identifier>"
        f"<datestamp>{datestamp}</datestamp>{specs}</header>"
    )


def record(
    identifier: str, datestamp: str, deleted: bool, sets: Iterable[str], metadata: str | None
) -> str:
    head = header(identifier, datestamp, deleted, tuple(sets))
    if deleted or not metadata:
        return f"<record>{head}</record>\n"
    return f"<record>{head}<metadata>{metadata}</metadata></record>\n"


def resumption_token(token: str, *, size: int, cursor: int, expires: datetime | None = None) -> str:
    """A token element; an empty one (no value, no expiry) closes the list."""
    attrs = f' completeListSize="{size}" cursor="{cursor}"'
    if expires is not None:
        attrs = f' expirationDate="{stamp(expires)}"' + attrs
    return f"<resumptionToken{attrs}>{escape(token)}</resumptionToken>\n"


class Writer:
    """Collects strings and yields UTF-8 chunks of about :data:`CHUNK` bytes."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._size = 0

    def write(self, text: str) -> Iterator[bytes]:
        self._parts.append(text)
        self._size += len(text)
        if self._size >= CHUNK:
            yield self.flush()

    def flush(self) -> bytes:
        data = "".join(self._parts).encode("utf-8")
        self._parts.clear()
        self._size = 0
        return data
