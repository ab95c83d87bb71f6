"""The teachers' portal: home, browse, search, resource pages, tracked access.

Every page is built from one data dict (:mod:`portal.views._data`,
:mod:`portal.views._resource`) and has a ``.json`` twin announced by a
``Link: rel="alternate"`` header. Public routes are GET-only: nothing a visitor
does changes data, apart from anonymous usage statistics.
"""

from __future__ import annotations

from flask import Blueprint, redirect, url_for

from .. import i18n
from ..caching import cache_for
from ._args import SearchArgs, load_args
from ._data import HTML_ONLY, SearchState, browse_data, home_data, html_extras, search_data
from ._errors import not_found
from ._render import record_usage, render
from ._resource import published_resource, resource_data

bp = Blueprint("public", __name__)

#: Seconds a page may be kept by browsers and shared caches (ETag revalidation after).
PAGE_MAX_AGE = 60


@bp.get("/")
def home():
    lang = i18n.current_lang()
    cache_for(PAGE_MAX_AGE)
    return render("home.html", home_data(lang))


@bp.get("/browse/<level>", defaults={"fmt": "html"})
@bp.get("/browse/<level>.json", endpoint="browse_json", defaults={"fmt": "json"})
def browse(level: str, fmt: str):
    """Subjects with counts for one cycle, level or branch (home → cycle → level → subject)."""
    data = browse_data(level, i18n.current_lang())
    if data is None:
        raise not_found()
    cache_for(PAGE_MAX_AGE)
    return render(
        "browse.html",
        data,
        fmt=fmt,
        json_url=url_for("public.browse_json", level=data["level"]["id"]),
    )


@bp.get("/search", defaults={"fmt": "html"})
@bp.get("/search.json", endpoint="search_json", defaults={"fmt": "json"})
def search(fmt: str):
    lang = i18n.current_lang()
    # On pages ``lang`` is the interface choice (handled by portal.i18n), not a search option.
    args = load_args(SearchArgs(), ignore=("lang",))
    state = SearchState(args, base=url_for("public.search"))
    data = search_data(state, lang)
    if fmt == "json":
        data = {k: v for k, v in data.items() if k not in HTML_ONLY}
    json_url = SearchState(args, base=url_for("public.search_json")).url(page=state.page)
    cache_for(PAGE_MAX_AGE)
    return render(
        "search.html",
        data,
        fmt=fmt,
        json_url=json_url,
        html_context=html_extras(state, data) | {"q": data["q"]},
    )


@bp.get("/resources/<rid>", defaults={"fmt": "html"})
@bp.get("/resources/<rid>.json", endpoint="resource_json", defaults={"fmt": "json"})
def resource(rid: str, fmt: str):
    view = published_resource(rid)
    record_usage("view" if fmt == "html" else "api", view.id)
    data = resource_data(view, i18n.current_lang())
    cache_for(PAGE_MAX_AGE)
    return render(
        "resource.html", data, fmt=fmt, json_url=url_for("public.resource_json", rid=view.id)
    )


@bp.get("/r/<rid>/access")
def access(rid: str):
    """Count an access, then send the visitor to the resource itself."""
    view = published_resource(rid)
    record_usage("access", view.id)
    locations = view.record.get("technical", {}).get("location", [])
    target = next(
        (
            u
            for u in locations
            if isinstance(u, str) and u.lower().startswith(("https://", "http://"))
        ),
        None,
    )
    return redirect(target or url_for("public.resource", rid=view.id), code=302)
