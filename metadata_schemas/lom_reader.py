"""LOM XML → record: the import half of the LOM binding, tolerant and exact in what it keeps.

Walks the mapping of ``mappings/lom.json`` over a ``<lom>`` element in the LOM
namespace (other bindings are brought to it first: :mod:`.lom_variants`). Nothing
a partner wrote is dropped and no value refuses the record:

- a value Mawarid's vocabularies know under another spelling (a ScoLOMFR URI,
  ``fre``, a MIME type as a URI) is stored as the term, its spelling kept in the
  group's ``original`` list so that the LOM export writes it back as it was;
- a value a crosswalk or a label match maps onto a Mawarid term is stored as that
  term *and* kept as written, with a note for the review queue;
- a value with no Mawarid equivalent is kept as written (``how: none``);
- an element the record has no place for (LOM-FR and ScoLOMFR extensions, other
  namespaces) is kept whole, as canonical XML, in the group's ``verbatim`` list.

Each decision is a :class:`~metadata_schemas.notes.Note`. Entries the catalogue
generated from its own provenance are skipped: the catalogue regenerates them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from lxml import etree

from core.messages import N_

from .accept import Accepted, accept_record
from .crosswalk import get_crosswalks
from .errors import MetadataError, UnknownTermError, UnsupportedFormatError
from .lom_binding import (
    ACQUISITION_CATALOG,
    CATALOG,
    EXTENSION_NS,
    LICENCE_LINE,
    LOM_SOURCE,
    MAPPING,
    NO_LANGUAGE,
    PROVENANCE_PROPERTY,
    langstring_language,
    licence_url,
    q,
    scolomfr_reverse,
)
from .lom_variants import as_lom, is_lom
from .notes import Note, field_path
from .originals import HOW, canonical
from .record_fields import LANGSTRING_LANGUAGES, langstring_languages
from .safe_xml import parse_xml
from .text_licences import URL, licence_by_url, licence_in_text
from .text_values import parse_age_range, parse_date, parse_duration, parse_format, parse_size
from .textnorm import fold
from .vcard import display_name, make_vcard
from .vocabularies import get_vocabularies
from .vocabulary_model import Term

_KEPT = f"{{{EXTENSION_NS}}}original"
CONCEPT = "http://data.education.fr/voc/scolomfr/concept/"
_LEGACY_CONCEPT = re.compile(r"^scolomfr-voc-\d{3}-num-\d+$")
#: Yes/no as partners write them; ScoLOMFR words cost as "gratuit"/"payant" (voc-026).
_YES_NO = {"yes": True, "no": False, "oui": True, "non": False, "true": True, "false": False}
_COST = {**_YES_NO, "gratuit": False, "payant": True, "free": False, "paid": True}
_LABEL = f"{{{EXTENSION_NS}}}label"
_SOURCE, _VALUE, _LOM_LABEL, _STRING = q("source"), q("value"), q("label"), q("string")
_LOCATION = re.compile(r"^(https?|ftp)://[^\s/$.?#][^\s]*$", re.I)
_QUALIFIER = re.compile(r"\s*\([^)]*\)\s*$")


@dataclass
class _Group:
    """The group being read: where it is, its values and what it keeps as written."""

    path: str
    out: dict[str, Any] = field(default_factory=dict)
    original: list[dict[str, Any]] = field(default_factory=list)
    verbatim: list[str] = field(default_factory=list)
    #: Values a crosswalk or a label proposed (a taxon path already there is not repeated).
    mapped: list[Any] = field(default_factory=list)
    #: Notes from here on may point into ``original`` (renumbered when it is reordered).
    notes_from: int = 0

    def keep(self, key: str, how: str, **fields: Any) -> int:
        self.original.append(
            {"key": key, **{k: v for k, v in fields.items() if v not in (None, "", {})}, "how": how}
        )
        return len(self.original) - 1


class LomReader:
    """Reads one ``<lom>`` element; ``notes`` lists what it decided."""

    def __init__(self, lom: etree._Element) -> None:
        self.vocabs = get_vocabularies()
        self.crosswalks = get_crosswalks()
        self.notes: list[Note] = []
        self.default_lang = self._default_language(lom)
        self.guessed: set[str] = set()

    # -- groups ---------------------------------------------------------------------------
    def read(self, lom: etree._Element) -> dict[str, Any]:
        record = self.group(lom, MAPPING["fields"], "")
        if self.guessed:
            self.notes.append(
                Note(
                    "language_guessed",
                    {"field": ", ".join(sorted(self.guessed)), "language": self.default_lang},
                    review=False,
                )
            )
        return record

    def group(self, el: etree._Element, fields: list[dict[str, Any]], path: str) -> dict[str, Any]:
        group = _Group(path, notes_from=len(self.notes))
        specs = _specs(id(fields), fields)
        buckets: dict[int, list[etree._Element]] = {}
        for child in el:
            tag = child.tag
            found = specs.get(tag)
            if found is not None:
                bucket = buckets.get(found)
                if bucket is None:
                    buckets[found] = [child]
                else:
                    bucket.append(child)
                continue
            if not isinstance(tag, str):
                continue  # a comment or a processing instruction
            if tag == _KEPT:
                self.restore(group, child)
            else:
                self.keep_element(group, child)
        for index in sorted(buckets):  # in the mapping's order, as the record is written
            self.field(group, fields[index], buckets[index])
        if group.original:
            # In field order, as the export writes them: a record reads back the same.
            order = {spec["key"]: n for n, spec in enumerate(fields)}
            ranked = sorted(
                range(len(group.original)),
                key=lambda i: (order.get(group.original[i].get("key"), len(order)), i),
            )
            self.reorder(group, ranked)
            group.out["original"] = group.original
        if group.verbatim:
            group.out["verbatim"] = group.verbatim
        return group.out

    def reorder(self, group: _Group, ranked: list[int]) -> None:
        """``group.original`` in the order ``ranked`` (old indexes), its notes following."""
        if ranked == list(range(len(ranked))):
            return
        moved = {old: new for new, old in enumerate(ranked)}
        group.original = [group.original[i] for i in ranked]
        for note in self.notes[group.notes_from :]:
            if note.path == group.path and note.original is not None:
                note.original = moved.get(note.original, note.original)

    def restore(self, group: _Group, el: etree._Element) -> None:
        """An original Mawarid's own LOM export wrote as ``mw:original`` (no LOM place)."""
        fields = {k: el.get(k) for k in ("source", "crosswalk") if el.get(k)}
        how = str(el.get("how")) if el.get("how") in HOW else "none"
        group.keep(el.get("key") or "verbatim", how, value=(el.text or "").strip() or "-", **fields)

    def keep_element(self, group: _Group, child: etree._Element) -> None:
        if len(child) == 0 and not (child.text or "").strip() and not child.attrib:
            return  # an empty element carries nothing (<lom:context/>)
        group.verbatim.append(canonical(child))
        self.notes.append(
            Note(
                "element_kept",
                {"field": group.path or "lom", "element": etree.QName(child).localname},
                path=group.path,
            )
        )

    def field(self, group: _Group, spec: dict[str, Any], children: list[etree._Element]) -> None:
        key = spec["key"]
        kind = spec["type"]
        where = field_path(group.path, key)
        if spec.get("many"):
            values: list[Any] = []
            plain: list[tuple[int, etree._Element, Any]] = []  # terms written the LOM way
            for index, child in enumerate(children):
                before = len(group.original)
                value = self.value(group, spec, child, f"{where}[{len(values)}]", index)
                if kind == "vocab" and isinstance(value, str) and len(group.original) == before:
                    plain.append((before, child, value))
                if isinstance(value, list) and kind != "group":
                    values.extend(value)
                elif value not in (None, "", {}, []):
                    values.append(value)
            if plain and len(set(values)) < len(values):
                self.repeated_terms(group, key, values, plain)
            if kind == "taxon_path":  # a partner's path mapped onto one the record has
                mapped = {id(v) for v in group.mapped}
                values = [
                    v for i, v in enumerate(values) if id(v) not in mapped or v not in values[:i]
                ]
            if values:
                group.out[key] = values
            return
        value = self.value(group, spec, children[0], where, 0)
        for extra in children[1:]:  # LOM allows one; the partner wrote more
            if kind == "langstring":
                more = self.value(group, spec, extra, where, 1)
                value = self.merge_texts(group, key, value or {}, more or {})
            elif kind == "group" and isinstance(value, dict):
                more = self.value(group, spec, extra, where, 1)
                if not _merge_groups(value, more):
                    self.keep_whole(group, extra)
            else:
                self.keep_whole(group, extra)
        if value not in (None, "", {}, []):
            group.out[key] = value

    def repeated_terms(
        self,
        group: _Group,
        key: str,
        values: list[Any],
        plain: list[tuple[int, etree._Element, Any]],
    ) -> None:
        """A term written twice (``LOMv1.0 exercise`` and Normetic's ``exercice``) is one
        value of the record: each writing is kept so that the export writes both."""
        # A term a crosswalk or a label proposed is written beside the partner's value by
        # the export anyway: only the partner's own second writing needs keeping.
        spelled = {
            o.get("term") for o in group.original if o["key"] == key and o["how"] == "spelling"
        }
        plain_terms = [term for _, _, term in plain]
        repeated = {
            v for v in values if values.count(v) > 1 and (v in spelled or plain_terms.count(v) > 1)
        }
        for at, child, term in reversed(plain):
            if term not in repeated:
                continue
            written = {
                "source": (child.findtext(_SOURCE) or "").strip(),
                "value": (child.findtext(_VALUE) or "").strip(),
            }
            group.original.append({"key": key, **written, "term": term, "how": "spelling"})
            last = len(group.original) - 1
            self.reorder(group, [*range(at), last, *range(at, last)])

    def keep_whole(self, group: _Group, el: etree._Element) -> None:
        group.verbatim.append(canonical(el))
        self.notes.append(
            Note(
                "category_kept",
                {"field": group.path or "lom", "element": etree.QName(el).localname},
                path=group.path,
            )
        )

    def value(
        self, group: _Group, spec: dict[str, Any], el: etree._Element, where: str, index: int
    ) -> Any:
        kind = spec["type"]
        if kind == "group":
            if spec.get("provenance") and _generated(el):
                return None  # regenerated by the catalogue from its own provenance data
            out = self.group(el, spec["fields"], where)
            if spec["key"] == "identifier" and not (out.get("catalog") and out.get("entry")):
                return self.identifier_without(group, el, out)
            return out
        return _READERS[kind](self, group, spec, el)

    def identifier_without(
        self, group: _Group, el: etree._Element, out: dict[str, Any]
    ) -> dict[str, Any] | None:
        """An identifier short of its catalog or entry: an entry alone gets the catalog its
        form says (``URI``, else ``LOCAL``); a catalog alone is kept as written."""
        entry = out.get("entry")
        if entry and not out.get("catalog"):
            return {
                **out,
                "catalog": "URI" if "://" in entry or entry.startswith("urn:") else "LOCAL",
            }
        if any(str(t).strip() for t in el.itertext()):  # a catalog without its entry: kept
            self.keep_element(group, el)
        return None  # an empty form's placeholder (<catalog/><entry/>) carries nothing

    def merge_texts(
        self, group: _Group, key: str, value: dict[str, str], more: dict[str, str]
    ) -> dict[str, str]:
        """A second LangString where LOM has one: new languages join, others are kept."""
        for lang, text in more.items():
            if lang not in value:
                value[lang] = text
            elif value[lang] != text:  # a second description (LOM allows several): kept
                params = {"field": field_path(group.path, key), "language": lang}
                group.keep(key, "none", text={lang: text})
                self.notes.append(Note("text_kept", params, path=group.path, key=key, review=False))
        return value

    # -- texts ------------------------------------------------------------------------------
    def strings(self, el: etree._Element) -> list[tuple[str | None, str]]:
        """(language, text) of each ``string``: the language as a record key, an unknown
        tag as written, a tag saying "no language" (``x-none``, ``zxx``) as written too
        (see :func:`_no_language`), ``None`` when there is none."""
        out = []
        for string in el.iterchildren(_STRING):
            text = (string.text or "").strip()
            if text:
                tag = string.get("language")
                code = langstring_language(tag)
                out.append((tag.strip() if code is None and tag and tag.strip() else code, text))
        bare = (el.text or "").strip()
        if not out and bare and len(el) == 0:
            out.append((None, bare))  # a bare text where LOM wants strings
        return out

    def langstring(self, group: _Group, key: str, el: etree._Element) -> list[dict[str, str]]:
        """The LangStrings of one element: usually one; a keyword written twice in the
        same language is two keywords. Unknown languages are kept as written."""
        found: list[dict[str, str]] = [{}]
        allowed = _langstring_keys()
        strings = self.strings(el)
        languages = any(lang is not None and not _no_language(lang) for lang, _ in strings)
        for lang, text in strings:
            written = lang
            if written is not None and _no_language(written) and languages:
                # "No language" beside texts in languages (a URL, a code): kept as written.
                params = {"field": field_path(group.path, key), "language": written}
                group.keep(key, "none", text={written: text})
                self.notes.append(Note("text_kept", params, path=group.path, key=key, review=False))
                continue
            if lang is None or _no_language(lang):
                lang = self.guess(text, field_path(group.path, key))
                if written is not None:  # the tag as written, for an exact export
                    group.keep(key, "spelling", text={written: text}, term=lang)
            if lang not in allowed:
                params = {"field": field_path(group.path, key), "language": lang}
                self.noted(group, key, "none", "text_kept", params, text={lang: text})
                continue
            target = next((ls for ls in found if lang not in ls), None)
            if target is None:
                target = {}
                found.append(target)
            target[lang] = text
        return [ls for ls in found if ls]

    def r_langstring(self, group: _Group, spec: dict[str, Any], el: etree._Element) -> Any:
        texts = self.langstring(group, spec["key"], el)
        if spec.get("many"):
            return texts
        if not texts:
            return None
        first = texts[0]
        for more in texts[1:]:
            self.merge_texts(group, spec["key"], first, more)
        return first

    def r_plainstring(self, group: _Group, spec: dict[str, Any], el: etree._Element) -> Any:
        strings = self.strings(el)
        if not strings:
            return None
        lang, first = strings[0]
        if lang is not None:  # the value's language, kept for an exact export
            group.keep(spec["key"], "spelling", text={lang: first}, term=first)
        for lang, text in strings[1:]:
            group.keep(spec["key"], "none", text={lang or "x-none": text})
        return first

    def r_text(self, group: _Group, spec: dict[str, Any], el: etree._Element) -> Any:
        return (el.text or "").strip() or None

    def guess(self, text: str, where: str) -> str:
        if any("\u0600" <= ch <= "\u06ff" for ch in text):
            return "ar"
        if any("\u2d30" <= ch <= "\u2d7f" for ch in text):
            return "zgh"
        self.guessed.add(where)
        return self.default_lang

    def _default_language(self, lom: etree._Element) -> str:
        for xpath in (f"{q('metaMetadata')}/{q('language')}", f"{q('general')}/{q('language')}"):
            code = langstring_language((lom.findtext(xpath) or "").strip() or None)
            if code in LANGSTRING_LANGUAGES:
                return code
        return "fr"

    # -- values with their own syntax ------------------------------------------------------
    def r_age_range(self, group: _Group, spec: dict[str, Any], el: etree._Element) -> list[str]:
        key = spec["key"]
        values: list[str] = []
        for lang, text in self.strings(el):
            parsed = parse_age_range(text)
            if parsed == text:
                values.append(parsed)
                if lang is not None:  # its language, kept for an exact export
                    group.keep(key, "spelling", text={lang: text}, term=parsed)
                continue
            label = {lang or "x-none": text}
            where = field_path(group.path, key)
            if parsed is None:
                self.noted(
                    group, key, "none", "unreadable", {"field": where, "value": text}, text=label
                )
                continue
            params = {"field": where, "value": text, "term": parsed}
            self.noted(group, key, "parsed", "parsed", params, term=parsed, text=label)
            values.append(parsed)
        return values

    def parsed(
        self, group: _Group, key: str, text: str, value: Any, *, spelling: bool = False
    ) -> Any:
        """``value`` read from ``text``; the text kept as written when it differs."""
        if value == text:
            return value
        where = field_path(group.path, key)
        if value is None:
            self.noted(
                group, key, "none", "unreadable", {"field": where, "value": text}, value=text
            )
            return None
        if spelling:
            group.keep(key, "spelling", value=text, term=value)
        else:
            params = {"field": where, "value": text, "term": value}
            self.noted(group, key, "parsed", "parsed", params, term=value, value=text)
        return value

    def r_format(self, group: _Group, spec: dict[str, Any], el: etree._Element) -> Any:
        text = (el.text or "").strip()
        return (
            self.parsed(group, spec["key"], text, parse_format(text), spelling=True)
            if text
            else None
        )

    def r_size(self, group: _Group, spec: dict[str, Any], el: etree._Element) -> Any:
        text = (el.text or "").strip()
        if not text:
            return None
        if text.isascii() and text.isdigit() and len(text) < 16:
            return int(text)
        return self.parsed(group, spec["key"], text, parse_size(text))

    def r_location(self, group: _Group, spec: dict[str, Any], el: etree._Element) -> Any:
        text = (el.text or "").strip()
        if not text:
            return None
        if _LOCATION.match(text):
            return text
        # Spaces and other characters a URL escapes (a file name as the partner typed it):
        # the escaped address is the record's, the partner's spelling is kept for export.
        escaped = quote(text, safe=":/?#[]@!$&'()*+,;=%~")
        if _LOCATION.match(escaped):
            return self.parsed(group, spec["key"], text, escaped, spelling=True)
        return self.parsed(group, spec["key"], text, None)

    def r_datetime(self, group: _Group, spec: dict[str, Any], el: etree._Element) -> Any:
        description = el.find(q("description"))
        if description is not None and spec.get("description_key"):
            texts = self.r_langstring(group, {"key": spec["description_key"]}, description)
            if texts:
                group.out[spec["description_key"]] = texts
        text = (el.findtext(q("dateTime")) or "").strip()
        if not text and len(el) == 0:
            text = (el.text or "").strip()
        return self.parsed(group, spec["key"], text, parse_date(text)) if text else None

    def r_duration(self, group: _Group, spec: dict[str, Any], el: etree._Element) -> Any:
        description = el.find(q("description"))
        if description is not None and spec.get("description_key"):
            texts = self.r_langstring(group, {"key": spec["description_key"]}, description)
            if texts:
                group.out[spec["description_key"]] = texts
        text = (el.findtext(q("duration")) or el.findtext(q("dateTime")) or "").strip()
        if not text and len(el) == 0:
            text = (el.text or "").strip()
        if not text:
            return None
        weeks = re.fullmatch(r"P(\d+)W", text)  # LOM durations have no weeks: the writer
        if weeks:  # writes days, the record keeps weeks; both mean the same
            return text
        return self.parsed(group, spec["key"], text, parse_duration(text))

    def r_vcard(self, group: _Group, spec: dict[str, Any], el: etree._Element) -> Any:
        text = (el.text or "").strip()
        if not text:
            return None
        name = display_name(text)
        if not name or len(name) > 500:
            group.keep(spec["key"], "none", value=text)
            self.notes.append(
                Note(
                    "unreadable",
                    {"field": field_path(group.path, spec["key"]), "value": text[:80]},
                    path=group.path,
                    key=spec["key"],
                )
            )
            return None
        if text != make_vcard(name):
            group.out.setdefault("vcards", {})[name] = text
        return name

    # -- vocabularies ------------------------------------------------------------------------
    def r_language(self, group: _Group, spec: dict[str, Any], el: etree._Element) -> Any:
        text = (el.text or "").strip()
        if not text:
            return None
        key = spec["key"]
        try:
            term: Term | None = self.vocabs["language"].resolve(text)
        except UnknownTermError:
            code = langstring_language(text)
            term = self.vocabs["language"].get(code or "")
        if term is None:
            return self.foreign(group, key, "language", value=text)
        if term.id != text:
            group.keep(key, "spelling", value=text, term=term.id)
        return term.id

    def r_vocab(self, group: _Group, spec: dict[str, Any], el: etree._Element) -> Any:
        source = (el.findtext(_SOURCE) or "").strip()
        value = (el.findtext(_VALUE) or "").strip()
        label = (el.findtext(_LOM_LABEL) or el.findtext(_LABEL) or "").strip()
        if not value and not label:
            return None
        return self.vocab_value(group, spec["key"], spec["vocabulary"], source, value, label)

    def vocab_value(
        self, group: _Group, key: str, vocabulary: str, source: str, value: str, label: str
    ) -> Any:
        vocab = self.vocabs[vocabulary]
        written = {"source": source, "value": value, "label": {"x-none": label} if label else None}
        term = None
        legacy = _LEGACY_CONCEPT.match(value)  # ScoLOMFR 1.x ids: the 3.x concept URI's tail
        for candidate in (value, value.rstrip("/"), *([CONCEPT + value] if legacy else [])):
            try:
                term = vocab.resolve(candidate)
                break
            except UnknownTermError:
                found = scolomfr_reverse().get((vocabulary, candidate))
                if found is not None:
                    term = vocab.get(found)
                    break
        if term is not None:
            lom = term.extra.get("lom")
            canonical_pair = (vocab.lom_source or LOM_SOURCE, lom) if lom else (vocab.uri, term.id)
            if (source, value) != canonical_pair:
                group.keep(key, "spelling", **written, term=term.id)
            return term.id
        where = field_path(group.path, key)
        for text in (value, label):
            mapping = self.crosswalks.lookup(vocabulary, text) if text else None
            if mapping is not None:
                params = {
                    "field": where,
                    "value": text,
                    "term": mapping.term,
                    "crosswalk": mapping.crosswalk,
                }
                self.noted(
                    group,
                    key,
                    "crosswalk",
                    "mapped_crosswalk",
                    params,
                    term=mapping.term,
                    crosswalk=mapping.crosswalk,
                    **written,
                )
                return mapping.term
        if label:
            try:
                term = vocab.resolve(label)
            except UnknownTermError:
                term = None
            if term is not None:
                params = {"field": where, "value": label, "term": term.id}
                self.noted(group, key, "label", "mapped_label", params, term=term.id, **written)
                return term.id
        return self.foreign(group, key, vocabulary, **written)

    def foreign(self, group: _Group, key: str, vocabulary: str, **written: Any) -> None:
        shown = written.get("value") or next(iter((written.get("label") or {}).values()), "")
        self.noted(
            group,
            key,
            "none",
            "kept",
            {"field": field_path(group.path, key), "value": shown},
            **written,
        )

    def noted(
        self,
        group: _Group,
        key: str,
        how: str,
        code: str,
        params: dict[str, Any],
        *,
        term: Any = None,
        **written: Any,
    ) -> None:
        """Keep the partner's value as written (``how``) and note it (``code``) for review."""
        index = group.keep(key, how, **written, term=term)
        self.notes.append(Note(code, params, path=group.path, key=key, term=term, original=index))

    # -- rights -------------------------------------------------------------------------------
    def r_rights(self, group: _Group, spec: dict[str, Any], el: etree._Element) -> Any:
        rights = _Group(field_path(group.path, spec["key"]))
        verbs = {
            q("cost"): "cost",
            q("copyrightAndOtherRestrictions"): "copyright",
            q("description"): "description",
        }
        descriptions: list[etree._Element] = []
        for child in el:
            name = verbs.get(child.tag) if isinstance(child.tag, str) else None
            if name is None:
                if isinstance(child.tag, str):
                    self.keep_element(rights, child)
                continue
            if name == "description":
                descriptions.append(child)
                continue
            value = self.yes_no(rights, name, child)
            if value is not None:
                rights.out.setdefault(name, value)
        texts: dict[str, str] = {}
        for description in descriptions:
            for more in self.langstring(rights, "description", description):
                texts = self.merge_texts(rights, "description", texts, more)
        self.licence(rights, texts)
        if rights.original:
            rights.out["original"] = rights.original
        if rights.verbatim:
            rights.out["verbatim"] = rights.verbatim
        return rights.out

    def yes_no(self, group: _Group, key: str, el: etree._Element) -> bool | None:
        source = (el.findtext(_SOURCE) or "").strip()
        value = (el.findtext(_VALUE) or "").strip()
        label = (el.findtext(_LOM_LABEL) or el.findtext(_LABEL) or "").strip()
        if not value:
            return None
        found = scolomfr_reverse().get((f"rights.{key}", value))
        if found is None:
            found = (_YES_NO if key == "copyright" else _COST).get(fold(value))
        written = {"source": source, "value": value, "label": {"x-none": label} if label else None}
        if found is None:
            self.foreign(group, key, f"rights.{key}", **written)
            return None
        if (source, value) != (LOM_SOURCE, "yes" if found else "no"):
            group.keep(key, "spelling", **written, term=found)
        return found

    def licence(self, rights: _Group, texts: dict[str, str]) -> None:
        """The licence of a rights description, the description kept as written."""
        licences = self.vocabs["licence"]
        own: str | None = None
        description: dict[str, str] = {}
        for lang, text in texts.items():
            first, _, rest = text.partition("\n")
            line = LICENCE_LINE.match(first)
            term = licence_by_url(licences, line["url"]) if line else None
            if (
                line is not None
                and term is not None
                and licence_url(term) == line["url"]
                and own in (None, term.id)
            ):
                own = term.id  # the line Mawarid's own export writes: not the partner's text
                rest = rest.strip()
                if rest:
                    description[lang] = rest
            else:
                description[lang] = text
        if description:
            rights.out["description"] = description
        if own is not None:
            rights.out["licence"] = own
            return
        for lang, text in description.items():
            term = licence_in_text(text)
            if term is not None:
                rights.out["licence"] = term.id
                shown = next((u for u in URL.findall(text)), " ".join(text.split())[:120])
                params = {"value": shown, "term": term.id}
                text_kept = {lang: text[:500]}
                self.noted(
                    rights,
                    "licence",
                    "parsed",
                    "licence_from_text",
                    params,
                    term=term.id,
                    text=text_kept,
                )
                return

    # -- classification -------------------------------------------------------------------------
    def r_taxon_path(self, group: _Group, spec: dict[str, Any], el: etree._Element) -> Any:
        source_el = el.find(q("source"))
        sources = self.strings(source_el) if source_el is not None else []
        taxa: list[dict[str, Any]] = []
        for taxon in el.iterchildren(q("taxon")):
            item: dict[str, Any] = {}
            ident = (taxon.findtext(q("id")) or "").strip()
            if ident:
                item["id"] = ident
            entry = taxon.find(q("entry"))
            if entry is not None:
                labels = {(lang or "x-none"): text for lang, text in self.strings(entry)}
                if labels:
                    item["entry"] = labels
            if item:
                taxa.append(item)
        written = {
            "source_text": {(lang or "x-none"): text for lang, text in sources} or None,
            "taxa": taxa,
        }
        if not taxa:  # a classification named, nothing chosen in it: kept as written
            if sources:
                params = {"field": field_path(group.path, "taxon_path"), "value": sources[0][1]}
                self.noted(group, "taxon_path", "none", "kept", params, **written)
            return None
        vocab = next((v for v in (_vocabulary_named(t) for _, t in sources) if v), None)
        if vocab is not None:
            path = _resolve_path(vocab, taxa)
            if path is not None:
                value = {"source": vocab.id, "taxon": path}
                if [t.get("id") for t in taxa] != path[-len(taxa) :]:
                    # Mawarid's vocabulary under other spellings (2AC for 2ac): kept as written.
                    group.keep("taxon_path", "spelling", **written, term=value)
                return value
        return self.foreign_path(group, written)

    def foreign_path(self, group: _Group, written: dict[str, Any]) -> Any:
        """A taxon path of another classification, kept; its deepest taxon a Mawarid
        level or subject knows proposes that term's path."""
        purpose = group.out.get("purpose")
        targets = {"educational_level": ("level",), "discipline": ("subject",)}.get(
            purpose or "", ("level", "subject")
        )
        where = field_path(group.path, "taxon_path")
        for taxon in reversed(written["taxa"]):
            for vocabulary in targets:
                found = self.map_taxon(vocabulary, taxon)
                if found is None:
                    continue
                term, how, crosswalk, text = found
                path = {
                    "source": vocabulary,
                    "taxon": [t.id for t in self.vocabs[vocabulary].path(term)],
                }
                code = "mapped_crosswalk" if how == "crosswalk" else "mapped_label"
                params = {"field": where, "value": text, "term": term, "crosswalk": crosswalk or ""}
                self.noted(
                    group,
                    "taxon_path",
                    how,
                    code,
                    params,
                    term=path,
                    crosswalk=crosswalk,
                    **written,
                )
                group.mapped.append(path)
                return path
        shown = " > ".join(
            next(iter((t.get("entry") or {"": t.get("id", "")}).values())) for t in written["taxa"]
        )
        self.noted(group, "taxon_path", "none", "kept", {"field": where, "value": shown}, **written)
        return None

    def map_taxon(
        self, vocabulary: str, taxon: dict[str, Any]
    ) -> tuple[str, str, str | None, str] | None:
        texts = [taxon.get("id", ""), *list((taxon.get("entry") or {}).values())]
        for text in texts:
            mapping = self.crosswalks.lookup(vocabulary, text) if text else None
            if mapping is not None:
                return mapping.term, "crosswalk", mapping.crosswalk, text
        for text in texts[1:]:
            for candidate in (text, _QUALIFIER.sub("", text)):
                try:
                    return self.vocabs[vocabulary].resolve(candidate).id, "label", None, text
                except UnknownTermError:
                    continue
        return None


