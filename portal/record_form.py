"""The record form ↔ the record dict, and schema errors ↔ form fields.

The staff form shows only the LOM fields the LNRN fills by hand. Saving merges
those into the stored record, so what the form does not show (identifiers,
relations, annotations, meta-metadata, other classifications…) is kept as it is.
Validation is ``metadata_schemas.record.load_record``'s alone: the form passes
the values through as typed (a size of "12 Mo" stays a string) so that every
error comes back from the schema with its field path, e.g.
``general.title[ar]``, and :func:`place_errors` puts it next to the input that
produced it.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice

from core.messages import Message
from metadata_schemas.record import LANGSTRING_LANGUAGES

from . import i18n
from .forms import SINGLE_VALUED, VOCABULARY_FIELDS

LEVEL_PURPOSE = "educational_level"
SUBJECT_PURPOSE = "discipline"

#: (form field, record section, record key) of single-purpose fields, in form order.
SIMPLE_FIELDS = (
    ("languages", "general", "language", "list"),
    ("learning_resource_type", "educational", "learning_resource_type", "list"),
    ("interactivity_type", "educational", "interactivity_type", "one"),
    ("intended_end_user_role", "educational", "intended_end_user_role", "list"),
    ("context", "educational", "context", "list"),
    ("difficulty", "educational", "difficulty", "one"),
    ("typical_age_range", "educational", "typical_age_range", "csv"),
    ("typical_learning_time", "educational", "typical_learning_time", "text"),
    ("format", "technical", "format", "csv"),
    ("location", "technical", "location", "lines"),
    ("size", "technical", "size", "int"),
    ("duration", "technical", "duration", "text"),
    ("licence", "rights", "licence", "one"),
    ("cost", "rights", "cost", "bool"),
    ("copyright", "rights", "copyright", "bool"),
)
LANGSTRINGS = (("title", "title"), ("description", "description"))

#: Schema messages users meet most, in the UI language; others are shown as they come.
MESSAGES = {
    "required": _l("required"),
    "empty text": _l("empty text"),
    "needs a text in at least one language": _l("at least one language is needed"),
    "not an ISO 8601 duration": _l("an ISO 8601 duration is expected, e.g. PT30M"),
    "not an ISO 8601 date": _l("an ISO 8601 date is expected, e.g. 2024-05-01"),
    "not a MIME type": _l("a MIME type is expected, e.g. video/mp4"),
    "not an age range such as 11-12 or 15+": _l("an age range is expected, e.g. 11-12 or 15+"),
    "Not a valid integer.": _l("a whole number is expected"),
    "Not a valid URL.": _l("a URL is expected (http or https)"),
    "Not a valid boolean.": _l("yes or no is expected"),
    "unknown field": _l("unknown field"),
}


# --------------------------------------------------------------------------- form → record


def _split(text: str | None, kind: str) -> list[str]:
    if not text:
        return []
    if kind == "lines":
        parts = text.splitlines()
    else:  # csv: commas, Arabic commas or semicolons
        parts = re.split(r"[,،;]", text)
    return [p.strip() for p in parts if p.strip()]


def _value(kind: str, raw: Any) -> Any:
    """The record value of one form field, or None when the field is left empty."""
    if kind == "list":
        return [v for v in (raw or []) if v] or None
    if kind in ("lines", "csv"):
        return _split(raw, kind) or None
    raw = (raw or "").strip() if isinstance(raw, str) else raw
    if not raw:
        return None
    if kind == "int":
        return int(raw) if raw.isdigit() and len(raw) < 19 else raw  # the schema names a bad size
    if kind == "bool":
        return {"yes": True, "no": False}.get(raw, raw)
    return raw


def _set(section: dict, key: str, value: Any) -> None:
    if value is None:
        section.pop(key, None)
    else:
        section[key] = value


def _replace_taxa(
    classifications: list, purpose: str, source: str, leaves: list[str]
) -> int | None:
    """Put ``leaves`` as the ``source`` paths of the first ``purpose`` classification.

    Returns that classification's index (for error placement), or None when empty.
    """
    kept = []
    for cls in classifications:
        if cls.get("purpose") == purpose:
            cls = dict(
                cls, taxon_path=[p for p in cls.get("taxon_path", []) if p.get("source") != source]
            )
            if not cls["taxon_path"] and not cls.get("description") and not cls.get("keyword"):
                continue
        kept.append(cls)
    classifications[:] = kept
    if not leaves:
        return None
    paths = [{"source": source, "taxon": [leaf]} for leaf in leaves]
    for index, cls in enumerate(classifications):
        if cls.get("purpose") == purpose:
            cls["taxon_path"] = paths + cls["taxon_path"]
            return index
    classifications.append({"purpose": purpose, "taxon_path": paths})
    return len(classifications) - 1


def record_from_form(form, base: dict | None = None) -> tuple[dict, dict[str, str]]:
    """The record the form describes, merged into ``base``.

    Returns ``(record, origins)``: ``origins`` maps record paths to form field
    names (``"classification[1]"`` → ``"levels"``), for :func:`place_errors`.
    """
    record = copy.deepcopy(base) if base else {}
    origins: dict[str, str] = {}
    general = record.setdefault("general", {})
    for field, key in LANGSTRINGS:
        texts = {
            lang: form[f"{field}_{lang}"].data.strip()
            for lang in LANGSTRING_LANGUAGES
            if (form[f"{field}_{lang}"].data or "").strip()
        }
        _set(general, key, texts or None)
        origins[f"general.{key}"] = field
        for lang in LANGSTRING_LANGUAGES:
            origins[f"general.{key}[{lang}]"] = f"{field}_{lang}"
    keywords: list[dict[str, str]] = []
    for lang in LANGSTRING_LANGUAGES:
        for word in _split(form[f"keywords_{lang}"].data, "lines"):
            origins[f"general.keyword[{len(keywords)}]"] = f"keywords_{lang}"
            keywords.append({lang: word})
    _set(general, "keyword", keywords or None)
    origins["general.keyword"] = "keywords_fr"

    for field, section, key, kind in SIMPLE_FIELDS:
        part = record.setdefault(section, {})
        _set(part, key, _value(kind, form[field].data))
        origins[f"{section}.{key}"] = field

    contribute: list[dict[str, Any]] = []
    for row, entry in enumerate(form.contributors.entries):
        names = [n for n in (entry.form.entity.data or "").split(";") if n.strip()]
        date = (entry.form.date.data or "").strip()
        if not names and not date:
            continue
        item: dict[str, Any] = {"entity": [n.strip() for n in names]}
        if entry.form.role.data:
            item["role"] = entry.form.role.data
        if date:
            item["date"] = date
        origins[f"lifecycle.contribute[{len(contribute)}]"] = f"contributors-{row}"
        contribute.append(item)
    lifecycle = record.setdefault("lifecycle", {})
    _set(lifecycle, "contribute", contribute or None)
    origins["lifecycle.contribute"] = "contributors"

    classifications = record.setdefault("classification", [])
    for field, purpose, source in (
        ("levels", LEVEL_PURPOSE, "level"),
        ("subjects", SUBJECT_PURPOSE, "subject"),
    ):
        index = _replace_taxa(
            classifications, purpose, source, _value("list", form[field].data) or []
        )
        if index is not None:
            origins[f"classification[{index}]"] = field

    for section in ("lifecycle", "technical", "educational", "rights"):
        if not record.get(section):
            record.pop(section, None)
    if not record.get("classification"):
        record.pop("classification", None)
    return record, origins


# --------------------------------------------------------------------------- record → form


def form_data(record: dict) -> dict[str, Any]:
    """Initial values of the record form for a stored record (the inverse of the above)."""
    general = record.get("general", {})
    data: dict[str, Any] = {}
    for field, key in LANGSTRINGS:
        for lang, text in (general.get(key) or {}).items():
            data[f"{field}_{lang}"] = text
    words: dict[str, list[str]] = {}
    for keyword in general.get("keyword") or []:
        for lang, text in keyword.items():
            words.setdefault(lang, []).append(text)
    for lang, texts in words.items():
        data[f"keywords_{lang}"] = "\n".join(texts)
    for field, section, key, kind in SIMPLE_FIELDS:
        value = (record.get(section) or {}).get(key)
        if value is None:
            continue
        if kind == "csv":
            value = ", ".join(value)
        elif kind == "lines":
            value = "\n".join(value)
        elif kind == "bool":
            value = "yes" if value else "no"
        elif kind == "int":
            value = str(value)
        data[field] = value
    data["levels"] = _leaves(record, LEVEL_PURPOSE, "level")
    data["subjects"] = _leaves(record, SUBJECT_PURPOSE, "subject")
    data["contributors"] = [
        {
            "role": c.get("role", ""),
            "entity": "; ".join(c.get("entity", [])),
            "date": c.get("date", ""),
        }
        for c in (record.get("lifecycle") or {}).get("contribute") or []
    ]
    return data


def _leaves(record: dict, purpose: str, source: str) -> list[str]:
    return [
        p["taxon"][-1]
        for cls in record.get("classification") or []
        if cls.get("purpose") == purpose
        for p in cls.get("taxon_path", [])
        if p.get("source") == source and p.get("taxon")
    ]


# --------------------------------------------------------------------------- errors → fields


def _covers(prefix: str, path: str) -> bool:
    return path == prefix or path.startswith((prefix + ".", prefix + "["))


def place_errors(errors: dict[str, list[str]], origins: dict[str, str]):
    """Schema errors grouped by form field: ``({field: [(path, message)]}, [(path, message)])``.

    Each error goes to the field whose record path is the longest prefix of its
    path; errors no field produced (in parts the form does not show) come back
    in the second list, to be shown above the form with their path.
    """
    placed: dict[str, list[tuple[str, str]]] = {}
    unplaced: list[tuple[str, str]] = []
    ordered = sorted(origins, key=len, reverse=True)
    for path, messages in errors.items():
        field = next((origins[p] for p in ordered if _covers(p, path)), None)
        for message in messages:
            text = (
                message.render(i18n.current_lang())
                if isinstance(message, Message)
                else MESSAGES.get(message, message)
            )
            item = (path, str(text))
            if field:
                placed.setdefault(field, []).append(item)
            else:
                unplaced.append(item)
    return placed, unplaced


# --------------------------------------------------------------------------- vocabulary pickers


def bilingual(term, lang: str) -> str:
    """A term's label in the page language, then in the other one: pickers serve both."""
    other = "ar" if lang != "ar" else "fr"
    first, second = term.label(lang), term.label(other)
    return first if not second or second == first else f"{first} — {second}"


