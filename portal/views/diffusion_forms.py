"""What the campaign forms send, as arguments of the diffusion services; selections as text.

The forms are plain HTML (the services check every value and name the field of each
refusal): these helpers only split lines and ``facet=value`` pairs, so a refused form
can be shown again with exactly what was typed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from ..context import current_runtime
from ..i18n import current_lang
from ._args import FACET_VOCABULARIES


def _lines(form: MultiDict[str, str], name: str) -> list[str]:
    return [line.strip() for line in form.get(name, "").splitlines() if line.strip()]


def parse_filters(text: str) -> dict[str, list[str]]:
    """``subject=mathematiques, level=1ac`` (commas or lines) → ``{facet: [values]}``."""
    filters: dict[str, list[str]] = {}
    for part in text.replace("\n", ",").split(","):
        key, sep, value = part.partition("=")
        if sep and key.strip() and value.strip():
            filters.setdefault(key.strip(), []).append(value.strip())
    return filters


def campaign_arguments(form: MultiDict[str, str]) -> dict[str, Any]:
    ids = _lines(form, "resource_ids")
    query = None
    if form.get("q", "").strip() or form.get("filters", "").strip():
        query = {"q": form.get("q", ""), "filters": parse_filters(form.get("filters", ""))}
    establishments = []
    for line in _lines(form, "establishments"):
        region, _sep, rest = line.partition(";")
        code, _sep, name = rest.partition(";")
        establishments.append(
            {"region": region.strip(), "code": code.strip(), "name": name.strip()}
        )
    return {
        "code": form.get("code", "").strip(),
        "title": {"fr": form.get("title_fr", ""), "ar": form.get("title_ar", "")},
        "channel": form.get("channel", ""),
        "query": query,
        "resource_ids": ids if ids else None,
        "regions": form.getlist("regions"),
        "establishments": establishments,
    }


def shipment_arguments(form: MultiDict[str, str]) -> dict[str, Any]:
    try:
        when = date.fromisoformat(form["date"]) if form.get("date") else None
    except ValueError:
        when = None
    return {
        "region": form.get("region", ""),
        "quantity": form.get("quantity", ""),
        "on": when,
        "establishment_code": form.get("establishment_code", ""),
    }


def selection_text(selection: Mapping[str, Any] | None) -> str:
    """A saved search as a person reads it: ``« fractions » — Niveau : 1AC ; Matière : …``."""
    if not selection:
        return _("explicit list")
    vocabularies = current_runtime().vocabularies
    lang = current_lang()
    parts = []
    for facet, values in (selection.get("filters") or {}).items():
        vocab_id = FACET_VOCABULARIES.get(facet)
        labels = []
        for value in values:
            term = vocabularies[vocab_id].get(value) if vocab_id else None
            labels.append(term.label(lang) if term is not None else str(value))
        name = vocabularies[vocab_id].label(lang) if vocab_id else facet
        parts.append(_("%(facet)s: %(values)s", facet=name, values=", ".join(labels)))
    filters = "; ".join(parts)
    words = (selection.get("q") or "").strip()
    if words and filters:
        return _("“%(words)s” — %(filters)s", words=words, filters=filters)
    if words:
        return _("“%(words)s”", words=words)
    return filters
