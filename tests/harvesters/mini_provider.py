"""A tiny OAI-PMH 2.0 provider for behaviours a Mawarid partner never shows.

It serves records from a dict — Dublin Core made from titles, or any metadata given
as written (``raw``: a partner's LOM, ScoLOMFR, IMS… record) under the prefixes it is
told (``prefixes``) — at **day** granularity, with
``deletedRecord`` ``no``/``transient``/``persistent``, pages of ``page_size`` and
tokens that can expire (``expire_tokens``: every token is refused once after it was
issued, as a repository restarted between two pages would), answers ``GetRecord``
(``idDoesNotExist`` for an identifier it does not have), and ``503`` with
``Retry-After`` on the requests listed in ``busy``. It checks what a harvester asks:
a ``from`` at another granularity than its own is ``badArgument``, as the spec says.
Every answer it builds is valid against OAI-PMH.xsd (the tests validate some).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape, quoteattr

HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/ '
    'http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd">'
    "<responseDate>{now}</responseDate><request>{base}</request>"
)
DC_OPEN = (
    '<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/oai_dc/ '
    'http://www.openarchives.org/OAI/2.0/oai_dc.xsd">'
)


@dataclass
class Item:
    day: date
    titles: dict[str, str] = field(default_factory=dict)
    deleted: bool = False
    raw: str | None = None  # metadata as given (a broken record)


@dataclass
class MiniProvider:
    base: str = "http://partner.example/oai"
    deleted_record: str = "no"
    page_size: int = 3
    today: date = date(2026, 1, 10)
    items: dict[str, Item] = field(default_factory=dict)
    expire_tokens: bool = False
    busy: dict[int, str] = field(default_factory=dict)  # request number → Retry-After
    prefixes: tuple[str, ...] = ("oai_dc",)
    requests: list[dict[str, str]] = field(default_factory=list)
    _refused: set[str] = field(default_factory=set)

    def put(self, identifier: str, titles: dict[str, str], *, day: date | None = None) -> None:
        self.items[identifier] = Item(day or self.today, titles)

    def put_raw(self, identifier: str, metadata: str, *, day: date | None = None) -> None:
        """A record whose metadata is served as written."""
        self.items[identifier] = Item(day or self.today, raw=metadata)

    def delete(self, identifier: str) -> None:
        if self.deleted_record == "no":
            del self.items[identifier]
        else:
            self.items[identifier] = Item(self.today, deleted=True)

    # -- WSGI ------------------------------------------------------------------------

    def __call__(self, environ, start_response):
        args = dict(parse_qsl(environ.get("QUERY_STRING", "")))
        self.requests.append(args)
        number = len(self.requests)
        if number in self.busy:
            start_response(
                "503 Service Unavailable",
                [("Retry-After", self.busy[number]), ("Content-Type", "text/plain")],
            )
            return [b"busy, come back later"]
        body = self.answer(args)
        start_response("200 OK", [("Content-Type", "text/xml; charset=utf-8")])
        return [body.encode("utf-8")]

    def answer(self, args: dict[str, str]) -> str:
        verb = args.get("verb")
        head = HEAD.format(now=f"{self.today.isoformat()}T12:00:00Z", base=escape(self.base))
        if verb == "Identify":
            return (
                head + "<Identify><repositoryName>Partner</repositoryName>"
                f"<baseURL>{escape(self.base)}</baseURL><protocolVersion>2.0</protocolVersion>"
                "<adminEmail>oai@partner.example</adminEmail>"
                "<earliestDatestamp>2020-01-01</earliestDatestamp>"
                f"<deletedRecord>{self.deleted_record}</deletedRecord>"
                "<granularity>YYYY-MM-DD</granularity></Identify></OAI-PMH>"
            )
        if verb == "GetRecord":
            return head + self._get_record(args) + "</OAI-PMH>"
        if verb not in ("ListRecords", "ListIdentifiers"):
            return head + '<error code="badVerb">unknown verb</error></OAI-PMH>'
        token = args.get("resumptionToken")
        if token:
            if self.expire_tokens and token not in self._refused:
                self._refused.add(token)
                return head + '<error code="badResumptionToken">expired</error></OAI-PMH>'
            offset_text, since, prefix = token.split("|")
            offset = int(offset_text)
        else:
            since, offset, prefix = args.get("from", ""), 0, args.get("metadataPrefix", "")
            if since and len(since) != 10:
                return (
                    head + '<error code="badArgument">from must be YYYY-MM-DD here</error>'
                    "</OAI-PMH>"
                )
        if prefix not in self.prefixes:
            return head + '<error code="cannotDisseminateFormat">not here</error></OAI-PMH>'
        chosen = sorted(
            (i, item)
            for i, item in self.items.items()
            if not since or item.day >= date.fromisoformat(since)
        )
        if not chosen:
            return head + '<error code="noRecordsMatch">nothing</error></OAI-PMH>'
        page = chosen[offset : offset + self.page_size]
        body = "".join(self._record(i, item, verb) for i, item in page)
        rest = offset + self.page_size < len(chosen)
        next_token = f"{offset + self.page_size}|{since}|{prefix}" if rest else ""
        tail = (
            f'<resumptionToken completeListSize="{len(chosen)}" cursor="{offset}">'
            f"{escape(next_token)}</resumptionToken>"
            if rest or offset
            else ""
        )
        return head + f"<{verb}>{body}{tail}</{verb}></OAI-PMH>"

    def _get_record(self, args: dict[str, str]) -> str:
        if args.get("metadataPrefix") not in self.prefixes:
            return '<error code="cannotDisseminateFormat">not here</error>'
        item = self.items.get(args.get("identifier", ""))
        if item is None:
            return '<error code="idDoesNotExist">no such record</error>'
        return f"<GetRecord>{self._record(args['identifier'], item, 'GetRecord')}</GetRecord>"

    def _record(self, identifier: str, item: Item, verb: str) -> str:
        status = ' status="deleted"' if item.deleted else ""
        header = (
            f"<header{status}><identifier>{escape(identifier)}</identifier>"
            f"<datestamp>{item.day.isoformat()}</datestamp></header>"
        )
        if verb == "ListIdentifiers":
            return header
        if item.deleted:
            return f"<record>{header}</record>"
        metadata = item.raw
        if metadata is None:
            titles = "".join(
                f"<dc:title xml:lang={quoteattr(lang)}>{escape(text)}</dc:title>"
                for lang, text in item.titles.items()
            )
            metadata = DC_OPEN + titles + "<dc:language>fr</dc:language></oai_dc:dc>"
        return f"<record>{header}<metadata>{metadata}</metadata></record>"