_SPECS: dict[int, dict[str, int]] = {}


def _specs(key: int, fields: list[dict[str, Any]]) -> dict[str, int]:
    """The index of a group's specs by the qualified tag of their LOM element."""
    found = _SPECS.get(key)
    if found is None:
        found = _SPECS[key] = {q(spec["element"]): n for n, spec in enumerate(fields)}
    return found


@lru_cache(maxsize=1)
def _langstring_keys() -> frozenset[str]:
    return langstring_languages()


@lru_cache(maxsize=1)
def _vocabulary_index() -> dict[str, Any]:
    """Vocabulary by URI, id or folded label (taxonPath sources name them every way)."""
    index: dict[str, Any] = {}
    for vocab in get_vocabularies().values():
        index[vocab.uri.rstrip("/")] = vocab
        for text in (vocab.id, *vocab.labels.values()):
            index.setdefault(fold(text), vocab)
    return index


def _vocabulary_named(text: str) -> Any:
    return _vocabulary_index().get(text.rstrip("/")) or _vocabulary_index().get(fold(text))


def _resolve_path(vocab: Any, taxa: list[dict[str, Any]]) -> list[str] | None:
    """Term ids of a path written in one of Mawarid's vocabularies, or None."""
    ids = []
    for taxon in taxa:
        candidates = [taxon.get("id", ""), *(taxon.get("entry") or {}).values()]
        term = None
        for candidate in candidates:
            if not candidate:
                continue
            try:
                term = vocab.resolve(candidate)
                break
            except UnknownTermError:
                continue
        if term is None:
            return None
        ids.append(term.id)
    leaf_path = [t.id for t in vocab.path(ids[-1])]
    return leaf_path if ids in (leaf_path, [ids[-1]]) else None


