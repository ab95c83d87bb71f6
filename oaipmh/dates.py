"""UTC datestamps and granularities of OAI-PMH (spec 3.3).

A repository gives datestamps as ``YYYY-MM-DD`` (day granularity) or
``YYYY-MM-DDThh:mm:ssZ`` (seconds); ``from``/``until`` must be at one granularity the
repository supports. The provider checks requests with :func:`parse_date` and
:func:`date_range`; the harvester reads partners' datestamps with
:func:`parse_datestamp` and asks ``from`` at the partner's granularity.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from core.messages import N_

from .errors import BadArgument

DAY_GRANULARITY = "YYYY-MM-DD"
SECONDS_GRANULARITY = "YYYY-MM-DDThh:mm:ssZ"

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_SECONDS = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
# Characters XML 1.0 cannot carry, even escaped: a value holding one cannot be echoed.
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def shown(text: str) -> str:
    """A hostile value, shortened and stripped of what XML cannot carry, for a message."""
    text = NOT_XML.sub("\ufffd", text)
    return repr(text if len(text) <= 60 else text[:60] + "…")


@dataclass(frozen=True)
class DateBound:
    """A ``from``/``until`` value: the instant and the granularity it was given at."""

    text: str
    value: datetime
    day: bool


def parse_date(key: str, text: str) -> DateBound:
    """``YYYY-MM-DD`` or ``YYYY-MM-DDThh:mm:ssZ`` (UTC), the two granularities we accept."""
    day = bool(_DAY.fullmatch(text))
    if not day and not _SECONDS.fullmatch(text):
        raise BadArgument(
            N_("%(key)s %(value)s is not a UTC date: expected YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ"),
            key=key,
            value=shown(text),
        )
    try:
        value = datetime.strptime(text, "%Y-%m-%d" if day else "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        raise BadArgument(
            N_("%(key)s %(value)s is not a valid date"), key=key, value=shown(text)
        ) from None
    return DateBound(text, value, day)


def date_range(since: str | None, until: str | None) -> tuple[datetime | None, datetime | None]:
    """Inclusive bounds at seconds granularity; ``until`` given as a day ends with that day."""
    low = parse_date("from", since) if since else None
    high = parse_date("until", until) if until else None
    if low and high and low.day != high.day:
        raise BadArgument(
            N_("from and until have different granularities (%(since)s and %(until)s)"),
            since=low.text,
            until=high.text,
        )
    if low and high and low.value > high.value:
        raise BadArgument(
            N_("from (%(since)s) is later than until (%(until)s)"), since=low.text, until=high.text
        )
    end = None
    if high:
        end = high.value.replace(hour=23, minute=59, second=59) if high.day else high.value
    return (low.value if low else None), end


def stamp(moment: datetime) -> str:
    """A naive UTC datetime at the repository granularity, ``YYYY-MM-DDThh:mm:ssZ``."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    # isoformat, not strftime: glibc's %Y drops the leading zeros of years before 1000.
    return moment.isoformat(timespec="seconds") + "Z"


def parse_stamp(text: str) -> datetime:
    return datetime.fromisoformat(text.removesuffix("Z"))


def parse_datestamp(text: str) -> datetime:
    """A partner's datestamp at either granularity → naive UTC datetime."""
    text = text.strip()
    if _DAY.fullmatch(text):
        return datetime.strptime(text, "%Y-%m-%d")
    if _SECONDS.fullmatch(text):
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def format_datestamp(moment: datetime, granularity: str = SECONDS_GRANULARITY) -> str:
    """``moment`` at ``granularity`` (a partner's, from its Identify)."""
    if granularity == DAY_GRANULARITY:
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC).replace(tzinfo=None)
        return moment.date().isoformat()
    return stamp(moment)
