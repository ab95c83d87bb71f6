"""A published resource as a readable dict: the LOM record with labels, plus provenance.

Only published resources are public: :func:`published_resource` answers 404 for
anything else (drafts, submitted, withdrawn, unknown, malformed ids), so the
public site never reveals that an unpublished id exists.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import url_for
from flask_babel import lazy_gettext as _l

from catalogue.errors import NotFound
from core import formats
from metadata_schemas.identifiers import is_resource_id

from .. import i18n
from ._errors import not_found
from ._present import runtime, term_dict


def published_resource(rid: str):
    """The resource view, or a 404 in the visitor's language."""
    message = _l("No published resource has this identifier.")
    if not is_resource_id(rid):
        raise not_found(message, {"id": [str(_l("Malformed identifier."))]})
    try:
        view = runtime().resources.get(rid)
    except NotFound:
        raise not_found(message) from None
    if view.status != "published":
        raise not_found(message)
    return view


def provenance_summary(rid: str) -> dict[str, Any] | None:
    summary: dict[str, Any] = runtime().resources.provenance_summary(rid)
    return summary


def resource_data(view, lang: str) -> dict[str, Any]:
    record = view.record
    general = record.get("general", {})
    educational = record.get("educational", {})
    technical = record.get("technical", {})
    rights = record.get("rights", {})
    title, title_lang = i18n.pick(general.get("title"), lang)
    levels = _taxa(record, "level", lang)
    subjects = _taxa(record, "subject", lang)
    licence = term_dict("licence", rights["licence"], lang) if rights.get("licence") else None
    location = next((u for u in technical.get("location", []) if _is_web(u)), None)
    provenance = provenance_summary(view.id)
    return {
        "id": view.id,
        "url": url_for("public.resource", rid=view.id),
        "json_url": url_for("public.resource_json", rid=view.id),
        "api_url": url_for("api.resource", rid=view.id),
        "access_url": url_for("public.access", rid=view.id) if location else None,
        "title": title,
        "title_lang": title_lang,
        "titles": _texts(general.get("title"), lang),
        "descriptions": _texts(general.get("description"), lang),
        "keywords": [
            {"lang": c, "text": t}
            for kw in general.get("keyword", [])
            for c, t in i18n.ordered_langstring(kw, lang)[:1]
        ],
        "levels": levels,
        "subjects": subjects,
        "types": [
            term_dict("learning_resource_type", t, lang)
            for t in educational.get("learning_resource_type", [])
        ],
        "languages": [term_dict("language", t, lang) for t in general.get("language", [])],
        "audience": [
            term_dict("intended_end_user_role", t, lang)
            for t in educational.get("intended_end_user_role", [])
        ],
        "contexts": [term_dict("context", t, lang) for t in educational.get("context", [])],
        "age_ranges": list(educational.get("typical_age_range", [])),
        "difficulty": term_dict("difficulty", educational["difficulty"], lang)
        if educational.get("difficulty")
        else None,
        "learning_time": _duration(educational.get("typical_learning_time")),
        "licence": licence,
        "cost": rights.get("cost"),
        "rights_description": _texts(rights.get("description"), lang),
        "contributors": [
            {
                "role": c.get("role"),
                "role_label": term_dict("contributor_role", c["role"], lang)["label"]
                if c.get("role")
                else "",
                "entities": list(c.get("entity", [])),
                "date": c.get("date"),
            }
            for c in record.get("lifecycle", {}).get("contribute", [])
        ],
        "version": record.get("lifecycle", {}).get("version"),
        "duration": _duration(technical.get("duration")),
        "formats": list(technical.get("format", [])),
        "size": _size(technical.get("size")),
        "location": location,
        "published_at": _iso(view.published_at),
        "published_label": formats.format_date(view.published_at) if view.published_at else None,
        "provenance": _provenance(provenance, lang),
        "record": record,
    }


def _texts(langstring, lang: str) -> list[dict[str, str]]:
    return [
        {"lang": c, "text": t, "dir": i18n.text_dir(c)}
        for c, t in i18n.ordered_langstring(langstring, lang)
    ]


def _taxa(record: dict, source: str, lang: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for cls in record.get("classification", []):
        for path in cls.get("taxon_path", []):
            if path.get("source") != source or not path.get("taxon"):
                continue
            terms = [term_dict(source, t, lang) for t in path["taxon"]]
            leaf = dict(terms[-1])
            leaf["path"] = [t["label"] for t in terms]
            leaf["search_url"] = url_for(
                "public.search", **{"level" if source == "level" else "subject": leaf["id"]}
            )
            if all(existing["id"] != leaf["id"] for existing in out):
                out.append(leaf)
    return out


def _provenance(summary: dict | None, lang: str) -> dict[str, Any] | None:
    if not summary:
        return None
    out = dict(summary)
    if summary.get("mode"):
        out["mode_label"] = term_dict("acquisition_mode", summary["mode"], lang)["label"]
    validated = summary.get("validated")
    if validated:
        out["validated"] = dict(validated)
        if validated.get("commission"):
            out["validated"]["commission_label"] = term_dict(
                "commission", validated["commission"], lang
            )["label"]
        out["validated"]["date_label"] = _date_label(validated.get("date"))
    published = summary.get("published")
    if published:
        out["published"] = dict(published)
        out["published"]["date_label"] = _date_label(published.get("date"))
    return out


def _date_label(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return formats.format_date(date.fromisoformat(value[:10]))
    except ValueError:
        return value


def _iso(value) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def _duration(value: str | None) -> dict[str, str] | None:
    """ISO 8601 duration → ``{"iso": "PT1H5M", "label": "1 heure 5 minutes"}``."""
    if not value:
        return None
    parsed = formats.parse_duration(value)
    label = formats.format_duration(parsed) if parsed is not None else value
    return {"iso": value, "label": label}


def _size(value: Any) -> str | None:
    if not isinstance(value, int) or value <= 0:
        return None
    return formats.format_size(value)


def _is_web(url: Any) -> bool:
    return isinstance(url, str) and url.lower().startswith(("https://", "http://"))
