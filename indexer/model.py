"""The backend-neutral search API: what goes in (resources, queries) and what comes out.

Whoosh is the embedded default; an Elasticsearch/OpenSearch backend implements
the same :class:`SearchBackend` protocol, so nothing here mentions an engine.
:class:`SearchQuery` validates user input and raises :class:`SearchError` with a
message *key* (``bad_page``, ``query_too_long``…) that the portal translates;
``SearchError.message(lang)`` gives the text in French, Arabic or English.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from importlib import resources
from typing import Any, Protocol, runtime_checkable

from core.messages import N_, gettext

from .facets import FACET_NAMES

_MESSAGES = json.loads(resources.files("indexer").joinpath("data/messages.json").read_text("utf-8"))

MAX_QUERY_CHARS = 500  # longer input is an error, not silently cut
MAX_QUERY_TERMS = 32  # words beyond this are ignored (AND of 32 words is already empty)
MAX_PAGE_SIZE = 100
MAX_RESULT_WINDOW = 10_000  # page * size, as Elasticsearch's index.max_result_window
MAX_FILTER_VALUES = 50
MAX_VALUE_CHARS = 200
SORTS = ("relevance", "date", "title")
LANGS = ("fr", "ar", "en", "zgh")


class SearchError(Exception):
    """A search that cannot be answered as asked; ``key`` names the problem for translation."""

    def __init__(self, key: str, **params: Any) -> None:
        self.key = key
        self.params = params
        super().__init__(self.message("en"))

    def message(self, lang: str = "fr") -> str:
        texts = _MESSAGES.get(self.key, {})
        text = texts.get(lang) or texts.get("fr") or self.key
        try:
            return text.format(**self.params)
        except (KeyError, IndexError):
            return text

    def to_dict(self, lang: str = "fr") -> dict[str, Any]:
        return {"key": self.key, "message": self.message(lang), "params": self.params}


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

    def message(self, lang: str | None = "fr") -> str:
        return gettext(
            N_(
                "Search is unavailable for a moment. Try again in a few minutes; "
                "resource pages and browsing by level and subject still work."
            ),
            lang,
        )


@dataclass(frozen=True)
class IndexableResource:
    """A published resource as the index sees it (built by the pipeline from the catalogue)."""

    id: str
    record: dict
    acquisition_mode: str | None = None
    published_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class SearchQuery:
    q: str = ""
    filters: Mapping[str, list[str]] = field(default_factory=dict)
    sort: str = "relevance"
    page: int = 1
    size: int = 20
    lang: str = "fr"

    def validated(self) -> SearchQuery:
        """A clean copy (trimmed text, known facets, deduplicated values) or :class:`SearchError`."""
        q = self.q if isinstance(self.q, str) else ""
        q = " ".join(q.split())
        if len(q) > MAX_QUERY_CHARS:
            raise SearchError("query_too_long", length=len(q), max=MAX_QUERY_CHARS)
        page = _int(self.page, "bad_page")
        if page < 1:
            raise SearchError("bad_page", value=self.page)
        size = _int(self.size, "bad_size", max=MAX_PAGE_SIZE)
        if not 0 <= size <= MAX_PAGE_SIZE:  # 0: counts and facets only
            raise SearchError("bad_size", value=self.size, max=MAX_PAGE_SIZE)
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
        return replace(self, q=q, page=page, size=size, lang=lang, filters=filters)

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
        ).validated()


def _int(value: Any, key: str, **params: Any) -> int:
    if isinstance(value, bool):
        raise SearchError(key, value=value, **params)
    if isinstance(value, int):
        return value
    try:
        text = str(value).strip()
        if not text.isdigit() and not (text.startswith("-") and text[1:].isdigit()):
            raise ValueError
        return int(text[:12])
    except (TypeError, ValueError):
        raise SearchError(key, value=str(value)[:50], **params) from None


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
class Bucket:
    value: str
    labels: dict[str, str]
    count: int
    selected: bool = False
    children: list[Bucket] = field(default_factory=list)
    label: str = ""  # the label in the query's language

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "label": self.label,
            "labels": self.labels,
            "count": self.count,
            "selected": self.selected,
            "children": [c.to_dict() for c in self.children],
        }


@dataclass
class Facet:
    name: str
    labels: dict[str, str]
    buckets: list[Bucket]

    def to_dict(self) -> list[dict[str, Any]]:
        return [b.to_dict() for b in self.buckets]


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
        }


Progress = Callable[[int], None]


@runtime_checkable
class SearchBackend(Protocol):
    """What the portal, the pipeline and the CLI need from a search engine."""

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

    def close(self) -> None: ...
