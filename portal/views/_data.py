"""The data behind the public pages, built once and rendered as HTML or JSON.

Each builder returns a plain JSON-able dict (Datasette's habit): the HTML
templates are a skin over it and ``.json`` twins / the API return it as is.
URLs in it (``toggle_url``, ``remove_url``…) are built from the *normalised*
state (term ids, not what the visitor typed) so links are canonical.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlencode

from flask import url_for
from flask_babel import lazy_gettext as _l

from indexer.facets import FACET_NAMES, FACETS_BY_NAME
from indexer.model import SearchQuery, SearchUnavailable

from .. import i18n
from ._args import FACETS
from ._degraded import database_result
from ._present import runtime, term_dict

SORT_LABELS = {
    "relevance": _l("Relevance"),
    "date": _l("Publication date"),
    "title": _l("Title"),
}
#: Keys of the search data only the HTML page uses (left out of the JSON twins).
HTML_ONLY = ("facet_list", "first", "heading")
DEFAULT_SIZE = 20
OPEN_FACETS = ("cycle", "level", "subject", "type")


# --- search ----------------------------------------------------------------------


class SearchState:
    """The normalised arguments of a search and the URLs derived from them."""

    def __init__(self, args: Mapping[str, Any], *, base: str, lang: str | None = None) -> None:
        self.q = args.get("q", "")
        self.filters: dict[str, list[str]] = {
            k: list(v) for k, v in args.get("filters", {}).items()
        }
        self.sort = args.get("sort", "relevance")
        self.page = args.get("page", 1)
        size = args.get("size")
        self.size = DEFAULT_SIZE if size is None else size  # 0: facets only
        self.base = base
        self.lang = lang  # only kept in URLs when given explicitly (API)
        self.literal: list[str] = list(args.get("literal") or [])
        self.autocorrect = args.get("autocorrect", True) is not False

    def items(
        self,
        *,
        q: str | None = None,
        filters: Mapping[str, list[str]] | None = None,
        page: int = 1,
        sort: str | None = None,
        literal: list[str] | None = None,
        autocorrect: bool | None = None,
    ) -> list[tuple[str, str]]:
        q = self.q if q is None else q
        literal = self.literal if literal is None else literal
        autocorrect = self.autocorrect if autocorrect is None else autocorrect
        filters = self.filters if filters is None else filters
        sort = sort or self.sort
        items: list[tuple[str, str]] = []
        if q:
            items.append(("q", q))
        for name in FACETS:
            items.extend((name, v) for v in filters.get(name, ()))
        items.extend(("literal", name) for name in literal)
        if not autocorrect:
            items.append(("autocorrect", "0"))
        if sort != "relevance":
            items.append(("sort", sort))
        if self.size != DEFAULT_SIZE:
            items.append(("size", str(self.size)))
        if page > 1:
            items.append(("page", str(page)))
        if self.lang:
            items.append(("lang", self.lang))
        return items

    def url(self, **changes: Any) -> str:
        query = urlencode(self.items(**changes))
        return self.base + (f"?{query}" if query else "")

    def narrowed(self, name: str, value: str, understood: Iterable[Mapping[str, Any]] = ()) -> str:
        """The search with ``value`` as the only selection of its facet's group: exactly
        the results the bucket counts (a facet's counts ignore its group's selections,
        the levels or subjects understood from the words included: those words leave
        the query, as a chosen value of their group would stop them being understood)."""
        group = FACETS_BY_NAME[name].group_key
        filters = {
            k: list(v) for k, v in self.filters.items() if FACETS_BY_NAME[k].group_key != group
        }
        filters[name] = [value]
        words = self.q.split()
        for item in understood:
            if FACETS_BY_NAME[item["facet"]].group_key == group:
                words = _without(words, str(item["words"]).split())
        return self.url(filters=filters, q=" ".join(words))

    def toggled(self, name: str, value: str) -> str:
        filters = {k: list(v) for k, v in self.filters.items()}
        values = filters.setdefault(name, [])
        if value in values:
            values.remove(value)
        else:
            values.append(value)
        return self.url(filters=filters)


def _without(words: list[str], phrase: list[str]) -> list[str]:
    """``words`` without the first run of ``phrase`` (unchanged when it is not there)."""
    n = len(phrase)
    for i in range(len(words) - n + 1):
        if n and [w.casefold() for w in words[i : i + n]] == [p.casefold() for p in phrase]:
            return words[:i] + words[i + n :]
    return words


def run_search(state: SearchState, lang: str):
    query = SearchQuery(
        q=state.q,
        filters=state.filters,
        sort=state.sort,
        page=state.page,
        size=max(state.size, 1),
        lang=lang,
        literal=tuple(state.literal),
        autocorrect=state.autocorrect,
    )
    result = runtime().search.search(query)
    if state.size == 0:  # counts only (the backend always ranks at least one hit)
        result.hits, result.size = [], 0
    return result


def search_data(state: SearchState, lang: str) -> dict[str, Any]:
    result = run_search(state, lang)
    facets: dict[str, list[dict]] = {}
    facet_labels: dict[str, dict[str, str]] = {}
    facet_list: list[dict] = []
    labels_by_value: dict[tuple[str, str], str] = {}
    for facet in result.facets:
        buckets = [
            _bucket(state, facet.name, b, labels_by_value, result.understood) for b in facet.buckets
        ]
        if facet.name == "cycle":  # the sidebar shows cycles flat; the tree is under "level"
            for b in buckets:
                b["children"] = []
        facets[facet.name] = buckets
        facet_labels[facet.name] = dict(facet.labels)
        selected = len(state.filters.get(facet.name, ()))
        facet_list.append(
            {
                "name": facet.name,
                "label": i18n.pick(facet.labels, lang)[0],
                "buckets": buckets,
                "selected_count": selected,
                "open": facet.name in OPEN_FACETS or selected > 0,
            }
        )
    # In the declared order (indexer/data/facets.json); cycles are the roots of level's tree.
    order = {name: i for i, name in enumerate(FACET_NAMES)}
    facet_list.sort(key=lambda f: order.get(f["name"], len(order)))
    active = []
    for name in FACETS:
        for value in state.filters.get(name, ()):
            active.append(
                {
                    "facet": name,
                    "facet_label": i18n.pick(facet_labels.get(name), lang)[0] or name,
                    "value": value,
                    "label": labels_by_value.get((name, value)) or value,
                    "remove_url": state.toggled(name, value),
                }
            )
    for item in result.understood:  # levels/subjects read from the words: removable chips
        if item["applied"] != "filter":
            continue
        for value in item["values"]:
            active.append(
                {
                    "facet": item["facet"],
                    "facet_label": i18n.pick(facet_labels.get(item["facet"]), lang)[0],
                    "value": value,
                    "label": item["labels"].get(value, value),
                    "remove_url": state.url(literal=[*state.literal, item["facet"]]),
                    "understood": item["words"],
                }
            )
    pages = result.pages
    data = {
        "total": result.total,
        "page": result.page,
        "size": result.size,
        "pages": pages,
        "q": state.q,
        "sort": state.sort,
        "lang": lang,
        "filters": state.filters,
        "hits": [hit_data(h, lang) for h in result.hits],
        "facets": facets,
        "facet_labels": facet_labels,
        "did_you_mean": result.did_you_mean,
        "did_you_mean_url": state.url(q=result.did_you_mean) if result.did_you_mean else None,
        "relaxed": result.relaxed,
        "corrected": result.corrected,
        "original_url": state.url(autocorrect=False) if result.corrected else None,
        "understood": result.understood,
        "empty_reason": result.empty_reason,
        "active": active,
        "clear_url": state.url(
            filters={}, literal=[*state.literal, *(u["facet"] for u in result.understood)]
        ),
        "pagination": _pagination(state, result.page, pages),
        "first": (result.page - 1) * result.size + 1,
        "facet_list": facet_list,
        "heading": _heading(state.q, [a["label"] for a in active]),
    }
    return data


def _heading(q: str, filters: list[str]) -> str:
    """What the page shows, for its title and heading: the words and the selected filters."""
    chosen = " · ".join(filters)
    if q and chosen:
        return str(_l("Results for “%(q)s” — %(filters)s", q=q, filters=chosen))
    if q:
        return str(_l("Results for “%(q)s”", q=q))
    if chosen:
        return str(_l("Resources — %(filters)s", filters=chosen))
    return str(_l("All resources"))


def html_extras(state: SearchState, data: dict[str, Any]) -> dict[str, Any]:
    """What only the HTML page needs: the sidebar list, sort options, hidden fields."""
    hidden = [(k, v) for k, v in state.items(page=1) if k not in ("sort", "lang")]
    return {
        "hidden_fields": hidden,
        "sort_options": [
            {"value": k, "label": str(v), "selected": k == state.sort}
            for k, v in SORT_LABELS.items()
        ],
    }


def _bucket(
    state: SearchState,
    name: str,
    bucket: Any,
    labels: dict[tuple[str, str], str],
    understood: list[dict[str, Any]],
) -> dict[str, Any]:
    labels[(name, bucket.value)] = bucket.label
    return {
        "value": bucket.value,
        "label": bucket.label,
        "labels": dict(bucket.labels),
        "count": bucket.count,
        "selected": bucket.selected,
        # A selected value is taken away; another narrows to it (its count is what it gives).
        "toggle_url": (
            state.toggled(name, bucket.value)
            if bucket.selected
            else state.narrowed(name, bucket.value, understood)
        ),
        "children": [_bucket(state, name, c, labels, understood) for c in bucket.children],
    }


def _pagination(state: SearchState, page: int, pages: int) -> dict[str, Any]:
    numbers = (
        sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)}) if pages else []
    )
    items: list[dict[str, Any]] = []
    previous = 0
    for n in numbers:
        if n - previous > 1:
            items.append({"gap": True})
        items.append({"number": n, "current": n == page, "url": state.url(page=n)})
        previous = n
    return {
        "pages": pages,
        "prev_url": state.url(page=page - 1) if page > 1 else None,
        "next_url": state.url(page=page + 1) if page < pages else None,
        "links": items,
    }


def hit_data(hit, lang: str) -> dict[str, Any]:
    title, title_lang = i18n.pick(hit.title, lang)
    others = [(c, t) for c, t in i18n.ordered_langstring(hit.title, lang) if c != title_lang]
    description, description_lang = i18n.pick(hit.description, lang)
    return {
        "id": hit.id,
        "title": title,
        "title_lang": title_lang,
        "titles": dict(hit.title),
        "other_title": others[0][1] if others else None,
        "other_title_lang": others[0][0] if others else None,
        "description": description,
        "description_lang": description_lang,
        "snippet": hit.snippet or "",
        "snippet_lang": None,
        "levels": [term_dict("level", v, lang) for v in hit.levels],
        "subjects": [term_dict("subject", v, lang) for v in hit.subjects],
        "types": [term_dict("learning_resource_type", v, lang) for v in hit.types],
        "languages": [term_dict("language", v, lang) for v in hit.languages],
        "year": hit.year,
        "score": round(float(hit.score or 0), 4),
        "url": url_for("public.resource", rid=hit.id),
        "api_url": url_for("api.resource", rid=hit.id),
    }


# --- home and browse -------------------------------------------------------------


def home_data(lang: str) -> dict[str, Any]:
    state = SearchState({"sort": "date", "size": 6}, base=url_for("public.search"))
    try:
        result, degraded = run_search(state, lang), None
    except SearchUnavailable as exc:  # counts and latest publications from the database
        result, degraded = database_result(lang, latest=6), exc.message(lang)
    cycles = []
    vocab = runtime().vocabularies["level"]
    counts = {b.value: b for b in (result.facet("cycle").buckets if result.facet("cycle") else [])}
    for root in vocab.roots():
        bucket = counts.get(root.id)
        cycles.append(
            {
                "id": root.id,
                "label": root.label(lang),
                "count": bucket.count if bucket else 0,
                "url": url_for("public.browse", level=root.id),
                "levels": [
                    {
                        "id": c.value,
                        "label": c.label,
                        "count": c.count,
                        "url": url_for("public.browse", level=c.value),
                    }
                    for c in (bucket.children if bucket else [])
                ],
            }
        )
    subject_facet = result.facet("subject")
    subjects = [
        {
            "id": b.value,
            "label": b.label,
            "count": b.count,
            "url": state.url(filters={"subject": [b.value]}, sort="relevance"),
        }
        for b in (subject_facet.buckets if subject_facet else [])[:12]
    ]
    return {
        "total": result.total,
        "cycles": cycles,
        "subjects": subjects,
        "recent": [hit_data(h, lang) for h in result.hits],
        "degraded": degraded,
        "examples": search_examples(result, lang),
    }


#: How many example queries the search box offers.
EXAMPLES = 3


def search_examples(result: Any, lang: str) -> list[dict[str, str]]:
    """Example queries that find something: the labels of the subjects and levels with the
    most published resources (from the facet counts), in the page's language and the other
    one, so a visitor sees the catalogue speaks both."""
    other = "ar" if lang != "ar" else "fr"
    picks: list[tuple[str, str]] = []  # (text, language)
    for name, langs in (("subject", (lang, other)), ("level", (lang,))):
        facet = result.facet(name)
        ranked = sorted(
            (b for b in (facet.buckets if facet else []) if b.count), key=lambda b: -b.count
        )
        for bucket, in_lang in zip(ranked, langs, strict=False):
            text = bucket.labels.get(in_lang) or bucket.label
            if text and text not in (t for t, _ in picks):
                picks.append((text, in_lang))
    return [
        {"q": text, "lang": in_lang, "url": url_for("public.search", q=text)}
        for text, in_lang in picks[:EXAMPLES]
    ]


def browse_data(level_id: str, lang: str) -> dict[str, Any] | None:
    """Subjects (with counts) of one cycle, level or branch; ``None`` if the term is unknown."""
    vocab = runtime().vocabularies["level"]
    term = vocab.get(level_id)
    if term is None:
        return None
    facet_name = "cycle" if term.broader is None else "level"
    state = SearchState(
        {"filters": {facet_name: [term.id]}, "size": 0}, base=url_for("public.search")
    )
    try:
        result, degraded = run_search(state, lang), None
    except SearchUnavailable as exc:  # counts from the database
        result, degraded = database_result(lang, level=term, facet=facet_name), exc.message(lang)
    subject_facet = result.facet("subject")
    subjects = sorted(
        ((b.label, b) for b in (subject_facet.buckets if subject_facet else []) if b.count),
        key=lambda pair: pair[0],
    )
    level_counts: dict[str, int] = {}

    def collect(buckets):
        for b in buckets:
            level_counts[b.value] = b.count
            collect(b.children)

    for name in ("cycle", "level"):
        if result.facet(name):
            collect(result.facet(name).buckets)
    search_url = SearchState(
        {"filters": {facet_name: [term.id]}}, base=url_for("public.search")
    ).url()
    return {
        "level": {
            "id": term.id,
            "label": term.label(lang),
            "labels": dict(term.labels),
            "path": [
                {"id": t.id, "label": t.label(lang), "url": url_for("public.browse", level=t.id)}
                for t in vocab.path(term.id)
            ],
        },
        "total": result.total,
        "search_url": search_url,
        "children": [
            {
                "id": c.id,
                "label": c.label(lang),
                "count": level_counts.get(c.id, 0),
                "url": url_for("public.browse", level=c.id),
            }
            for c in vocab.children(term.id)
            if level_counts.get(c.id, 0)
        ],
        "subjects": [
            {
                "id": b.value,
                "label": label,
                "count": b.count,
                "url": SearchState(
                    {"filters": {facet_name: [term.id], "subject": [b.value]}},
                    base=url_for("public.search"),
                ).url(),
            }
            for label, b in subjects
        ],
        "degraded": degraded,
    }
