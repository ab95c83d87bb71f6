"""A polite, robust OAI-PMH client: Sickle's requests, our patience and our parser.

:class:`PoliteClient` is a :class:`sickle.Sickle` (it builds and sends the requests,
with Sickle's endpoint, method and ``requests`` arguments) whose :meth:`harvest` adds
what following a partner for months needs:

* a timeout on every request, and retries with exponential back-off when the partner
  cannot be reached or answers 5xx;
* ``503``/``429`` with ``Retry-After`` (seconds or an HTTP date) obeyed, up to
  :attr:`max_wait` — a partner asking for longer stops the run (it resumes later);
* every answer parsed once with the project's safe parser (no DTD, no entities, no
  network, no ``recover``): an HTML page, a proxy's error or garbage is reported as
  such, naming what came back, never as a traceback;
* an ``<error>`` answer raised as the :mod:`oaipmh.errors` class of its code.

Waiting goes through ``sleep`` (tests pass one that records instead of sleeping).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import requests
from lxml import etree
from sickle import Sickle

from core.clock import SYSTEM_CLOCK, Clock
from core.messages import N_
from metadata_schemas.errors import MetadataError
from metadata_schemas.safe_xml import parse_xml
from oaipmh.dates import parse_datestamp
from oaipmh.errors import BY_CODE, OAIError

from .errors import HarvestError

OAI = "{http://www.openarchives.org/OAI/2.0/}"
USER_AGENT = "Mawarid-harvester (OAI-PMH 2.0)"
#: Statuses worth retrying: the partner is busy or briefly broken.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class Page:
    """One OAI-PMH answer: its date, the items of the list (or the verb element), the token."""

    response_date: datetime | None
    items: list[etree._Element] = field(default_factory=list)
    token: str | None = None
    complete_list_size: int | None = None
    body: etree._Element | None = None


@dataclass(frozen=True)
class Identity:
    """What Identify says the harvester needs."""

    granularity: str
    deleted_record: str
    earliest: str | None
    response_date: datetime | None


class PoliteClient(Sickle):
    def __init__(
        self,
        endpoint: str,
        *,
        timeout: float = 60.0,
        retries: int = 4,
        backoff: float = 2.0,
        max_wait: float = 600.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        super().__init__(
            endpoint, max_retries=0, timeout=timeout, headers={"User-Agent": USER_AGENT}
        )
        self.retries = retries
        self.backoff = backoff
        self.max_wait = max_wait
        self.sleep = sleep
        self.clock = clock
        #: HTTP requests sent and bytes received (reports, benchmarks).
        self.requests_sent = 0
        self.bytes_received = 0

    # -- the protocol ---------------------------------------------------------------

    def identify(self) -> Identity:
        page = self.page({"verb": "Identify"})
        body = page.body
        assert body is not None

        def text(name: str) -> str | None:
            el = body.find(OAI + name)
            return el.text.strip() if el is not None and el.text else None

        return Identity(
            granularity=text("granularity") or "YYYY-MM-DD",
            deleted_record=text("deletedRecord") or "no",
            earliest=text("earliestDatestamp"),
            response_date=page.response_date,
        )

    def page(self, params: dict[str, str]) -> Page:
        """One request; the list's items and token, or the raised OAI-PMH error."""
        root = self.harvest(**params)
        verb = params["verb"]
        date = root.find(OAI + "responseDate")
        response_date = None
        if date is not None and date.text:
            try:
                response_date = parse_datestamp(date.text)
            except ValueError:
                response_date = None
        error = root.find(OAI + "error")
        if error is not None:
            code = error.get("code", "")
            cls = BY_CODE.get(code, OAIError)
            raise cls(
                N_("the partner answered %(oai_code)s: %(text)s"),
                oai_code=code or "?",
                text=" ".join((error.text or "").split())[:500],
            )
        body = root.find(OAI + verb)
        if body is None:
            raise HarvestError(
                N_("%(url)s answered without a %(verb)s element"), url=self.endpoint, verb=verb
            )
        element = {"ListRecords": "record", "GetRecord": "record", "ListIdentifiers": "header"}.get(
            verb
        )
        items = list(body.iterfind(OAI + element)) if element else []
        token_el = body.find(OAI + "resumptionToken")
        token, size = None, None
        if token_el is not None:
            token = (token_el.text or "").strip() or None
            try:
                size = int(token_el.get("completeListSize", ""))
            except ValueError:
                size = None
        return Page(response_date, items, token, size, body)

    # -- HTTP -----------------------------------------------------------------------

    def harvest(self, **params: Any) -> etree._Element:
        """Send one request (with retries), parse the answer safely; the OAI-PMH root."""
        attempt = 0
        while True:
            wait: float
            try:
                self.requests_sent += 1
                response = self._request(params)
            except requests.RequestException as exc:
                if attempt >= self.retries:
                    raise HarvestError(
                        N_("%(url)s cannot be reached (%(attempts)d attempts): %(problem)s"),
                        url=self.endpoint,
                        attempts=attempt + 1,
                        problem=type(exc).__name__,
                    ) from None
                wait = self.backoff * 2**attempt
            else:
                status = response.status_code
                if status < 400:
                    return self._parse(response)
                if status not in RETRY_STATUSES or attempt >= self.retries:
                    raise HarvestError(
                        N_("%(url)s answered HTTP %(status)d (after %(attempts)d attempts)"),
                        url=self.endpoint,
                        status=status,
                        attempts=attempt + 1,
                    )
                asked = self._retry_after(response)
                wait = asked if asked is not None else self.backoff * 2**attempt
                if wait > self.max_wait:
                    raise HarvestError(
                        N_(
                            "%(url)s asks to wait %(seconds)d s before asking again, longer than "
                            "%(max)d s: the run stops and the next one resumes"
                        ),
                        url=self.endpoint,
                        seconds=int(wait),
                        max=int(self.max_wait),
                    )
            self.sleep(wait)
            attempt += 1

    def _retry_after(self, response: requests.Response) -> float | None:
        value = (response.headers.get("Retry-After") or "").strip()
        if not value:
            return None
        if value.isdigit():
            return float(value)
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return max(0.0, (when - self.clock.now()).total_seconds())

    def _parse(self, response: requests.Response) -> etree._Element:
        data = response.content
        self.bytes_received += len(data)
        try:
            root = parse_xml(data, source=self.endpoint)
        except MetadataError as exc:
            start = data[:80].decode("utf-8", "replace")
            raise HarvestError(
                N_(
                    "%(url)s did not answer OAI-PMH XML (Content-Type %(type)s, starting with "
                    "%(start)r): %(problem)s"
                ),
                url=self.endpoint,
                type=response.headers.get("Content-Type", "?"),
                start=" ".join(start.split()),
                problem=exc.message,
            ) from None
        if root.tag != OAI + "OAI-PMH":
            raise HarvestError(
                N_("%(url)s answered XML that is not an OAI-PMH response (root element %(tag)s)"),
                url=self.endpoint,
                tag=etree.QName(root).localname,
            )
        return root