def flat_choices(vocabulary, lang: str, blank: bool = False) -> list[SelectChoice]:
    choices = [
        SelectChoice(term_id, bilingual(term, lang)) for term_id, term in vocabulary.terms.items()
    ]
    return [SelectChoice("", "—"), *choices] if blank else choices


def grouped_choices(vocabulary, lang: str) -> list[SelectChoice]:
    """Options grouped (``<optgroup>``) by root term — the cycle, for levels — deeper
    terms indented. A flat vocabulary gives plain options."""
    if not vocabulary.hierarchical:
        return flat_choices(vocabulary, lang)
    options: list[SelectChoice] = []
    for root in vocabulary.roots():
        group = bilingual(root, lang)
        cycle = {"data-cycle": root.id}
        options.append(SelectChoice(root.id, group, render_kw=cycle, optgroup=group))
        _descend(vocabulary, root.id, lang, 1, group, cycle, options)
    return options


def _descend(
    vocabulary, term_id: str, lang: str, depth: int, group: str, cycle: dict, out: list
) -> None:
    for child in vocabulary.children(term_id):
        out.append(
            SelectChoice(
                child.id,
                "\u00a0\u00a0" * depth + bilingual(child, lang),
                render_kw=cycle,
                optgroup=group,
            )
        )
        _descend(vocabulary, child.id, lang, depth + 1, group, cycle, out)


