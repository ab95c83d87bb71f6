"""Dates, numbers, sizes and durations as a reader of each language writes them (CLDR, Babel).

Messages (:mod:`core.messages`) say *what*; this module writes the values they carry the
way the reader's language does: ``4 mars 2026`` / ``4 مارس 2026`` / ``March 4, 2026``,
``1,2 Mo`` / ``1,2 م.ب``, ``3 minutes`` / ``3 دقائق``. The CLDR locale of each
interface language is Morocco's (:data:`LOCALES`): Latin digits, the months as they are
named in Morocco.

:func:`isolate` wraps a value in Unicode bidi isolates (FSI … PDI) for plain text: a
date or a number inside an Arabic sentence keeps its own order instead of being
scrambled by its neighbours (HTML uses ``<bdi>`` for the same purpose).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from babel import Locale
from babel.dates import format_date as _format_date
from babel.dates import format_datetime as _format_datetime
from babel.numbers import format_decimal
from babel.units import format_unit

from .messages import SOURCE_LANGUAGE, current_language

#: The CLDR locale each interface language is written in.
LOCALES = {"fr": "fr_MA", "ar": "ar_MA", "en": "en"}

_DURATION = re.compile(
    r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?"
    r"(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$"
)
_SIZES = (
    ("digital-gigabyte", 10**9),
    ("digital-megabyte", 10**6),
    ("digital-kilobyte", 10**3),
)


def locale(lang: str | None = None) -> Locale:
    """The CLDR locale of ``lang`` (default: the reader's language)."""
    code = lang or current_language()
    return Locale.parse(LOCALES.get(code, LOCALES[SOURCE_LANGUAGE]))


def isolate(text: str) -> str:
    """``text`` between FIRST STRONG ISOLATE and POP DIRECTIONAL ISOLATE (plain-text bidi)."""
    return f"\u2068{text}\u2069"


def format_date(value: date, format: str = "long", lang: str | None = None) -> str:
    return _format_date(value, format, locale=locale(lang))


def format_datetime(value: datetime, format: str = "long", lang: str | None = None) -> str:
    """A UTC moment, written in UTC (the catalogue keeps naive UTC timestamps)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return _format_datetime(value, format, tzinfo=UTC, locale=locale(lang))


def format_number(value: float, lang: str | None = None) -> str:
    return format_decimal(value, locale=locale(lang))


def format_size(size: int, lang: str | None = None) -> str:
    """A size in bytes as people read it: ``512 octets``, ``1,2 Mo``, ``3,4 Go``."""
    for unit, factor in _SIZES:
        if size >= factor:
            return format_unit(round(size / factor, 1), unit, length="short", locale=locale(lang))
    return format_unit(size, "digital-byte", length="long", locale=locale(lang))


def parse_duration(value: str) -> timedelta | None:
    """An ISO 8601 duration (``PT1H5M``) as a timedelta (a year: 365 days, a month: 30)."""
    match = _DURATION.match(value or "")
    if not match or value in ("P", "PT") or value.endswith("T"):
        return None
    y, mo, w, d, h, mi, s = (float(g) if g else 0.0 for g in match.groups())
    return timedelta(days=y * 365 + mo * 30 + w * 7 + d, hours=h, minutes=mi, seconds=s)


def format_duration(value: timedelta, lang: str | None = None) -> str:
    """``1 heure 5 minutes`` / ``ساعة 5 دقائق``: each unit in the language's own plural."""
    seconds = round(value.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [
        format_unit(amount, unit, length="long", locale=locale(lang))
        for amount, unit in (
            (days, "duration-day"),
            (hours, "duration-hour"),
            (minutes, "duration-minute"),
            (secs, "duration-second"),
        )
        if amount
    ]
    return " ".join(parts) or format_unit(0, "duration-second", length="long", locale=locale(lang))


def iso_duration(value: timedelta) -> str:
    """A timedelta as an ISO 8601 duration (``PT1H5M12S``), what LOM records keep."""
    seconds = round(value.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    date_part = f"{days}D" if days else ""
    time_part = "".join(f"{n}{u}" for n, u in ((hours, "H"), (minutes, "M"), (secs, "S")) if n)
    if not date_part and not time_part:
        return "PT0S"
    return "P" + date_part + (f"T{time_part}" if time_part else "")
