"""The OAI-PMH data provider: one method per verb, no Flask in here.

:meth:`DataProvider.respond` takes the request's (key, value) pairs and returns
a :class:`Reply` — an iterator of UTF-8 chunks plus a ``close`` callback for the
database cursor a list page streams from. Every error condition is raised
*before* the first byte is produced (a list peeks at its first row), so a
response is either a complete answer or a complete ``<error>`` document.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from catalogue.services.oai_items import Item, ListQuery, OAIItems
from core.messages import N_, Message
from core.settings import Settings
from oaipmh.dates import parse_stamp, stamp
from oaipmh.errors import (
    NO_ECHO,
    BadResumptionToken,
    CannotDisseminateFormat,
    IdDoesNotExist,
    NoMetadataFormats,
    NoRecordsMatch,
    NoSetHierarchy,
    OAIError,
)

from . import render
from .arguments import OAIRequest, date_range, parse_request, request_attributes
from .formats import FORMATS, get_format
from .sets import OAI_DC, sets_xml
from .tokens import ResumptionState, TokenCodec

DEFAULT_PAGE_SIZE = {"ListRecords": 100, "ListIdentifiers": 500}


@dataclass
class Reply:
    chunks: Iterator[bytes]
    close: Callable[[], None] = lambda: None
    #: The resource a GetRecord disseminated, for the usage statistics (lists record none:
    #: one event per request, and a list page has no single resource).
    resource_id: str | None = None


@dataclass(frozen=True)
class ProviderSettings:
    base_url: str  # the /oai URL itself
    repository_id: str
    admin_email: str
    page_size: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_PAGE_SIZE))

    @classmethod
    def from_settings(cls, settings: Settings) -> ProviderSettings:
        return cls(
            base_url=settings.public_base_url() + "/oai",
            repository_id=settings.oai_repository_id,
            admin_email=settings.admin_email,
            page_size={
                "ListRecords": settings.oai_page_size,
                "ListIdentifiers": settings.oai_identifiers_page_size,
            },
        )


def _texts() -> dict[str, Any]:
    return json.loads(
        resources.files(__package__).joinpath("identify.json").read_text(encoding="utf-8")
    )


class DataProvider:
    def __init__(
        self,
        repository: OAIItems,
        codec: TokenCodec,
        settings: ProviderSettings,
        vocabularies: Mapping[str, Any],
    ) -> None:
        self.repository = repository
        self.codec = codec
        self.settings = settings
        self.vocabularies = vocabularies
        self._texts = _texts()
        self._sets_xml: str | None = None

    # Entry point --------------------------------------------------------------

    def respond(self, items: Iterable[tuple[str, str]], *, now: datetime | None = None) -> Reply:
        now = now or datetime.now(UTC).replace(tzinfo=None)
        request: OAIRequest | None = None
        try:
            request = parse_request(items)
            return getattr(self, request.verb)(request, now)
        except OAIError as exc:
            echo = None if exc.code in NO_ECHO else request
            return self.error_reply(now, echo, exc)

    def error_reply(self, now: datetime, request: OAIRequest | None, exc: OAIError) -> Reply:
        text = (
            render.open_response(now, self.settings.base_url, request_attributes(request))
            + render.error(exc.code, exc.text)
            + render.CLOSE
        )
        return Reply(iter([text.encode("utf-8")]))

    def _simple(self, request: OAIRequest, now: datetime, body: str) -> Reply:
        text = (
            render.open_response(now, self.settings.base_url, request_attributes(request))
            + f"<{request.verb}>\n{body}</{request.verb}>\n"
            + render.CLOSE
        )
        return Reply(iter([text.encode("utf-8")]))

    # Verbs --------------------------------------------------------------------

    def Identify(self, request: OAIRequest, now: datetime) -> Reply:
        texts = self._texts
        earliest = self.repository.earliest_datestamp()
        sample = self.identifier_of(self.repository.sample_resource_id() or "lnrn-0001")
        titles = "".join(
            f"<dc:title xml:lang={quoteattr(lang)}>{escape(text)}</dc:title>"
            for lang, text in texts["titles"].items()
        )
        languages = "".join(
            f"<dc:language>{escape(code)}</dc:language>" for code in texts["languages"]
        )
        body = "".join(
            (
                render.element("repositoryName", texts["repositoryName"]),
                render.element("baseURL", self.settings.base_url),
                render.element("protocolVersion", "2.0"),
                render.element("adminEmail", self.settings.admin_email),
                render.element(
                    "earliestDatestamp",
                    stamp(earliest) if earliest else texts["emptyEarliestDatestamp"],
                ),
                render.element("deletedRecord", "persistent"),
                render.element("granularity", "YYYY-MM-DDThh:mm:ssZ"),
                "\n<description>"
                '<oai-identifier xmlns="http://www.openarchives.org/OAI/2.0/oai-identifier" '
                'xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/oai-identifier '
                'http://www.openarchives.org/OAI/2.0/oai-identifier.xsd">'
                "<scheme>oai</scheme>",
                render.element("repositoryIdentifier", self.settings.repository_id),
                "<delimiter>:</delimiter>",
                render.element("sampleIdentifier", sample),
                "</oai-identifier></description>\n",
                f"<description>{OAI_DC}{titles}",
                render.element("dc:publisher", texts["publisher"]),
                languages,
                render.element("dc:identifier", self.settings.base_url),
                "</oai_dc:dc></description>\n",
            )
        )
        return self._simple(request, now, body)

    def ListMetadataFormats(self, request: OAIRequest, now: datetime) -> Reply:
        identifier = request.get("identifier")
        formats = list(FORMATS.values())
        if identifier is not None:
            found = self.repository.formats_of(identifier)
            if found is None:
                raise IdDoesNotExist(
                    N_("no item has the identifier %(identifier)s"), identifier=identifier
                )
            if not found:
                raise NoMetadataFormats(
                    N_("no metadata format is available for %(identifier)s"),
                    identifier=identifier,
                )
            formats = [f for f in formats if f.column in found]
        body = "".join(
            "<metadataFormat>"
            + render.element("metadataPrefix", f.prefix)
            + render.element("schema", f.schema)
            + render.element("metadataNamespace", f.namespace)
            + "</metadataFormat>\n"
            for f in formats
        )
        return self._simple(request, now, body)

    def ListSets(self, request: OAIRequest, now: datetime) -> Reply:
        if request.get("resumptionToken"):
            raise BadResumptionToken(
                N_(
                    "ListSets is answered in one response; this repository "
                    "issued no resumptionToken for it"
                )
            )
        if self._sets_xml is None:
            self._sets_xml = sets_xml(self.vocabularies)
        if not self._sets_xml:
            raise NoSetHierarchy(N_("no set vocabulary is installed in this repository"))
        return self._simple(request, now, self._sets_xml)

    def GetRecord(self, request: OAIRequest, now: datetime) -> Reply:
        identifier = request.args["identifier"]
        fmt = get_format(request.args["metadataPrefix"])
        item = self.repository.get(identifier, fmt.column)
        if item is None:
            raise IdDoesNotExist(
                N_("no item has the identifier %(identifier)s"), identifier=identifier
            )
        if not item.deleted and not item.metadata:
            raise CannotDisseminateFormat(
                N_("%(identifier)s is not available in %(prefix)s"),
                identifier=identifier,
                prefix=fmt.prefix,
            )
        body = render.record(
            item.identifier, item.datestamp, item.deleted, item.sets, item.metadata
        )
        reply = self._simple(request, now, body)
        if not item.deleted:
            reply.resource_id = item.identifier.rsplit(":", 1)[-1]
        return reply

    def ListIdentifiers(self, request: OAIRequest, now: datetime) -> Reply:
        return self._list(request, now, with_metadata=False)

    def ListRecords(self, request: OAIRequest, now: datetime) -> Reply:
        return self._list(request, now, with_metadata=True)

    # Lists --------------------------------------------------------------------

    def _list(self, request: OAIRequest, now: datetime, *, with_metadata: bool) -> Reply:
        token = request.get("resumptionToken")
        if token is not None:
            state = self.codec.loads(token, verb=request.verb)
            fmt = FORMATS.get(state.prefix)
            if fmt is None:
                raise BadResumptionToken(
                    N_("this resumptionToken names the format %(prefix)s, no longer disseminated"),
                    prefix=state.prefix,
                )
            query = ListQuery(
                fmt.prefix,
                fmt.column,
                fmt.always,
                state.set,
                parse_stamp(state.since) if state.since else None,
                parse_stamp(state.until) if state.until else None,
            )
            after = (parse_stamp(state.datestamp), state.identifier)
            cursor, size = state.cursor, state.size
        else:
            fmt = get_format(request.args["metadataPrefix"])
            since, until = date_range(request.get("from"), request.get("until"))
            query = ListQuery(fmt.prefix, fmt.column, fmt.always, request.get("set"), since, until)
            size = self.repository.count(query)
            if size == 0:
                raise NoRecordsMatch(N_("no record matches %(query)s"), query=_describe(query))
            after, cursor = None, 0

        limit = self.settings.page_size[request.verb]
        stack = ExitStack()
        try:
            items = stack.enter_context(
                self.repository.page(
                    query, after=after, limit=limit + 1, with_metadata=with_metadata
                )
            )
            first = next(items, None)
        except BaseException:
            stack.close()
            raise
        if first is None:
            stack.close()
            raise NoRecordsMatch(
                Message(
                    N_("no record matches %(query)s after this resumptionToken")
                    if token
                    else N_("no record matches %(query)s"),
                    query=_describe(query),
                )
            )
        head = render.open_response(now, self.settings.base_url, request_attributes(request))
        chunks = self._stream(
            request.verb, head, first, items, stack, query, limit, cursor, size, with_metadata
        )
        return Reply(chunks, stack.close)

    def _stream(
        self,
        verb: str,
        head: str,
        first: Item,
        items: Iterator[Item],
        stack: ExitStack,
        query: ListQuery,
        limit: int,
        cursor: int,
        size: int,
        with_metadata: bool,
    ) -> Iterator[bytes]:
        writer = render.Writer()
        try:
            yield from writer.write(head + f"<{verb}>\n")
            sent, last, more = 0, first, False
            item: Item | None = first
            while item is not None:
                if sent == limit:
                    more = True  # the (limit+1)th row: there is a next page
                    break
                if with_metadata:
                    text = render.record(
                        item.identifier, item.datestamp, item.deleted, item.sets, item.metadata
                    )
                else:
                    text = (
                        render.header(item.identifier, item.datestamp, item.deleted, item.sets)
                        + "\n"
                    )
                yield from writer.write(text)
                sent += 1
                last = item
                item = next(items, None)
            stack.close()  # release the cursor before the tail is written
            total = max(size, cursor + sent + (1 if more else 0))
            if more:
                state = ResumptionState(
                    verb=verb,
                    prefix=query.prefix,
                    set=query.set,
                    since=stamp(query.since) if query.since else None,
                    until=stamp(query.until) if query.until else None,
                    datestamp=last.datestamp,
                    identifier=last.identifier,
                    cursor=cursor + sent,
                    size=total,
                )
                token, expires = self.codec.dumps(state)
                yield from writer.write(
                    render.resumption_token(token, size=total, cursor=cursor, expires=expires)
                )
            elif cursor > 0 or size > sent:
                # The last page of an incomplete list: an empty token closes it (spec 3.5).
                yield from writer.write(render.resumption_token("", size=total, cursor=cursor))
            yield from writer.write(f"</{verb}>\n" + render.CLOSE)
            yield writer.flush()
        finally:
            stack.close()

    # Identifiers --------------------------------------------------------------

    def identifier_of(self, resource_id: str) -> str:
        return f"oai:{self.settings.repository_id}:{resource_id}"


def _describe(query: ListQuery) -> str:
    parts = [f"metadataPrefix={query.prefix}"]
    if query.set:
        parts.append(f"set={query.set}")
    if query.since:
        parts.append(f"from={stamp(query.since)}")
    if query.until:
        parts.append(f"until={stamp(query.until)}")
    return ", ".join(parts)