def _merge_groups(first: dict[str, Any], more: dict[str, Any] | None) -> bool:
    """Merge a repeated category into the first when they do not contradict each other."""
    if not more:
        return True
    for key, value in more.items():
        mine = first.get(key)
        if mine is None or mine == value or isinstance(mine, list):
            continue
        return False
    for key, value in more.items():
        if key not in first:
            first[key] = value
        elif isinstance(first[key], list):
            first[key] += [v for v in value if v not in first[key]]
    return True


#: The reader method of each value type of the mapping (``"vocab"`` → ``LomReader.r_vocab``).
_READERS: dict[str, Any] = {
    name[2:]: method for name, method in vars(LomReader).items() if name.startswith("r_")
}


def _no_language(tag: str) -> bool:
    """A ``language`` attribute saying the text has none (``x-none``, ``zxx``, ``und``)."""
    return tag.lower() in NO_LANGUAGE


def _generated(el: etree._Element) -> bool:
    """An entry written from the catalogue's provenance (see ``lom_xml.with_catalogue_entries``)."""
    for entity in el.iterchildren(q("entity")):
        if f"\n{PROVENANCE_PROPERTY}:" in (entity.text or "").replace("\r", ""):
            return True
    catalog = (el.findtext(q("catalog")) or "").strip()
    return catalog == ACQUISITION_CATALOG or catalog.startswith(ACQUISITION_CATALOG + ":")


