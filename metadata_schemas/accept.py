"""Accepting a partner's record: what the readers read, made a valid record, nothing lost.

Every reader (LOM and its variants, Dublin Core, spreadsheets, JSON lines) ends
here. :func:`accept_record` gives a record without a title the best title the
record offers, proposes levels from an age range, then validates; a value the
schema refuses is not a reason to refuse the record: a crosswalk may map it
(a vocabulary value), else it is moved to its group's ``original`` list (kept as
written, shown, exported) with a note. Only what cannot be kept that way (a
record that is not an object, nothing to title it with) is refused.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from marshmallow import Schema, fields

from .crosswalk import get_crosswalks
from .errors import RecordValidationError
from .notes import Note, field_path
from .record import RecordSchema, load_record
from .record_fields import Term
from .text_values import levels_for_age_range
from .vcard import display_name

#: Passes of the repair loop: each pass moves every refused value; a second is rare.
MAX_PASSES = 4
_TOKEN = re.compile(r"([^.\[\]]+)|\[([^\]]+)\]")


@dataclass
class Accepted:
    record: dict[str, Any]
    notes: list[Note] = field(default_factory=list)

    @property
    def to_review(self) -> bool:
        return any(n.review for n in self.notes)


def accept_record(
    raw: Any,
    notes: list[Note] | None = None,
    *,
    source: str,
    fallback_title: str | None = None,
    propose: bool = True,
) -> Accepted:
    """The valid record ``raw`` describes, and every note about it.

    ``propose``: add the proposals that need a person's review (levels from an age
    range); off for reading a record back as it was written (a round trip).

    Raises :class:`RecordValidationError` only when nothing can make it a record.
    """
    notes = list(notes or [])
    if not isinstance(raw, dict):
        return Accepted(load_record(raw, record=source))  # raises: not an object
    _title(raw, notes, fallback_title)
    if propose:
        _levels_from_age(raw, notes)
    last: RecordValidationError | None = None
    for _ in range(MAX_PASSES):
        try:
            return Accepted(load_record(raw, record=source), notes)
        except RecordValidationError as exc:
            last = exc
            if not _repair(raw, exc.errors, notes):
                raise
            _title(raw, notes, fallback_title)  # a refused title was moved: title it again
    assert last is not None
    raise last


# -- before validation ----------------------------------------------------------------------


def _title(raw: dict[str, Any], notes: list[Note], fallback: str | None) -> None:
    general = raw.get("general")
    if not isinstance(general, dict):
        general = raw["general"] = {} if general is None else general
        if not isinstance(general, dict):
            return
    title = general.get("title")
    if isinstance(title, dict) and any(isinstance(t, str) and t.strip() for t in title.values()):
        return
    for origin, text in _title_candidates(raw, fallback):
        text = " ".join(str(text).split())[:1000]
        if text:
            lang = "ar" if any("\u0600" <= c <= "\u06ff" for c in text) else "fr"
            general["title"] = {lang: text}
            notes.append(
                Note("no_title", {"value": text, "origin": origin}, path="general", key="title")
            )
            return


def _title_candidates(raw: dict[str, Any], fallback: str | None) -> Iterator[tuple[str, Any]]:
    general = raw.get("general") or {}
    for original in general.get("original") or []:
        if original.get("key") == "title" and original.get("text"):
            yield "title as written", next(iter(original["text"].values()))
        elif original.get("key") == "title" and original.get("value"):
            yield "title as written", original["value"]
    description = general.get("description")
    if isinstance(description, dict) and description:
        yield "description", next(iter(description.values())).split("\n")[0][:200]
    for ident in general.get("identifier") or []:
        if isinstance(ident, dict) and ident.get("entry"):
            yield "identifier", ident["entry"]
    for location in (raw.get("technical") or {}).get("location") or []:
        yield "location", location
    if fallback:
        yield "file name", fallback


def _levels_from_age(raw: dict[str, Any], notes: list[Note]) -> None:
    """An age range and no level: propose the Moroccan levels of those ages."""
    classification = raw.get("classification")
    if classification and any(
        isinstance(c, dict)
        and any(
            isinstance(p, dict) and p.get("source") == "level" for p in c.get("taxon_path") or []
        )
        for c in classification
    ):
        return
    ages = (raw.get("educational") or {}).get("typical_age_range") or []
    for age in ages:
        levels = levels_for_age_range(age) if isinstance(age, str) else []
        if levels:
            paths = [{"source": "level", "taxon": [level]} for level in levels]
            raw.setdefault("classification", []).append(
                {"purpose": "educational_level", "taxon_path": paths}
            )
            index = len(raw["classification"]) - 1
            notes.append(
                Note(
                    "levels_from_age",
                    {"value": age, "term": ", ".join(levels)},
                    path=f"classification[{index}]",
                    key="taxon_path",
                    term=levels,
                )
            )
            return


# -- repairing what the schema refused ------------------------------------------------------


def _repair(raw: dict[str, Any], errors: dict[str, list[Any]], notes: list[Note]) -> bool:
    """Move every refused value out of the way; False when nothing could be moved."""
    moved = False
    # Deepest and last first, so that removing a list item leaves the other paths valid.
    for path in sorted(errors, key=_sort_key, reverse=True):
        moved |= _repair_one(raw, path, notes)
    return moved


def _sort_key(path: str) -> tuple[Any, ...]:
    return tuple((0, int(t)) if t.isdigit() else (1, t) for t in _tokens(path))


def _tokens(path: str) -> list[str]:
    return [m.group(1) or m.group(2) for m in _TOKEN.finditer(path)]


def _repair_one(raw: dict[str, Any], path: str, notes: list[Note]) -> bool:
    tokens = _tokens(path)
    if not tokens or tokens == ["record"]:
        return False
    return _move(raw, (raw, "", RecordSchema()), tokens, notes)


def _move(
    raw: dict[str, Any],
    owner: tuple[dict[str, Any], str, Schema],
    rest: list[str],
    notes: list[Note],
) -> bool:
    """``rest`` = [key, index?, …] below the group ``owner``: map or keep that value."""
    group, group_path, schema = owner
    key = rest[0]
    if key not in schema.fields:
        return _drop_unknown(group, key, group_path, notes)
    spec = schema.fields[key]
    if key not in group:
        return False  # a required field is missing: nothing to move
    value = group[key]
    inner = spec.inner if isinstance(spec, fields.List) else spec
    index = (
        int(rest[1]) if len(rest) > 1 and rest[1].isdigit() and isinstance(value, list) else None
    )
    item = value[index] if index is not None and index < len(value) else value
    # Deeper into a nested group: recurse there (the error is inside it).
    nested = inner.schema if isinstance(inner, fields.Nested) else None
    deeper = rest[2:] if index is not None else rest[1:]
    if nested is not None and isinstance(item, dict) and deeper and _is_group(nested):
        sub_path = field_path(group_path, key) + (f"[{index}]" if index is not None else "")
        return _move(raw, (item, sub_path, nested), deeper, notes)
    where = field_path(group_path, key)
    originals = group.setdefault("original", [])
    if isinstance(inner, Term) and isinstance(item, str):
        mapping = get_crosswalks().lookup(inner.vocabulary, item)
        if mapping is not None:
            _replace(group, key, index, mapping.term)
            originals.append(
                {
                    "key": key,
                    "value": item,
                    "term": mapping.term,
                    "how": "crosswalk",
                    "crosswalk": mapping.crosswalk,
                }
            )
            notes.append(
                Note(
                    "mapped_crosswalk",
                    {
                        "field": where,
                        "value": item,
                        "term": mapping.term,
                        "crosswalk": mapping.crosswalk,
                    },
                    path=group_path,
                    key=key,
                    term=mapping.term,
                    original=len(originals) - 1,
                )
            )
            return True
    if isinstance(item, dict) and deeper and not isinstance(inner, fields.Nested):
        # A LangString with a refused language: keep that text, drop it from the field.
        lang = deeper[0]
        if lang in item:
            text = item.pop(lang)
            originals.append({"key": key, "text": {lang: str(text)}, "how": "none"})
            notes.append(
                Note(
                    "text_kept",
                    {"field": where, "language": lang},
                    path=group_path,
                    key=key,
                    original=len(originals) - 1,
                )
            )
            if not item:
                _remove(group, key, index)
            return True
    shown = item if isinstance(item, str) else json.dumps(item, ensure_ascii=False, sort_keys=True)
    if key == "entity" and isinstance(shown, str):
        shown = display_name(shown) or shown
    originals.append({"key": key, "value": shown[:200_000] or "-", "how": "none"})
    # A vocabulary value with no Mawarid equivalent is the partner's term, kept as such;
    # anything else could not be read.
    code = "kept" if isinstance(inner, Term) and isinstance(item, str) else "unreadable"
    notes.append(
        Note(
            code,
            {"field": where, "value": shown[:120]},
            path=group_path,
            key=key,
            original=len(originals) - 1,
        )
    )
    _remove(group, key, index)
    return True


def _drop_unknown(group: dict[str, Any], key: str, group_path: str, notes: list[Note]) -> bool:
    """A key the record has no field for (JSON lines): kept as an element of its own."""
    if key not in group:
        return False
    value = group.pop(key)
    shown = (
        value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
    )
    group.setdefault("verbatim", []).append(_as_xml(key, shown))
    notes.append(
        Note("element_kept", {"field": group_path or "record", "element": key}, path=group_path)
    )
    return True


def _as_xml(name: str, text: str) -> str:
    tag = re.sub(r"[^A-Za-z0-9_.-]", "_", name) or "value"
    if not re.match(r"[A-Za-z_]", tag):
        tag = f"_{tag}"
    return f'<{tag} xmlns="https://mawarid.men.gov.ma/xsd/kept">{escape(text)}</{tag}>'


def _is_group(schema: Schema) -> bool:
    return "original" in schema.fields


def _replace(group: dict[str, Any], key: str, index: int | None, value: Any) -> None:
    if index is None:
        group[key] = value
    else:
        group[key][index] = value
        group[key] = (
            list(dict.fromkeys(group[key]))
            if all(isinstance(v, str) for v in group[key])
            else group[key]
        )


def _remove(group: dict[str, Any], key: str, index: int | None) -> None:
    if index is None:
        group.pop(key, None)
        return
    del group[key][index]
    if not group[key]:
        group.pop(key)
