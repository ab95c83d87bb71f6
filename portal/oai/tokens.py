"""Stateless, tamper-evident resumption tokens (spec 3.5).

A token carries everything needed to produce the next page — the list request
(verb, metadataPrefix, set, from, until), the keyset position (datestamp and
identifier of the last record sent), the cursor and the completeListSize — and
its issue time. It is signed with the instance's secret key (itsdangerous), so
the server keeps no state, a harvester cannot forge or edit one, and a token
signed by another instance or altered by one character is refused as
``badResumptionToken``. Resuming from the last record sent rather than from an
offset keeps a deep page as fast as the first one and keeps the list stable
while resources are published during the harvest.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from itsdangerous import BadData, URLSafeSerializer

from core.messages import N_
from oaipmh.dates import parse_stamp, stamp
from oaipmh.errors import BadResumptionToken

SALT = "mawarid.oai.resumption-token.v1"
#: How long a token stays valid when the settings do not say (MAWARID_OAI_TOKEN_TTL, seconds).
DEFAULT_TTL = 24 * 3600


@dataclass(frozen=True)
class ResumptionState:
    verb: str
    prefix: str
    set: str | None
    since: str | None  # inclusive lower bound, YYYY-MM-DDThh:mm:ssZ
    until: str | None  # inclusive upper bound, YYYY-MM-DDThh:mm:ssZ
    datestamp: str  # keyset: last record sent
    identifier: str
    cursor: int  # records sent before the next page
    size: int  # completeListSize, counted when the list started
    issued: int = 0  # UNIX time the token was made


class TokenCodec:
    def __init__(self, secret_key: str | bytes, ttl: int = DEFAULT_TTL) -> None:
        if not secret_key:
            raise ValueError("resumption tokens need the application SECRET_KEY")
        self.ttl = int(ttl)
        self._serializer = URLSafeSerializer(secret_key, salt=SALT)

    def dumps(self, state: ResumptionState, *, now: float | None = None) -> tuple[str, datetime]:
        """The token and its expiration date (UTC, seconds)."""
        issued = int(time.time() if now is None else now)
        values = [issued if k == "issued" else getattr(state, k) for k in _FIELDS]
        token = self._serializer.dumps(values)
        expires = datetime.fromtimestamp(issued, UTC) + timedelta(seconds=self.ttl)
        return token, expires.replace(tzinfo=None)

    def loads(self, token: str, *, verb: str, now: float | None = None) -> ResumptionState:
        try:
            values = self._serializer.loads(token)
        except BadData:
            raise BadResumptionToken(
                N_("this resumptionToken was not issued by this repository or has been altered")
            ) from None
        if not isinstance(values, list) or len(values) != len(_FIELDS):
            raise BadResumptionToken(N_("this resumptionToken has an unknown layout"))
        state = ResumptionState(**dict(zip(_FIELDS, values, strict=False)))
        if not _well_formed(state):
            raise BadResumptionToken(N_("this resumptionToken has an unknown layout"))
        current = time.time() if now is None else now
        if current > state.issued + self.ttl:
            expired = datetime.fromtimestamp(state.issued + self.ttl, UTC)
            raise BadResumptionToken(
                N_("this resumptionToken expired on %(date)s; restart the list without it"),
                date=stamp(expired),
            )
        if state.verb != verb:
            raise BadResumptionToken(
                N_("this resumptionToken continues a %(token_verb)s list, not a %(verb)s list"),
                token_verb=state.verb,
                verb=verb,
            )
        return state


_FIELDS = tuple(ResumptionState.__dataclass_fields__)


def _well_formed(state: ResumptionState) -> bool:
    """Signed by us, but perhaps by an older layout: check types before trusting it."""
    try:
        for text in (state.since, state.until):
            if text is not None:
                parse_stamp(text)
        parse_stamp(state.datestamp)
    except (TypeError, ValueError, AttributeError):
        return False
    return (
        all(isinstance(v, str) for v in (state.verb, state.prefix, state.identifier))
        and (state.set is None or isinstance(state.set, str))
        and all(isinstance(v, int) and v >= 0 for v in (state.cursor, state.size, state.issued))
    )