# -- documents ---------------------------------------------------------------------------------


def read_lom(lom: etree._Element) -> tuple[dict[str, Any], list[Note]]:
    """The raw record of a ``<lom>`` element (any binding) and the reader's notes."""
    element = as_lom(lom)
    reader = LomReader(element)
    return reader.read(element), reader.notes


def accept_lom(
    lom: etree._Element, *, source: str, fallback_title: str | None = None, propose: bool = True
) -> Accepted:
    """A ``<lom>`` element (any binding) as a valid record, with its notes."""
    raw, notes = read_lom(lom)
    return accept_record(raw, notes, source=source, fallback_title=fallback_title, propose=propose)


def lom_to_record(data_or_element: bytes | etree._Element, *, source: str) -> dict[str, Any]:
    """Read one LOM record (a document, or a ``<lom>`` inside a wrapper) into a valid record,
    as it was written (no proposals to review; the intake uses :func:`accept_lom`).

    Raises :class:`MetadataError` (unsafe or non-LOM XML, several records) or
    :class:`RecordValidationError` when nothing can make it a record.
    """
    if isinstance(data_or_element, (bytes, bytearray, memoryview)):
        root = parse_xml(bytes(data_or_element), source=source)
    elif isinstance(data_or_element, etree._ElementTree):
        root = data_or_element.getroot()
    elif isinstance(data_or_element, etree._Element):
        root = data_or_element
    else:
        raise TypeError(
            f"lom_to_record expects bytes or an lxml element, got {type(data_or_element).__name__}"
        )
    return accept_lom(find_lom(root, source), source=source, propose=False).record


def find_lom(root: etree._Element, source: str) -> etree._Element:
    """The one LOM record in ``root`` (itself or a descendant), in any binding."""
    if is_lom(root):
        return root
    found = [el for el in root.iter() if isinstance(el.tag, str) and is_lom(el)]
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        raise MetadataError(
            N_("contains %(count)s LOM records; expected one"), record=source, count=len(found)
        )
    tag = etree.QName(root)
    raise UnsupportedFormatError(
        N_("not a LOM record: root element <%(name)s> in %(namespace)s"),
        record=source,
        name=tag.localname,
        namespace=tag.namespace or "no namespace",
    )


def mawarid_identifier(record: dict[str, Any]) -> str | None:
    """The catalogue id carried in ``general.identifier`` (catalog ``mawarid``), if any."""
    for ident in (record.get("general") or {}).get("identifier", []):
        if str(ident.get("catalog", "")).strip().lower() == CATALOG:
            entry = ident.get("entry")
            return str(entry) if entry is not None else None
    return None
