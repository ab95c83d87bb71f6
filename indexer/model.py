"""The backend-neutral search API: what goes in (resources, queries) and what comes out.

Whoosh is the embedded default; an Elasticsearch/OpenSearch backend implements
the same :class:`SearchBackend` protocol, so nothing here mentions an engine.
:class:`SearchQuery` validates user input and raises :class:`SearchError`, a
:class:`core.errors.MawaridError` with a stable ``code`` (``bad_page``,
``query_too_long``…) and an English message id rendered in the reader's language.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from core.errors import MawaridError
from core.messages import N_, Message

from .facets import FACET_NAMES, Facet

MAX_QUERY_CHARS = 500  # longer input is an error, not silently cut
MAX_QUERY_TERMS = 32  # words beyond this are ignored (AND of 32 words is already empty)
MAX_PAGE_SIZE = 100
MAX_RESULT_WINDOW = 10_000  # page * size, as Elasticsearch's index.max_result_window
MAX_FILTER_VALUES = 50
MAX_VALUE_CHARS = 200
SORTS = ("relevance", "date", "title")
LANGS = ("fr", "ar", "en", "zgh")


#: Every search error: its code → its English message id. ``SearchError(code, **params)``
#: takes the code's message (``SearchError("bad_url", value=url)``).
MESSAGES: dict[str, str] = {
    "query_too_long": N_("The query is too long (%(length)d characters, at most %(max)d)."),
    "bad_page": N_("Invalid page number: %(value)s (a whole number from 1)."),
    "bad_size": N_("Invalid page size: %(value)s (0 to %(max)d)."),
    "page_too_deep": N_(
        "Page too deep: refine the search (at most %(max)d results can be paged through)."
    ),
    "bad_sort": N_("Unknown sort: %(value)s (relevance, date or title)."),
    "unknown_facet": N_("Unknown filter: %(value)s."),
    "too_many_values": N_("Too many values for filter %(facet)s (at most %(max)d)."),
    "bad_value": N_("Invalid value for %(facet)s."),
    "rebuild_in_progress": N_("An index rebuild is already running."),
    "index_busy": N_("The search index is busy with another write; try again in a moment."),
    "bad_url": N_(
        "Invalid search URL: %(value)s (expected whoosh:///absolute/path or "
        "elasticsearch://host:port/alias)."
    ),
    "search_unavailable": N_("The search engine (%(engine)s) does not answer: %(detail)s"),
    "search_failed": N_(
        "The search engine (%(engine)s) refused the request (%(status)s): %(detail)s"
    ),
    "bad_lexicon": N_("The search lexicon %(path)s cannot be read (%(detail)s)."),
    "index_conflict": N_(
        '"%(name)s" is an index, not an alias: choose another index prefix in the search URL.'
    ),
}


class SearchError(MawaridError):
    """A search that cannot be answered as asked (``code`` names the problem).

    Raised with a code of :data:`MESSAGES` (``SearchError("bad_page", value=v)``), whose
    English message id is rendered in the reader's language.
    """

    code = "search_error"

    def __init__(self, code: str, /, **params: Any) -> None:
        super().__init__(MESSAGES.get(code, code), code=code, **params)

    @property
    def key(self) -> str:
        """The code, under its former name (the portal maps it to a query parameter)."""
        return self.code


class SearchUnavailable(SearchError):
    """The search engine cannot answer now (unreachable, too slow, overloaded).

    Not the reader's fault and not for long: the portal answers 503 with ``Retry-After:
    retry_after``. ``cause`` says what failed, for the log; it may name internal hosts, so
    it is never part of :meth:`message`.
    """

    def __init__(self, *, engine: str, cause: str, retry_after: int) -> None:
        self.engine = engine
        self.cause = cause
        self.retry_after = retry_after
        super().__init__("search_unavailable")
        self.msg = Message(
            N_(
                "Search is unavailable for a moment. Try again in a few minutes; "
                "resource pages and browsing by level and subject still work."
            )
        )


@dataclass(frozen=True)
class IndexableResource:
    """A published resource as the index sees it (see :func:`to_indexable`)."""

    id: str
    record: dict
    acquisition_mode: str | None = None
    published_at: datetime | None = None
    updated_at: datetime | None = None


class PublishedView(Protocol):
    """What the index reads of a resource the catalogue publishes.

    The catalogue's ``ResourceView`` has this shape; it is declared here, not imported,
    because the indexer is below the catalogue's callers and never imports the catalogue.
    """

    @property
    def id(self) -> str: ...

    @property
    def record(self) -> dict[str, Any]: ...

    @property
    def acquisition(self) -> Mapping[str, Any] | None: ...

    @property
    def published_at(self) -> datetime | None: ...

    @property
    def updated_at(self) -> datetime | None: ...


def to_indexable(view: PublishedView) -> IndexableResource:
    """The index's side of a published resource: its record, acquisition mode and dates.

    Whether the resource belongs in the index at all (it is published) is the caller's
    decision (:mod:`mawarid.index_sync`).
    """
    acquisition = view.acquisition
    return IndexableResource(
        id=view.id,
        record=view.record,
        acquisition_mode=acquisition.get("mode") if acquisition else None,
        published_at=view.published_at,
        updated_at=view.updated_at,
    )


@dataclass(frozen=True)
class SearchQuery:
    q: str = ""
    filters: Mapping[str, list[str]] = field(default_factory=dict)
    sort: str = "relevance"
    page: int = 1
    size: int = 20
    lang: str = "fr"
    #: facets whose names in the words are read as plain words (a removed chip)
    literal: tuple[str, ...] = ()
    #: search the confident correction of a query that finds nothing (else only suggest it)
    autocorrect: bool = True

    def validated(self) -> SearchQuery:
        """A clean copy (trimmed text, known facets, deduplicated values) or :class:`SearchError`."""
        q = self.q if isinstance(self.q, str) else ""
        q = " ".join(q.split())
        if len(q) > MAX_QUERY_CHARS:
            raise SearchError("query_too_long", length=len(q), max=MAX_QUERY_CHARS)
        page = _int(self.page, "bad_page")
        if page < 1:
            raise SearchError("bad_page", value=str(self.page)[:50])
        size = _int(self.size, "bad_size", max=MAX_PAGE_SIZE)
        if not 0 <= size <= MAX_PAGE_SIZE:  # 0: counts and facets only
            raise SearchError("bad_size", value=str(self.size)[:50], max=MAX_PAGE_SIZE)
        if page * size > MAX_RESULT_WINDOW:
            raise SearchError("page_too_deep", max=MAX_RESULT_WINDOW)
        if self.sort not in SORTS:
            raise SearchError("bad_sort", value=str(self.sort)[:50])
        lang = self.lang if self.lang in LANGS else "fr"
        filters: dict[str, list[str]] = {}
        for name, values in (self.filters or {}).items():
            if name not in FACET_NAMES:
                raise SearchError("unknown_facet", value=str(name)[:50])
            if isinstance(values, str):
                values = [values]
            clean: list[str] = []
            for value in values or []:
                if not isinstance(value, str) or len(value) > MAX_VALUE_CHARS:
                    raise SearchError("bad_value", facet=name)
                value = value.strip()
                if value and value not in clean:
                    clean.append(value)
            if len(clean) > MAX_FILTER_VALUES:
                raise SearchError("too_many_values", facet=name, max=MAX_FILTER_VALUES)
            if clean:
                filters[name] = clean
        literal = tuple(
            name for name in dict.fromkeys(_strings(self.literal)) if name in LITERAL_FACETS
        )
        return replace(
            self,
            q=q,
            page=page,
            size=size,
            lang=lang,
            filters=filters,
            literal=literal,
            autocorrect=self.autocorrect is not False,
        )

    @classmethod
    def from_args(cls, args: Any) -> SearchQuery:
        """From request arguments (a werkzeug ``MultiDict`` or a plain dict of lists).

        ``?q=…&level=1ac&level=2ac&subject=mathematiques&sort=date&page=2&size=20&lang=ar``
        """

        def get_list(name: str) -> list[str]:
            if hasattr(args, "getlist"):
                return args.getlist(name)
            value = args.get(name, [])
            return [value] if isinstance(value, str) else list(value)

        def get_one(name: str, default: Any) -> Any:
            values = get_list(name)
            return values[0] if values else default

        filters = {name: get_list(name) for name in FACET_NAMES if get_list(name)}
        return cls(
            q=get_one("q", ""),
            filters=filters,
            sort=get_one("sort", "relevance"),
            page=get_one("page", 1),
            size=get_one("size", 20),
            lang=get_one("lang", "fr"),
            literal=tuple(get_list("literal")),
            autocorrect=str(get_one("autocorrect", "1")).strip().lower()
            not in ("0", "false", "no"),
        ).validated()


#: facets that a removed chip may ask to read literally (``?literal=level``)
LITERAL_FACETS = ("level", "subject", "type")


def _strings(values: Any) -> list[str]:
    if isinstance(values, str):
        return [values]
    return [v for v in values or () if isinstance(v, str)]


def _int(value: Any, code: str, **params: Any) -> int:
    if isinstance(value, bool):
        raise SearchError(code, value=str(value), **params)
    if isinstance(value, int):
        return value
    try:
        text = str(value).strip()
        if not text.isdigit() and not (text.startswith("-") and text[1:].isdigit()):
            raise ValueError
        return int(text[:12])
    except (TypeError, ValueError):
        raise SearchError(code, value=str(value)[:50], **params) from None


@dataclass
class Hit:
    id: str
    title: dict[str, str]
    description: dict[str, str]
    snippet: str  # safe HTML: escaped text with <mark> around matches
    levels: list[str]
    subjects: list[str]
    types: list[str]
    languages: list[str]
    year: int | None
    score: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "snippet": self.snippet,
            "levels": self.levels,
            "subjects": self.subjects,
            "types": self.types,
            "languages": self.languages,
            "year": self.year,
            "score": round(float(self.score), 4),
        }


@dataclass
class SearchResult:
    total: int
    page: int
    size: int
    hits: list[Hit]
    facets: list[Facet]
    did_you_mean: str | None = None
    #: True when no document had every word and the result lists documents with any word.
    relaxed: bool = False
    query: SearchQuery | None = None
    #: the corrected query whose results these are, in the catalogue's spelling (the
    #: query as typed found nothing); ``query.q`` is what was typed
    corrected: str | None = None
    #: levels, subjects and types read from the words: ``{"facet", "values", "labels",
    #: "words", "applied"}`` with ``applied`` "filter" (a removable chip) or "boost"
    understood: list[dict[str, Any]] = field(default_factory=list)
    #: why the words were not searched: "stopwords" (only words like ``de``, ``في``) or
    #: "marks" (no word at all); the result is then empty
    empty_reason: str | None = None

    @property
    def pages(self) -> int:
        return (self.total + self.size - 1) // self.size if self.size else 0

    def facet(self, name: str) -> Facet | None:
        return next((f for f in self.facets if f.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "page": self.page,
            "size": self.size,
            "pages": self.pages,
            "hits": [h.to_dict() for h in self.hits],
            "facets": {f.name: f.to_dict() for f in self.facets},
            "facet_labels": {f.name: f.labels for f in self.facets},
            "did_you_mean": self.did_you_mean,
            "relaxed": self.relaxed,
            "corrected": self.corrected,
            "understood": self.understood,
            "empty_reason": self.empty_reason,
        }


Progress = Callable[[int], None]


@runtime_checkable
class SearchBackend(Protocol):
    """What the portal, the index journal's drainer and the CLI need from a search engine."""

    def upsert(self, docs: Iterable[IndexableResource]) -> int: ...

    def delete(self, ids: Iterable[str]) -> int: ...

    def rebuild(
        self,
        docs: Iterable[IndexableResource],
        total: int | None = None,
        progress: Progress | None = None,
    ) -> int: ...

    def search(self, query: SearchQuery) -> SearchResult: ...

    def suggest(self, prefix: str, *, lang: str = "fr", limit: int = 8) -> list[str]: ...

    def count(self) -> int: ...

    def ids(self) -> Iterator[str]:
        """Every indexed resource id, in no particular order (drift checks)."""
        ...

    def close(self) -> None: ...