def subject_choices(vocabulary, lang: str) -> list[SelectChoice]:
    """Subjects, each telling the picker script in which cycles it is taught
    (``extra.cycles`` of the vocabulary), so choosing levels narrows the list."""
    return [
        SelectChoice(
            term_id,
            bilingual(term, lang),
            render_kw={"data-cycles": " ".join(term.extra.get("cycles") or [])},
        )
        for term_id, term in vocabulary.terms.items()
    ]


def fill_record_choices(form, vocabularies, lang: str) -> None:
    for field, vocabulary in VOCABULARY_FIELDS.items():
        form[field].choices = flat_choices(
            vocabularies[vocabulary], lang, blank=field in SINGLE_VALUED
        )
    form.levels.choices = grouped_choices(vocabularies["level"], lang)
    form.subjects.choices = subject_choices(vocabularies["subject"], lang)
    roles = flat_choices(vocabularies["contributor_role"], lang, blank=True)
    for entry in form.contributors.entries:
        entry.form.role.choices = roles


def pad_contributors(form, blank_rows: int = 2) -> None:
    """Always offer a couple of empty contributor rows (no JS needed to add one)."""
    empty = sum(
        1 for e in form.contributors.entries if not (e.form.entity.data or e.form.date.data)
    )
    for _ in range(max(0, blank_rows - empty)):
        if len(form.contributors.entries) >= form.contributors.max_entries:
            break
        form.contributors.append_entry()
