"""The one XML parser of the metadata layer: safe by construction.

Every XML document Mawarid reads (imported LOM files, harvested OAI-PMH
responses, uploaded records) comes from outside and goes through
:func:`parse_xml`. It refuses what XML can do to a server rather than just
parse it:

- any ``<!DOCTYPE>`` (internal or external DTD) is rejected outright. Entities
  are only declared in a DTD, so billion laughs, external entities
  (``file:///etc/passwd``, ``http://…``) and external DTD loading are all closed
  by one rule; the parser is *also* configured not to resolve entities, not to
  load DTDs and not to touch the network, in case the rule were ever bypassed;
- no ``recover``: malformed XML is an error, never silently repaired;
- a size cap (:data:`DEFAULT_MAX_BYTES`) checked before parsing, and libxml2's
  own limits on depth and text size stay on (``huge_tree=False``);
- encodings must be honest: bytes that are not in the declared encoding, an
  unknown encoding, and UTF-16/32 without a byte order mark (XML 1.0 §4.3.3)
  are errors.

Errors are :class:`~metadata_schemas.errors.UnsafeXMLError` naming the
``source`` (a file name, an URL) and, where libxml2 knows it, the line and
column (also on ``error.line`` / ``error.column``). They never quote the
document, so nothing an attacker smuggles in can leak through an error message.
"""

from __future__ import annotations

import threading
from typing import Any

from lxml import etree

from core.messages import N_, Message

from .errors import UnsafeXMLError

#: Largest document accepted by default (bytes). Big enough for an OAI-PMH page
#: of a few hundred LOM records, far below what could hurt the server.
DEFAULT_MAX_BYTES = 20 * 1024 * 1024

_DOCTYPE_MARKERS = tuple("<!DOCTYPE".encode(enc) for enc in ("utf-8", "utf-16-le", "utf-16-be"))
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")

_local = threading.local()


def make_parser() -> etree.XMLParser:
    """A new parser with the safe settings (the only place they are spelled out)."""
    return etree.XMLParser(
        resolve_entities=False,  # never expand entities, even predefined-looking ones from a DTD
        no_network=True,  # nothing is ever fetched
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,  # keep libxml2's depth / text-node limits
        recover=False,  # malformed is an error, not a guess
        remove_comments=True,  # metadata has no use for comments or PIs
        remove_pis=True,
        collect_ids=False,
        compact=True,
    )


def _parser() -> etree.XMLParser:
    # lxml parsers keep per-parse state (error log, context): one per thread.
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = _local.parser = make_parser()
    return parser


def _error(
    source: str, message: Message, line: int | None = None, column: int | None = None
) -> UnsafeXMLError:
    if line:
        err = UnsafeXMLError(
            N_("line %(line)s, column %(column)s: %(problem)s"),
            record=source,
            line=line,
            column=column if column is not None else "?",
            problem=message,
        )
    else:
        err = UnsafeXMLError(message, record=source)
    err.line, err.column = line, column
    return err


def _check_prefix(data: bytes, source: str) -> None:
    head = data[:4]
    if not any(head.startswith(bom) for bom in _BOMS) and b"\x00" in head:
        raise _error(
            source,
            Message(
                N_(
                    "UTF-16/UTF-32 text without a byte order mark: save the file "
                    "as UTF-8 (or UTF-16 with a BOM)"
                )
            ),
            1,
            1,
        )
    for marker in _DOCTYPE_MARKERS:
        pos = data.find(marker)
        if pos >= 0:
            line = data.count(b"\n", 0, pos) + 1 if marker == _DOCTYPE_MARKERS[0] else None
            raise _error(
                source,
                Message(
                    N_(
                        "DOCTYPE/DTD declarations are not allowed (they can declare "
                        "entities that read files or expand without bound)"
                    )
                ),
                line,
                pos - data.rfind(b"\n", 0, pos) if line else None,
            )


def parse_xml(data: bytes, *, source: str, max_bytes: int | None = None) -> etree._Element:
    """Parse ``data`` and return the root element, or raise :class:`UnsafeXMLError`.

    :param data: the raw bytes as received (never a decoded ``str``: the XML
        declaration names the encoding).
    :param source: what to call the document in errors (file name, URL, id).
    :param max_bytes: size limit, default :data:`DEFAULT_MAX_BYTES`.
    """
    if isinstance(data, (bytearray, memoryview)):
        data = bytes(data)
    if not isinstance(data, bytes):
        raise TypeError(f"parse_xml expects bytes, got {type(data).__name__}")
    limit = DEFAULT_MAX_BYTES if max_bytes is None else max_bytes
    if len(data) > limit:
        raise _error(
            source,
            Message(
                N_("document too large: %(size)s bytes, at most %(max)s"),
                size=f"{len(data):,}",
                max=f"{limit:,}",
            ),
        )
    if not data.strip():
        raise _error(source, Message(N_("empty document")))
    _check_prefix(data, source)
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        line, column = exc.position if exc.position else (exc.lineno, None)
        raise _error(
            source,
            Message(N_("not well-formed XML: %(reason)s"), reason=_clean(exc.msg)),
            line,
            column,
        ) from None
    except (ValueError, LookupError) as exc:  # e.g. an encoding lxml cannot handle
        raise _error(
            source, Message(N_("cannot read XML: %(reason)s"), reason=_clean(str(exc)))
        ) from None
    docinfo: Any = root.getroottree().docinfo
    # Backstop for DOCTYPEs the byte scan cannot see (exotic encodings).
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise _error(source, Message(N_("DOCTYPE/DTD declarations are not allowed")))
    return root


def _clean(message: str) -> str:
    # libxml2 messages end with a newline and repeat the position; keep the first line.
    first = (message or "").strip().splitlines()[0] if message and message.strip() else "error"
    return first.split(", line ")[0]
