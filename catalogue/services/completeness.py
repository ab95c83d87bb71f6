"""Completeness rules: what a record must say before the validation commission sees it.

The rules are data (``catalogue/completeness/rules.json``): for each learning resource type,
which :data:`CHECKS` apply (``"*"`` for every type, a type's own list added to it). Each
check has a message id naming what is missing and the record field it is about, so the
record form shows a score and each missing item next to its field, and
:meth:`~catalogue.services.work.Work.submit` refuses an incomplete record with
:class:`Incomplete` listing them all.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from core.errors import MawaridError
from core.messages import N_, Message
from metadata_schemas.record import levels_of, subjects_of

RULES_FILE = "rules.json"
ALL_TYPES = "*"


class Incomplete(MawaridError):
    """A record missing what its type's completeness rules require."""

    code = "incomplete"


def _text(lang: str) -> Callable[[Mapping[str, Any], str], bool]:
    def check(record: Mapping[str, Any], key: str) -> bool:
        value = (record.get("general") or {}).get(key) or {}
        return bool(isinstance(value, Mapping) and str(value.get(lang) or "").strip())

    return check


def _has(section: str, key: str) -> Callable[[Mapping[str, Any]], bool]:
    def check(record: Mapping[str, Any]) -> bool:
        return bool((record.get(section) or {}).get(key))

    return check


def _web_or_file(record: Mapping[str, Any]) -> bool:
    return bool((record.get("technical") or {}).get("location"))


def _year(record: Mapping[str, Any]) -> bool:
    return any(
        str(c.get("date") or "")[:4].isdigit()
        for c in (record.get("lifecycle") or {}).get("contribute") or []
    )


@dataclass(frozen=True)
class Check:
    """One rule: what is missing when it fails (a message id) and the field it is about."""

    message: str
    field: str
    test: Callable[[Mapping[str, Any]], bool]


CHECKS: dict[str, Check] = {
    "title_fr": Check(
        N_("a title in French"), "general.title[fr]", lambda r: _text("fr")(r, "title")
    ),
    "title_ar": Check(
        N_("a title in Arabic"), "general.title[ar]", lambda r: _text("ar")(r, "title")
    ),
    "description_fr": Check(
        N_("a description in French"),
        "general.description[fr]",
        lambda r: _text("fr")(r, "description"),
    ),
    "description_ar": Check(
        N_("a description in Arabic"),
        "general.description[ar]",
        lambda r: _text("ar")(r, "description"),
    ),
    "level": Check(
        N_("at least one level"), "classification.level", lambda r: bool(levels_of(dict(r)))
    ),
    "subject": Check(
        N_("at least one subject"), "classification.subject", lambda r: bool(subjects_of(dict(r)))
    ),
    "licence": Check(N_("a licence"), "rights.licence", _has("rights", "licence")),
    "language": Check(
        N_("the language of the resource"), "general.language", _has("general", "language")
    ),
    "access": Check(N_("at least one address (URL) or file"), "technical.location", _web_or_file),
    "duration": Check(N_("the duration"), "technical.duration", _has("technical", "duration")),
    "format": Check(N_("the format (MIME type)"), "technical.format", _has("technical", "format")),
    "contributor": Check(
        N_("at least one contributor"),
        "lifecycle.contribute",
        lambda r: bool((r.get("lifecycle") or {}).get("contribute")),
    ),
    "year": Check(N_("a dated contribution (the year)"), "lifecycle.contribute", _year),
}


@dataclass(frozen=True)
class Completeness:
    """How complete a record is: the checks that apply, those it fails, a score out of 100."""

    applied: tuple[str, ...]
    missing: tuple[str, ...]

    @property
    def score(self) -> int:
        if not self.applied:
            return 100
        return round(100 * (len(self.applied) - len(self.missing)) / len(self.applied))

    @property
    def complete(self) -> bool:
        return not self.missing

    def errors(self) -> dict[str, list[Message]]:
        """Missing items by record field: ``{"general.title[ar]": [Message("a title in Arabic")]}``."""
        out: dict[str, list[Message]] = {}
        for name in self.missing:
            check = CHECKS[name]
            out.setdefault(check.field, []).append(Message(check.message))
        return out


class CompletenessRules:
    """The rules of ``rules.json``, checked against :data:`CHECKS` when loaded."""

    def __init__(self, rules: Mapping[str, list[str]]) -> None:
        unknown = sorted({n for names in rules.values() for n in names} - set(CHECKS))
        if unknown:
            raise ValueError(f"{RULES_FILE}: unknown checks {', '.join(unknown)}")
        self.rules = {k: tuple(v) for k, v in rules.items()}

    @classmethod
    def load(cls) -> CompletenessRules:
        text = resources.files("catalogue").joinpath("completeness", RULES_FILE).read_text("utf-8")
        data = json.loads(text)
        return cls({k: v for k, v in data.items() if k != "note"})

    def applying(self, record: Mapping[str, Any]) -> tuple[str, ...]:
        types = (record.get("educational") or {}).get("learning_resource_type") or []
        names = list(self.rules.get(ALL_TYPES, ()))
        for kind in types:
            names.extend(n for n in self.rules.get(kind, ()) if n not in names)
        return tuple(names)

    def assess(self, record: Mapping[str, Any]) -> Completeness:
        applied = self.applying(record)
        return Completeness(applied, tuple(n for n in applied if not CHECKS[n].test(record)))

    def require(self, record: Mapping[str, Any], resource_id: str) -> None:
        """Refuse (:class:`Incomplete`) a record that fails any of its rules."""
        result = self.assess(record)
        if not result.complete:
            raise Incomplete(
                N_(
                    "%(id)s cannot be submitted yet: the record is %(score)d %% complete; "
                    "complete the fields marked"
                ),
                errors=result.errors(),
                id=resource_id,
                score=result.score,
            )


RULES = CompletenessRules.load()
