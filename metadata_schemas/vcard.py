"""vCards of LOM contributors (``lifeCycle/contribute/entity``, annotations).

LOM entities are vCard 3.0 texts (RFC 2426); partners write them every way:
``BEGIN:vcard`` in lower case, properties with parameters
(``FN;CHARSET=UTF-8;LANGUAGE=fr-FR:Nadine``), folded lines, or a plain name
with no vCard at all. The record keeps the display name in ``entity`` and, when
the partner's text says more than the name (EMAIL, ORG, TEL, …), the whole text
in ``vcards`` so that the LOM export writes it back unchanged.
"""

from __future__ import annotations

import re
from functools import lru_cache

_FOLD = re.compile(r"\r?\n[ \t]")
_ESCAPE = re.compile(r"\\(.)")
_PROPERTY = re.compile(r"^[A-Za-z][A-Za-z0-9-]*(;[^:]*)?:")


def is_vcard(text: str) -> bool:
    return text.lstrip()[:11].upper() == "BEGIN:VCARD"


#: A vCard written on one line (``BEGIN:VCARD VERSION:3.0 FN:Nom END:VCARD``), as some
#: repositories export it: split before each property RFC 2426 names.
_ONE_LINE = re.compile(
    r"\s+(?=(?:VERSION|FN|N|ORG|EMAIL|TEL|ADR|URL|TITLE|ROLE|NOTE|UID|NICKNAME|BDAY|LABEL|"
    r"PHOTO|LOGO|GEO|TZ|REV|SOURCE|CATEGORIES|END|X-[A-Z0-9-]+)(?:;[^:\s]*)?:)",
    re.IGNORECASE,
)


def properties(text: str) -> list[tuple[str, str]]:
    """``(NAME, value)`` of every property line, parameters dropped, lines unfolded."""
    out: list[tuple[str, str]] = []
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if "\n" not in text:
        text = _ONE_LINE.sub("\n", text)
    rest = text.split("\n")[1:]
    # A vCard indented inside pretty-printed XML is not folded: every line is a property.
    indented = bool(rest) and all(_PROPERTY.match(line.strip()) for line in rest if line.strip())
    for line in text.split("\n") if indented else _FOLD.sub("", text).split("\n"):
        name, sep, value = line.lstrip().partition(":")
        if sep and name:
            out.append((name.split(";")[0].strip().upper(), value))
    return out


def unescape(value: str) -> str:
    return _ESCAPE.sub(lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


@lru_cache(maxsize=8192)  # a partner's contributors repeat from record to record
def display_name(text: str) -> str | None:
    """The name a vCard gives (``FN``, else ``N`` given + family, else ``ORG``, else
    ``EMAIL``); a text that is not a vCard is taken as the name itself."""
    if not text or not text.strip():
        return None
    if not is_vcard(text):
        return " ".join(text.split())
    props: dict[str, str] = {}
    for name, value in properties(text):
        props.setdefault(name, value)
    fn = unescape(props.get("FN", ""))
    if fn.strip():
        return fn  # as written: the name a record keeps is the name the vCard gives
    family, _, rest = props.get("N", "").partition(";")
    given = rest.split(";")[0]
    name = " ".join(p for p in (unescape(given).strip(), unescape(family).strip()) if p)
    if name:
        return name
    org = unescape(props.get("ORG", "").split(";")[0]).strip()
    if org:
        return org
    email = props.get("EMAIL", "").strip()
    return email or None


def make_vcard(name: str, marker: tuple[str, str] | None = None) -> str:
    """A vCard 3.0 with ``FN`` = ``name``; ``marker`` adds one property (``(NAME, value)``)."""
    escaped = (
        name.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;").replace("\n", "\\n")
    )
    extra = f"{marker[0]}:{marker[1]}\n" if marker else ""
    return f"BEGIN:VCARD\nVERSION:3.0\nFN:{escaped}\n{extra}END:VCARD"
