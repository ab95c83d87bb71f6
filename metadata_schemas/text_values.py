"""Values partners write as text: ages, dates, durations, formats, sizes.

Each ``parse_*`` returns the value in the record's canonical form, or ``None``
when the text cannot be read with confidence (the text is then kept as written,
never guessed). The words these parsers know are data:
``mappings/ages.json`` and ``mappings/formats.json``.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources
from typing import Any

from .record import AGE_RANGE, DATE, DURATION, MIME
from .textnorm import fold
from .vocabularies import get_vocabularies


def _table(name: str) -> dict[str, Any]:
    table: dict[str, Any] = json.loads(
        resources.files(__package__).joinpath(f"mappings/{name}.json").read_text("utf-8")
    )
    return table


@lru_cache(maxsize=1)
def _ages() -> dict[str, Any]:
    table = _table("ages")
    folded = {key: [fold(w) for w in table[key]] for key in ("units", "from", "under", "plus")}
    known = {w for group in folded.values() for phrase in group for w in phrase.split()}
    known |= {fold(w) for w in table["connectors"]}
    return {
        **table,
        "folded": folded,
        "known": known,
        "named": {fold(k): v for k, v in table["named"].items()},
    }


_NUMBER = re.compile(r"\d+")


def parse_age_range(text: str) -> str | None:
    """``"7-11 ans"`` → ``"7-11"``, ``"Age 7 to 90"`` → ``"7-90"``, ``"dès 6 ans"`` → ``"6+"``.

    The text must hold one or two ages (≤ 99) and nothing but age words around them.
    """
    if not text or len(text) > 100:
        return None
    stripped = text.strip()
    if AGE_RANGE.match(stripped):
        return stripped
    table = _ages()
    # fold() turns Arabic-Indic digits into ASCII and punctuation into spaces; keep "+".
    key = fold(stripped.replace("+", " plus ").replace("\u066b", "."))
    named = table["named"].get(key)
    if named:
        return str(named)
    numbers = [int(n) for n in _NUMBER.findall(key)]
    if not numbers or len(numbers) > 2 or any(n > 99 for n in numbers):
        return None
    words = _NUMBER.sub(" ", key).split()
    folded = table["folded"]
    if any(w not in table["known"] for w in words):
        return None  # other words: not an age we can read with confidence
    text_words = f" {key} "
    plus = any(f" {p} " in text_words for p in folded["plus"])
    if len(numbers) == 2:
        low, high = sorted(numbers)
        return f"{low}-{high}" if low != high else str(low)
    (age,) = numbers
    if any(f" {u} " in text_words for u in folded["under"]):
        return f"0-{age}"
    if plus or any(f" {f} " in text_words for f in folded["from"]):
        return f"{age}+"
    return str(age)


def levels_for_age_range(age_range: str) -> list[str]:
    """The Moroccan levels (or cycles) of an age range, for a proposal; ``[]`` when too wide."""
    table = _ages()
    match = re.fullmatch(r"(\d{1,2})(?:-(\d{1,2})|(\+))?", age_range)
    if not match:
        return []
    low = int(match.group(1))
    high = int(match.group(2)) if match.group(2) else (low if not match.group(3) else None)
    if high is None or high - low + 1 > table["max_span_years"]:
        return []
    by_age = table["levels_by_age"]
    levels = list(dict.fromkeys(by_age[str(a)] for a in range(low, high + 1) if str(a) in by_age))
    vocab = get_vocabularies()["level"]
    cycles = list(dict.fromkeys(vocab.path(level)[0].id for level in levels))
    # A range over a whole cycle (or several) proposes the cycles, not five levels.
    return cycles if len(cycles) > 1 or len(levels) > 2 else levels


_DAY_FIRST = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_YEAR_FIRST = re.compile(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})$")
_SPACED_TIME = re.compile(
    r"^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}(:\d{2}(\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})?$"
)


def parse_date(text: str) -> str | None:
    """An ISO 8601 date from ``15/03/2009``, ``2009/03/15``, ``2009-03-15 10:00``."""
    value = (text or "").strip()
    if DATE.match(value):
        return value
    match = _DAY_FIRST.match(value)
    if match:
        day, month, year = (int(g) for g in match.groups())
        return _iso(year, month, day)
    match = _YEAR_FIRST.match(value)
    if match:
        year, month, day = (int(g) for g in match.groups())
        return _iso(year, month, day)
    match = _SPACED_TIME.match(value)
    if match:
        candidate = f"{match.group(1)}T{match.group(2)}{match.group(5) or ''}"
        return candidate if DATE.match(candidate) else None
    return None


def _iso(year: int, month: int, day: int) -> str | None:
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


_DURATION_PARTS = re.compile(
    r"(\d+(?:[.,]\d+)?)\s*(h|heures?|hours?|hrs?|ساعات|ساعة|min|mn|minutes?|دقائق|دقيقة|s|sec|secondes?|seconds?|ثوان|ثانية)\b",
    re.IGNORECASE,
)
_CLOCK = re.compile(r"^(\d{1,3}):(\d{2})(?::(\d{2}))?$")
_UNIT = {"h": "H", "m": "M", "s": "S", "ه": "H", "س": "H", "د": "M", "ث": "S"}


def parse_duration(text: str) -> str | None:
    """An ISO 8601 duration from ``1h30``, ``45 minutes``, ``01:30:00``, ``ساعة``."""
    value = (text or "").strip()
    if DURATION.match(value):
        return value
    if not value or len(value) > 60:
        return None
    clock = _CLOCK.match(value)
    if clock:
        hours, minutes, seconds = int(clock.group(1)), int(clock.group(2)), int(clock.group(3) or 0)
        return _iso_duration({"H": hours, "M": minutes, "S": seconds})
    folded = fold(value)
    if folded in ("ساعه", "heure", "une heure", "one hour", "an hour"):
        return "PT1H"
    compact = re.fullmatch(r"(\d+)\s*h\s*(\d{1,2})", value, re.IGNORECASE)  # 1h30
    if compact:
        return _iso_duration({"H": int(compact.group(1)), "M": int(compact.group(2))})
    parts: dict[str, int] = {}
    consumed = 0
    for match in _DURATION_PARTS.finditer(value):
        number = match.group(1).replace(",", ".")
        if "." in number:
            return None
        unit = match.group(2).lower()
        letter = "H" if unit[0] in "hس" else "S" if unit[0] in "sث" else "M"
        if unit.startswith("sec") or unit == "s":
            letter = "S"
        parts[letter] = parts.get(letter, 0) + int(number)
        consumed += len(match.group(0))
    if not parts or consumed < len(re.sub(r"\s|et|and|و", "", value)) * 0.6:
        return None
    return _iso_duration(parts)


def _iso_duration(parts: dict[str, int]) -> str | None:
    if not any(parts.values()):
        return "PT0S" if parts else None
    return "PT" + "".join(f"{parts[k]}{k}" for k in ("H", "M", "S") if parts.get(k))


@lru_cache(maxsize=1)
def _formats() -> dict[str, Any]:
    table = _table("formats")
    return {"prefixes": tuple(table["uri_prefixes"]), "names": table["names"]}


def parse_format(text: str) -> str | None:
    """A MIME type from a MIME type as a URI, with parameters, in capitals, or by name."""
    value = (text or "").strip()
    if MIME.match(value):
        return value
    table = _formats()
    lowered = value.lower()
    for prefix in table["prefixes"]:
        if lowered.startswith(prefix.lower()):
            lowered = lowered[len(prefix) :]
            break
    lowered = lowered.split(";")[0].strip()
    lowered = table["names"].get(lowered, lowered)
    return lowered if MIME.match(lowered) else None


_SIZE = re.compile(
    r"^(\d+(?:[.,]\d+)?)\s*(o|octets?|b|bytes?|ko|kb|kio|kib|mo|mb|mio|mib|go|gb)?$", re.I
)
_FACTORS = {"k": 1024, "m": 1024**2, "g": 1024**3}


def parse_size(text: str) -> int | None:
    """A size in bytes from ``8192``, ``8 Ko``, ``1,5 Mo``."""
    match = _SIZE.match((text or "").strip())
    if not match or len(match.group(1)) > 15:  # more than a petabyte: not a file size
        return None
    number = float(match.group(1).replace(",", "."))
    unit = (match.group(2) or "").lower()
    factor = (
        _FACTORS.get(unit[:1], 1)
        if unit not in ("o", "octet", "octets", "b", "byte", "bytes")
        else 1
    )
    if unit and unit[0] in "kmg":
        factor = _FACTORS[unit[0]]
    size = round(number * factor)
    return size if size < 10**15 else None
