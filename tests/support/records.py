"""Complete test records: what the completeness rules ask for, added where a fixture lacks it.

Submission refuses an incomplete record (catalogue/completeness/rules.json), so fixtures
that take records through the lifecycle pass them through :func:`complete` first. Only
the missing items are filled (a fixture's own values stay), from the rules themselves: a
check added to the rules without a filler here fails loudly (KeyError), never silently.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

from catalogue.services.completeness import RULES


def _slug(record: dict[str, Any]) -> str:
    title = record.get("general", {}).get("title", {})
    text = title.get("fr") or title.get("en") or "ressource"
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "ressource"


def _text(key: str, lang: str) -> Callable[[dict[str, Any]], None]:
    def fill(record: dict[str, Any]) -> None:
        general = record.setdefault("general", {})
        title = general.get("title", {})
        base = title.get(lang) or next(iter(title.values()), "")
        words = {"fr": "Ressource : %s", "ar": "مورد: %s"}[lang] if key == "description" else "%s"
        general.setdefault(key, {})[lang] = words % (base or "—")

    return fill


def _level(record: dict[str, Any]) -> None:
    record.setdefault("classification", []).append(
        {"purpose": "educational_level", "taxon_path": [{"source": "level", "taxon": ["1ac"]}]}
    )


def _subject(record: dict[str, Any]) -> None:
    record.setdefault("classification", []).append(
        {"purpose": "discipline", "taxon_path": [{"source": "subject", "taxon": ["mathematiques"]}]}
    )


def _contribution(record: dict[str, Any]) -> dict[str, Any]:
    contribute = record.setdefault("lifecycle", {}).setdefault("contribute", [])
    if not contribute:
        contribute.append({"role": "author", "entity": ["LNRN"]})
    return contribute[0]


FILLERS: dict[str, Callable[[dict[str, Any]], None]] = {
    "title_fr": _text("title", "fr"),
    "title_ar": _text("title", "ar"),
    "description_fr": _text("description", "fr"),
    "description_ar": _text("description", "ar"),
    "level": _level,
    "subject": _subject,
    "licence": lambda r: r.setdefault("rights", {}).__setitem__("licence", "cc-by-sa-4.0"),
    "language": lambda r: r["general"].__setitem__("language", ["fr", "ar"]),
    "access": lambda r: r.setdefault("technical", {}).__setitem__(
        "location", [f"https://ressources.example.ma/{_slug(r)}"]
    ),
    "duration": lambda r: r.setdefault("technical", {}).__setitem__("duration", "PT10M"),
    "format": lambda r: r.setdefault("technical", {}).__setitem__("format", ["video/mp4"]),
    "contributor": _contribution,
    "year": lambda r: _contribution(r).__setitem__("date", "2024-09-01"),
}


def complete(record: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``record`` that passes its type's completeness rules."""
    out = copy.deepcopy(record)
    for name in RULES.assess(out).missing:
        FILLERS[name](out)
    assert RULES.assess(out).complete, RULES.assess(out).missing
    return out
