"""Record → IEEE LOM XML (1484.12.3), the export half of the LOM binding.

The mapping between record keys and LOM elements is data (``mappings/lom.json``,
see :mod:`.lom_binding`); this module only knows how to write each *kind* of
value (LangString, vocabulary, vCard, DateTime, …). Conventions:

- vocabulary values: ``<source>LOMv1.0</source><value>…</value>`` when the term
  has a LOM value (``Term.extra["lom"]``), else our vocabulary URI as source and
  the term id as value; valid against ``lomLoose.xsd`` (and ``lomStrict.xsd`` when
  every term is a LOM one, or with ``strict=True``);
- what a partner wrote and the record kept (``original``, ``verbatim``,
  ``vcards``, see :mod:`.originals`) is written back as it was: the round trip
  import → export keeps every element and value. A value a crosswalk mapped is
  written as the partner wrote it, and, where LOM allows several, as the Mawarid
  term too;
- LangStrings: ``<string language="ar">``; contributors: the partner's vCard, or
  a vCard 3.0 ``FN``;
- ``rights/description`` carries, per language, a first line
  ``"<licence label> <URL>"`` followed by the record's own rights description
  (not when the licence was read from that description);
- taxon paths: ``source`` = our vocabulary URI (``x-none``) + French/Arabic
  labels, each ``taxon`` = term id + labels.

``strict=True`` writes LOMv1.0 vocabulary values only, valid against
``lomStrict.xsd`` (which admits no extension element): the other values move to
classifications (purpose ``idea``) whose taxon paths name their vocabulary, and
what strict LOM cannot hold at all (kept elements of other profiles) is left out
and listed in :attr:`LomExport.left_out`.

With ``identifier`` the record gets a ``general/identifier`` in catalog
``mawarid``; with ``provenance`` (the catalogue's summary, see
docs/contracts.md) the publisher, the content provider, the validating
commission and the acquisition reference are added, marked (vCard
``X-MAWARID-PROVENANCE``, catalog ``mawarid-acquisition``) and ignored on import.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, NamedTuple

from lxml import etree

from core.messages import N_, Message

from .errors import ExportError, UnknownTermError, unknown_term_message
from .lom_binding import (
    ACQUISITION_CATALOG,
    CATALOG,
    EXTENSION_NS,
    LOM_PREFIX,
    LOM_SOURCE,
    MAPPING,
    PROVENANCE_PROPERTY,
    XSI_NS,
    licence_url,
    q,
)
from .lom_binding import LOM_NS as LOM_NS  # re-exported: the OAI formats name it
from .lom_reader import lom_to_record as lom_to_record  # the import half, re-exported
from .lom_reader import mawarid_identifier as mawarid_identifier
from .safe_xml import parse_xml
from .vcard import make_vcard
from .vocabularies import get_vocabularies
from .vocabulary_model import Term, Vocabularies, Vocabulary

#: One field of the LOM mapping (``mappings/lom.json``): element, key, type, …
Spec = dict[str, Any]

SCHEMA_LOCATION = f"{LOM_NS} http://ltsc.ieee.org/xsd/lomv1.0/lomLoose.xsd"
STRICT_SCHEMA_LOCATION = f"{LOM_NS} http://ltsc.ieee.org/xsd/lomv1.0/lomStrict.xsd"

# LOM's DateTime pattern (dataTypes.xsd): a time zone only after fractional seconds.
_LOM_DATETIME = re.compile(
    r"([0-9]{3}[1-9]|[0-9]{2}[1-9][0-9]|[0-9][1-9][0-9]{2}|[1-9][0-9]{3})(-(0[1-9]|1[0-2])"
    r"(-(0[1-9]|[1-2][0-9]|3[0-1])(T([0-1][0-9]|2[0-3])(:[0-5][0-9](:[0-5][0-9]"
    r"(\.[0-9]+(Z|([+-]([0-1][0-9]|2[0-3]):[0-5][0-9]))?)?)?)?)?)?)?"
)
_DATETIME_PARTS = re.compile(
    r"(?P<date>[^T]+)T(?P<hm>\d{2}:\d{2})(?::(?P<s>\d{2})(?P<f>\.\d+)?)?"
    r"(?P<tz>Z|[+-]\d{2}:?\d{2})$"
)
_WEEKS = re.compile(r"^P(\d+)W$")
_INDEX = re.compile(r"\[\d+\]")
_XS_LANGUAGE = re.compile(r"^[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*$")
#: Values a group leaves out (compared by equality, as the writer always has).
_EMPTY: tuple[Any, ...] = (None, "", [], {})
#: Keys of a group written by the element of another key (a date's description).
_COMPANIONS = frozenset({"original", "verbatim", "vcards", "_provenance"})


class _Memo(NamedTuple):
    """What a writer computes once and reuses, for one set of vocabularies."""

    vocabs: Vocabularies
    #: Elements written before, to copy (vocabulary values, taxon paths): _Writer.copied.
    subtrees: dict[Hashable, etree._Element]
    #: (vocabulary, value) → what the writer makes of it: _Writer.vocab_value.
    values: dict[tuple[str, Any], Any]


class _Memos(threading.local):
    """The memos of this thread (lxml trees are not to be shared between threads), by
    writer class and strictness (their labels differ)."""

    def __init__(self) -> None:
        self.by_writer: dict[tuple[type[Any], bool], _Memo] = {}

    def of(self, writer: type[Any], strict: bool, vocabs: Vocabularies) -> _Memo:
        memo = self.by_writer.get((writer, strict))
        if memo is None or memo.vocabs is not vocabs:  # none yet, or of other vocabularies
            memo = self.by_writer[(writer, strict)] = _Memo(vocabs, {}, {})
        return memo


_MEMOS = _Memos()
#: Elements kept to copy, at most (a safety net: the vocabularies' values are fewer).
_SUBTREES_MAX = 4096
#: A copy of an element and its children (``copy.copy`` without its dispatch).
_copy: Callable[[etree._Element], etree._Element] = etree._Element.__copy__  # type: ignore[attr-defined]
_NSMAP: dict[Any, str] = {None: LOM_NS}
_STRING = LOM_PREFIX + "string"


#: The fields of each group of the mapping as (key, kind, many groups?, spec), by the
#: list's id (with the list, which the mapping keeps alive): see _Writer.group.
_FIELDS: dict[int, tuple[list[Spec], list[tuple[str, str, bool, Spec]]]] = {}


def _fields(fields: list[Spec]) -> list[tuple[str, str, bool, Spec]]:
    known = _FIELDS.get(id(fields))
    if known is None or known[0] is not fields:
        plan = [
            (f["key"], f["type"], bool(f.get("many")) and f["type"] == "group", f) for f in fields
        ]
        known = _FIELDS[id(fields)] = (fields, plan)
    return known[1]


class Slot(NamedTuple):
    """One field to write: its mapping spec, its value and record path, the provenance
    marker of generated entries, its group, and what the partner wrote for it."""

    # A named tuple, not a frozen dataclass: a LOM document makes about a hundred of
    # them, and a frozen dataclass's __init__ costs several times a tuple's.
    spec: Spec
    value: Any
    path: str
    marker: str | None = None
    group: dict[str, Any] | None = None
    originals: Sequence[dict[str, Any]] = ()


@dataclass
class LomExport:
    element: etree._Element
    #: Record paths of what the format could not hold (strict LOM only).
    left_out: list[str] = field(default_factory=list)


class _Writer:
    """Writes record values as LOM elements; subclassed for ScoLOMFR."""

    #: The method of each value kind (spec "type"), ``w_<kind>``: looked up once per
    #: class rather than by name for each field written.
    kinds: ClassVar[dict[str, Callable[[_Writer, etree._Element, Slot], None]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.kinds = _kinds(cls)

    def __init__(self, *, strict: bool = False) -> None:
        self.vocabs = get_vocabularies()
        self.strict = strict
        memo = _MEMOS.of(type(self), strict, self.vocabs)
        self.subtrees, self.values = memo.subtrees, memo.values
        self.left_out: list[str] = []
        #: (vocabulary, field path, source, value, label) moved out of strict LOM.
        self.moved: list[tuple[str, str, str, str, str]] = []

    # Entry point ------------------------------------------------------------------------
    def lom(self, record: dict[str, Any], *, root: etree._Element) -> etree._Element:
        self.group(root, MAPPING["fields"], record, "")
        if self.moved:
            self.write_moved(root)
        return root

    def group(
        self,
        parent: etree._Element,
        fields: list[Spec],
        value: dict[str, Any],
        path: str,
        marker: str | None = None,
    ) -> None:
        kept: dict[str, list[dict[str, Any]]] = {}
        for original in value.get("original") or []:
            kept.setdefault(original.get("key"), []).append(original)
        writers = self.kinds
        prefix = f"{path}." if path else ""
        for key, kind, many_groups, spec in _fields(fields):
            # Most keys of the mapping are absent from a record, most values are not
            # empty: one lookup and one truth test decide (a document walks ~90 fields).
            item = value.get(key)
            originals = kept.pop(key, ()) if kept else ()
            if not item and item in _EMPTY and not originals:
                continue
            where = prefix + key
            writer = writers[kind]
            if many_groups:
                for index, one in enumerate(item or []):
                    writer(self, parent, Slot(spec, one, f"{where}[{index}]", marker, value))
                for original in originals:
                    self.unplaced(parent, where, original)
            else:
                writer(self, parent, Slot(spec, item, where, marker, value, originals))
        for key, originals in kept.items():  # keys the mapping has no field for
            for original in originals:
                self.unplaced(parent, f"{path}.{key}" if path else str(key), original)
        for index, xml in enumerate(value.get("verbatim") or []):
            self.verbatim(
                parent, xml, f"{path}.verbatim[{index}]" if path else f"verbatim[{index}]"
            )

    # Helpers ---------------------------------------------------------------------------
    def sub(
        self, parent: etree._Element, name: str, text: str | None = None, path: str = ""
    ) -> etree._Element:
        # The hottest call of an export (one per element): the qualified name and
        # set_text are inlined (a Python call costs as much as lxml's own work here).
        el = etree.SubElement(parent, LOM_PREFIX + name)
        if text is not None:
            try:
                el.text = text
            except ValueError:
                set_text(el, text, path or name)
        return el

    def copied(
        self,
        parent: etree._Element,
        key: Hashable,
        element: str,
        write: Callable[..., None],
        *args: Any,
    ) -> None:
        """``<element>`` with the children ``write(el, *args)`` writes, copied from the one
        written first for ``key``: vocabulary values and taxon paths, the same in every
        document, are half of a document's elements, and a copy costs a third of writing
        them again."""
        written = self.subtrees.get(key)
        if written is None:
            written = self.keep_subtree(key, element, write, *args)
        # The copy's namespace declaration goes: the tree's root declares the same.
        parent.append(_copy(written))

    def keep_subtree(
        self, key: Hashable, element: str, write: Callable[..., None], *args: Any
    ) -> etree._Element:
        """A new ``<element>`` with the children ``write(el, *args)`` writes, kept for
        ``key`` (see copied)."""
        written = etree.Element(LOM_PREFIX + element, nsmap=_NSMAP)
        write(written, *args)
        if len(self.subtrees) < _SUBTREES_MAX:
            self.subtrees[key] = written
        return written

    def langstring_el(
        self,
        el: etree._Element,
        value: dict[str, Any],
        path: str,
        tags: dict[tuple[str, str], str] | None = None,
    ) -> None:
        """``<string>`` per language; ``tags``: (language, text) → the tag as written."""
        for lang, text in value.items():
            # self.sub(el, "string", text, f"{path}[{lang}]") inlined, the path built only
            # for an error: a document writes ~30 strings.
            string = etree.SubElement(el, _STRING)
            try:
                string.text = text
            except ValueError:
                set_text(string, text, f"{path}[{lang}]")
            tag = tags.get((lang, text), lang) if tags and not self.strict else lang
            if tag != "x-none" or not self.strict:
                string.set("language", tag if _XS_LANGUAGE.match(tag) else "x-none")

    def term(self, vocabulary: str, term_id: str, path: str) -> Term:
        term = self.vocabs[vocabulary].get(term_id)
        if term is None:
            raise ExportError(
                N_("cannot be exported"),
                errors={path: [unknown_term_message(vocabulary, term_id)]},
            )
        return term

    def verbatim(self, parent: etree._Element, xml: str, path: str) -> None:
        element = parse_xml(xml.encode("utf-8"), source=path)
        if self.strict or not self.keeps(element):
            self.left_out.append(f"{path} ({etree.QName(element).localname})")
            return
        parent.append(element)

    def keeps(self, element: etree._Element) -> bool:
        """Whether this format has a place for a kept element (loose LOM: any)."""
        return True

    keeps_originals = True

    def unplaced(self, parent: etree._Element, path: str, original: dict[str, Any]) -> None:
        """An original no LOM element can carry: a Mawarid extension element (loose LOM)."""
        if self.strict or not self.keeps_originals:
            self.left_out.append(path)
            return
        el = etree.SubElement(parent, f"{{{EXTENSION_NS}}}original", nsmap={"mw": EXTENSION_NS})
        for name in ("key", "how", "source", "crosswalk"):
            if original.get(name):
                el.set(name, str(original[name]))
        text = original.get("value")
        if text is None:
            text = next(iter((original.get("text") or original.get("label") or {}).values()), "")
        set_text(el, str(text), path)

    # Value kinds (spec "type") -----------------------------------------------------------
    def w_group(self, parent: etree._Element, slot: Slot) -> None:
        spec, value, path, originals = slot.spec, slot.value, slot.path, slot.originals
        if value in (None, {}, ""):
            for original in originals:
                self.unplaced(parent, path, original)
            return
        el = self.sub(parent, spec["element"])
        self.group(el, spec["fields"], value, path, value.get("_provenance"))
        for original in originals:
            self.unplaced(parent, path, original)

    def w_text(self, parent: etree._Element, slot: Slot) -> None:
        spec, value, path, originals = slot.spec, slot.value, slot.path, slot.originals
        values = value if isinstance(value, list) else [value] if value not in (None, "") else []
        for one in values:
            self.sub(parent, spec["element"], str(one), path)
        for original in originals:
            if original.get("value"):
                self.sub(parent, spec["element"], original["value"], path)

    def w_integer(self, parent: etree._Element, slot: Slot) -> None:
        spec, value, path, originals = slot.spec, slot.value, slot.path, slot.originals
        if value is not None:
            self.sub(parent, spec["element"], str(int(value)), path)
        self.typed_originals(parent, spec, path, originals)

    w_size = w_integer

    def typed_originals(
        self, parent: etree._Element, spec: Spec, path: str, originals: Sequence[dict[str, Any]]
    ) -> None:
        """Originals of a typed element (size, date, duration) read from a text LOM's
        syntax cannot hold: the export writes the value and lists the text as left out."""
        for original in originals:
            if original.get("how") == "parsed":
                self.left_out.append(f"{path} ({original.get('value')})")
            else:
                self.unplaced(parent, path, original)

    def w_format(self, parent: etree._Element, slot: Slot) -> None:
        """Values as the partner spelled them when the record kept that spelling (a MIME
        type in capitals, an address with spaces), then what had no reading."""
        spec, value, path, originals = slot.spec, slot.value, slot.path, slot.originals
        spelled = {o.get("term"): o["value"] for o in originals if o.get("term") and o.get("value")}
        for one in value or []:
            text = spelled.pop(one, one) if not self.strict else one
            self.sub(parent, spec["element"], text, path)
        for original in originals:
            if not original.get("term") and original.get("value"):
                self.sub(parent, spec["element"], original["value"], path)

    w_location = w_format

    def w_langstring(self, parent: etree._Element, slot: Slot) -> None:
        spec, value, path, originals = slot.spec, slot.value, slot.path, slot.originals
        # A text whose language was guessed keeps the tag it was written with (x-none, zxx).
        tags = {
            (o["term"], text): tag
            for o in originals
            if o.get("how") == "spelling" and isinstance(o.get("term"), str) and o.get("text")
            for tag, text in o["text"].items()
        }
        extra = [o["text"] for o in originals if o.get("text") and o.get("how") != "spelling"]
        if spec.get("many"):
            for one in [*(value or []), *extra]:
                self.langstring_el(self.sub(parent, spec["element"]), one, path, tags)
            return
        el = self.sub(parent, spec["element"])
        self.langstring_el(el, value or {}, path, tags)
        for texts in extra:
            self.langstring_el(el, texts, path)

    def w_plainstring(self, parent: etree._Element, slot: Slot) -> None:
        spec, value, path, originals = slot.spec, slot.value, slot.path, slot.originals
        el = self.sub(parent, spec["element"])
        spelled = next(
            (o for o in originals if o.get("how") == "spelling" and o.get("term") == value), None
        )
        if spelled is not None:
            self.langstring_el(el, spelled["text"], path)
        elif value not in (None, ""):
            self.sub(el, "string", str(value), path)
        for original in originals:
            if original.get("text") and original is not spelled:
                self.langstring_el(el, original["text"], path)

    def w_age_range(self, parent: etree._Element, slot: Slot) -> None:
        """Age ranges as the partner wrote them (``"7-11 ans"``), else as stored."""
        spec, value, path, originals = slot.spec, slot.value, slot.path, slot.originals
        written = set()
        for original in originals:
            if not original.get("text") or (self.strict and original.get("term")):
                continue
            self.langstring_el(self.sub(parent, spec["element"]), original["text"], path)
            written.add(original.get("term"))
        for one in value or []:
            if one not in written:
                self.sub(self.sub(parent, spec["element"]), "string", one, path)

    def w_language(self, parent: etree._Element, slot: Slot) -> None:
        spec, value, path, originals = slot.spec, slot.value, slot.path, slot.originals
        spelled = {
            o.get("term"): o["value"]
            for o in originals
            if o.get("term") and o.get("value") and _XS_LANGUAGE.match(o["value"])
        }
        values = value if isinstance(value, list) else [value] if value else []
        for original in originals:
            if original.get("term") and original.get("term") not in spelled:
                # A spelling LOM's xs:language cannot carry (an id.loc.gov URI): the code goes out.
                self.left_out.append(f"{path} ({original.get('value')})")
        for one in values:
            self.term("language", one, path)
            self.sub(
                parent, spec["element"], spelled.get(one, one) if not self.strict else one, path
            )
        for original in originals:
            text = original.get("value") or ""
            if not original.get("term"):
                if _XS_LANGUAGE.match(text) and not self.strict:
                    self.sub(parent, spec["element"], text, path)
                else:
                    self.left_out.append(f"{path} ({text})")

    def vocab_value(self, spec: Spec, value: Any, path: str) -> tuple[str, str, str | None] | None:
        """(source, value, label) for a vocabulary element; ``None`` leaves it out."""
        if isinstance(value, tuple):  # generated entries and rights name LOM values directly
            return value[0], value[1], None
        vocabulary = spec["vocabulary"]
        found: tuple[str, str, None] | None = self.values.get((vocabulary, value))
        if found is None:  # once per term (a document writes ~20 vocabulary values)
            term = self.term(vocabulary, value, path)
            lom = term.extra.get("lom")
            vocab = self.vocabs[vocabulary]
            found = (
                (vocab.lom_source or LOM_SOURCE, lom, None) if lom else (vocab.uri, term.id, None)
            )
            self.values[(vocabulary, value)] = found
        return found

    def w_vocab(self, parent: etree._Element, slot: Slot) -> None:
        spec, value, path, originals = slot.spec, slot.value, slot.path, slot.originals
        values = value if isinstance(value, list) else [value] if value not in (None, "") else []
        if self.strict:
            # LOMv1.0 pairs only: the term's own LOM value; a partner's other values move.
            for original in originals:
                if original.get("how") != "spelling":
                    label = next(iter((original.get("label") or {}).values()), None)
                    self.move(
                        spec,
                        path,
                        (original.get("source") or "", original.get("value") or "", label),
                    )
            originals = ()
        done: set[Any] = set()
        for original in originals:
            # The partner's spelling of the same term stands for it; a mapped term is
            # written too where LOM allows several values.
            if self.original_vocab(parent, spec, original, path) and (
                original.get("how") == "spelling" or not spec.get("many")
            ):
                done.add(original.get("term"))
        for one in values:
            if one in done:
                continue
            found = self.vocab_value(spec, one, path)
            if found is None:
                continue
            if self.strict and found[0] != LOM_SOURCE:
                self.move(spec, path, found)
                continue
            self.vocab_el(parent, spec["element"], found)

    def original_vocab(
        self, parent: etree._Element, spec: Spec, original: dict[str, Any], path: str
    ) -> bool:
        source = original.get("source") or ""
        value = original.get("value") or ""
        label = next(iter((original.get("label") or {}).values()), None)
        if not value and not label:
            self.unplaced(parent, path, original)
            return False
        # Written, not copied (see vocab_el): a partner's values are not the vocabularies'.
        self.vocab_children(self.sub(parent, spec["element"]), (source, value, label))
        return True

    def vocab_el(
        self, parent: etree._Element, element: str, found: tuple[str, str, str | None]
    ) -> None:
        # self.copied(…) with its lookup inlined: a document writes ~20 of them.
        key = ("vocab", element, found)
        written = self.subtrees.get(key)
        if written is None:
            written = self.keep_subtree(key, element, self.vocab_children, found)
        parent.append(_copy(written))

    def vocab_children(self, el: etree._Element, found: tuple[str, str, str | None]) -> None:
        if found[0]:
            self.sub(el, "source", found[0])
        if found[1]:
            self.sub(el, "value", found[1])
        if found[2] and not self.strict:
            self.label(el, found[2])

    def label(self, el: etree._Element, text: str) -> None:
        """A vocabulary label (LOM-FR, ScoLOMFR): LOM has no such element, so the LOM
        export writes it in Mawarid's extension namespace, where lomLoose admits it."""
        label = etree.SubElement(el, f"{{{EXTENSION_NS}}}label", nsmap={"mw": EXTENSION_NS})
        set_text(label, text, "label")

    def move(self, spec: Spec, path: str, found: tuple[str, str, str | None]) -> None:
        """A value strict LOM cannot carry in its element: to a classification."""
        self.moved.append((spec.get("vocabulary", ""), path, found[0], found[1], found[2] or ""))

    def write_moved(self, root: etree._Element) -> None:
        for vocabulary, path, source, value, label in self.moved:
            cls = self.sub(root, "classification")
            self.vocab_el(cls, "purpose", (LOM_SOURCE, "idea", None))
            taxon_path = self.sub(cls, "taxonPath")
            field = _INDEX.sub("", path)
            self.sub(self.sub(taxon_path, "source"), "string", f"{field} {source}".strip()).set(
                "language", "x-none"
            )
            taxon = self.sub(taxon_path, "taxon")
            self.sub(taxon, "id", value or label)
            term = self.vocabs[vocabulary].get(value) if vocabulary in self.vocabs else None
            labels = dict(term.labels) if term is not None else ({"x-none": label} if label else {})
            if labels:
                self.langstring_el(self.sub(taxon, "entry"), labels, path)

    def w_vcard(self, parent: etree._Element, slot: Slot) -> None:
        spec, value, path = slot.spec, slot.value, slot.path
        marker, group, originals = slot.marker, slot.group, slot.originals
        vcards = (group or {}).get("vcards") or {}
        values = value if isinstance(value, list) else [value] if value else []
        mark = (PROVENANCE_PROPERTY, marker) if marker else None
        for one in values:
            self.sub(parent, spec["element"], vcards.get(one) or make_vcard(one, mark), path)
        for original in originals:
            if original.get("value"):
                self.sub(parent, spec["element"], original["value"], path)

    def w_datetime(self, parent: etree._Element, slot: Slot) -> None:
        spec, value, path = slot.spec, slot.value, slot.path
        group, originals = slot.group, slot.originals
        text, description = (
            (value["value"], value.get("description")) if isinstance(value, dict) else (value, None)
        )
        description = description or (group or {}).get(spec.get("description_key") or "")
        self.typed_originals(parent, spec, path, originals)
        if text in (None, "") and not description:
            return
        el = self.sub(parent, spec["element"])
        if text not in (None, ""):
            self.sub(el, "dateTime", lom_datetime(text, path))
        if description:
            self.langstring_el(self.sub(el, "description"), description, path)

    def w_duration(self, parent: etree._Element, slot: Slot) -> None:
        spec, value, path = slot.spec, slot.value, slot.path
        group, originals = slot.group, slot.originals
        description = (group or {}).get(spec.get("description_key") or "")
        self.typed_originals(parent, spec, path, originals)
        if value in (None, "") and not description:
            return
        el = self.sub(parent, spec["element"])
        if value:
            weeks = _WEEKS.match(value)  # LOM durations have no weeks
            self.sub(el, "duration", f"P{int(weeks.group(1)) * 7}D" if weeks else value)
        if description:
            self.langstring_el(self.sub(el, "description"), description, path)

    def w_rights(self, parent: etree._Element, slot: Slot) -> None:
        spec, value, path = slot.spec, slot.value, slot.path
        value = value or {}
        el = self.sub(parent, spec["element"])
        kept: dict[str, list[dict[str, Any]]] = {}
        for original in value.get("original") or []:
            kept.setdefault(original.get("key"), []).append(original)
        for key, element in (("cost", "cost"), ("copyright", "copyrightAndOtherRestrictions")):
            spelled = kept.pop(key, [])
            if self.strict:  # LOMv1.0 yes/no only
                spelled = []
            for original in spelled:
                self.original_vocab(
                    el,
                    {"element": element, "vocabulary": f"rights.{key}"},
                    original,
                    f"{path}.{key}",
                )
            if value.get(key) is not None and not any(o.get("how") == "spelling" for o in spelled):
                spec = {"element": element, "vocabulary": f"rights.{key}"}
                yes_no = (LOM_SOURCE, "yes" if value[key] else "no")
                found = self.vocab_value(spec, yes_no, f"{path}.{key}")
                if found is not None:
                    self.vocab_el(el, element, found)
        from_text = [o for o in kept.pop("licence", []) if o.get("how") == "parsed"]
        texts = rights_texts(value, self.vocabs, f"{path}.licence", line=not from_text)
        extra = kept.pop("description", [])
        if texts or extra:
            description = self.sub(el, "description")
            self.langstring_el(description, texts, f"{path}.description")
            for original in extra:
                if original.get("text"):
                    self.langstring_el(description, original["text"], f"{path}.description")
        for key, originals_left in kept.items():
            for original in originals_left:
                self.unplaced(el, f"{path}.{key}", original)
        for index, xml in enumerate(value.get("verbatim") or []):
            self.verbatim(el, xml, f"{path}.verbatim[{index}]")
        if len(el) == 0:
            parent.remove(el)

    def w_taxon_path(self, parent: etree._Element, slot: Slot) -> None:
        spec, value, path, originals = slot.spec, slot.value, slot.path, slot.originals
        spelled = [o for o in originals if o.get("how") == "spelling" and o.get("taxa")]
        for index, one in enumerate(value or []):
            written = next((o for o in spelled if o.get("term") == one), None)
            if written is not None and not self.strict:
                self.foreign_path(parent, spec, written)
            else:
                self.mawarid_path(parent, spec, one, f"{path}[{index}]")
        for original in originals:
            if original in spelled:
                continue
            if original.get("taxa") or original.get("source_text"):
                self.foreign_path(parent, spec, original)
            else:
                self.unplaced(parent, path, original)

    def mawarid_path(self, parent: etree._Element, spec: Spec, value: Any, path: str) -> None:
        vocab = self.vocabs.get(value["source"], None)
        if vocab is None:
            raise ExportError(
                N_("cannot be exported"),
                errors={
                    f"{path}.source": [
                        Message(
                            N_("unknown classification source '%(source)s'"), source=value["source"]
                        )
                    ]
                },
            )
        taxa = tuple(value["taxon"])
        key = ("taxon path", spec["element"], vocab.id, taxa)
        self.copied(parent, key, spec["element"], self.taxon_path_children, vocab, taxa, path)

    def taxon_path_children(
        self, el: etree._Element, vocab: Vocabulary, taxa: Sequence[str], path: str
    ) -> None:
        source = self.sub(el, "source")
        self.sub(source, "string", vocab.uri).set("language", "x-none")
        self.langstring_el(
            source, {k: vocab.labels[k] for k in ("fr", "ar") if k in vocab.labels}, path
        )
        for index, term_id in enumerate(taxa):
            term = self.term(vocab.id, term_id, f"{path}.taxon[{index}]")
            taxon = self.sub(el, "taxon")
            self.sub(taxon, "id", term.id)
            self.langstring_el(self.sub(taxon, "entry"), dict(term.labels), path)

    def foreign_path(self, parent: etree._Element, spec: Spec, original: dict[str, Any]) -> None:
        el = self.sub(parent, spec["element"])
        if original.get("source_text"):
            self.langstring_el(self.sub(el, "source"), original["source_text"], "taxon_path")
        for taxon in original.get("taxa") or []:
            item = self.sub(el, "taxon")
            if taxon.get("id"):
                self.sub(item, "id", taxon["id"])
            if taxon.get("entry"):
                self.langstring_el(self.sub(item, "entry"), taxon["entry"], "taxon_path")


def _kinds(writer: type[_Writer]) -> dict[str, Callable[[_Writer, etree._Element, Slot], None]]:
    return {name[2:]: getattr(writer, name) for name in dir(writer) if name.startswith("w_")}


_Writer.kinds = _kinds(_Writer)


def set_text(el: etree._Element, text: str, path: str) -> None:
    try:
        el.text = text
    except ValueError:  # control characters, lone surrogates: not representable in XML
        raise ExportError(
            N_("cannot be written as XML"),
            errors={
                path: [Message(N_("contains characters XML cannot carry (control characters)"))]
            },
        ) from None


def lom_datetime(written: Any, path: str = "date") -> str:
    """``value`` in LOM's DateTime syntax (seconds and a fraction before any time zone)."""
    value = str(written.isoformat() if hasattr(written, "isoformat") else written)
    if _LOM_DATETIME.fullmatch(value):
        return value
    parts = _DATETIME_PARTS.match(value)
    if parts:
        tz = (
            parts["tz"]
            if parts["tz"] == "Z" or ":" in parts["tz"]
            else parts["tz"][:3] + ":" + parts["tz"][3:]
        )
        text = f"{parts['date']}T{parts['hm']}:{parts['s'] or '00'}{parts['f'] or '.0'}{tz}"
        if _LOM_DATETIME.fullmatch(text):
            return text
    raise ExportError(
        N_("cannot be exported"),
        errors={
            path: [
                Message(
                    N_("'%(value)s' is not a date LOM can carry (YYYY-MM-DD[Thh:mm[:ss[.s][Z]]])"),
                    value=value,
                )
            ]
        },
    )


def rights_texts(
    rights: dict[str, Any], vocabs: Vocabularies, path: str, *, line: bool = True
) -> dict[str, str]:
    """rights/description LangString: licence line (label + URL) then the free text."""
    description = rights.get("description") or {}
    licence_id = rights.get("licence")
    if not licence_id or not line:
        return dict(description)
    term = vocabs["licence"].get(licence_id)
    if term is None:
        raise ExportError(
            N_("cannot be exported"),
            errors={path: [unknown_term_message("licence", licence_id)]},
        )
    url = licence_url(term)
    out = {}
    for lang in dict.fromkeys(["fr", "ar", *description]):
        first = f"{term.labels.get(lang) or term.label('fr')} <{url}>"
        out[lang] = f"{first}\n\n{description[lang]}" if lang in description else first
    return out


def with_catalogue_entries(
    record: dict[str, Any], identifier: str | None, provenance: dict[str, Any] | None
) -> dict[str, Any]:
    """A shallow copy of ``record`` with the mawarid identifier and provenance entries."""
    rec = dict(record)
    vocabs = get_vocabularies()
    if identifier:
        general = dict(rec.get("general") or {})
        others = [i for i in general.get("identifier", []) if i.get("catalog") != CATALOG]
        general["identifier"] = [{"catalog": CATALOG, "entry": identifier}, *others]
        rec["general"] = general
    if not provenance:
        return rec
    lifecycle = dict(rec.get("lifecycle") or {})
    contribute = list(lifecycle.get("contribute", []))
    published = provenance.get("published")
    if published:
        contribute.append(
            {
                "role": (LOM_SOURCE, "publisher"),
                "_provenance": "published",
                "entity": [label_of(vocabs, "actor", published.get("by") or "LNRN")],
                **({"date": published["date"]} if published.get("date") else {}),
            }
        )
    if provenance.get("counterpart"):
        contribute.append(
            {
                "role": (LOM_SOURCE, "content provider"),
                "_provenance": "counterpart",
                "entity": [provenance["counterpart"]],
            }
        )
    if contribute:
        lifecycle["contribute"] = contribute
        rec["lifecycle"] = lifecycle
    meta = dict(rec.get("meta_metadata") or {})
    validated = provenance.get("validated")
    if validated:
        entry: dict[str, Any] = {
            "role": (LOM_SOURCE, "validator"),
            "_provenance": "validated",
            "entity": [label_of(vocabs, "commission", validated.get("commission") or "validation")],
        }
        if validated.get("date"):
            ref = validated.get("reference")
            entry["date"] = {
                "value": validated["date"],
                "description": ({"fr": f"Décision {ref}", "ar": f"قرار {ref}"} if ref else None),
            }
        meta["contribute"] = [*meta.get("contribute", []), entry]
    if provenance.get("reference"):
        mode = provenance.get("mode")
        catalog = f"{ACQUISITION_CATALOG}:{mode}" if mode else ACQUISITION_CATALOG
        meta["identifier"] = [
            *meta.get("identifier", []),
            {"catalog": catalog, "entry": provenance["reference"]},
        ]
    if meta:
        rec["meta_metadata"] = meta
    return rec


def label_of(vocabs: Vocabularies, vocabulary: str, value: str) -> str:
    try:
        return vocabs[vocabulary].resolve(value).label("fr")
    except (KeyError, UnknownTermError):
        return value


def export_lom(
    record: dict[str, Any],
    *,
    identifier: str | None = None,
    provenance: dict[str, Any] | None = None,
    strict: bool = False,
) -> LomExport:
    """The record as a ``<lom>`` element, with what the format left out."""
    root = etree.Element(q("lom"), nsmap={None: LOM_NS, "xsi": XSI_NS})  # type: ignore[dict-item]
    root.set(f"{{{XSI_NS}}}schemaLocation", STRICT_SCHEMA_LOCATION if strict else SCHEMA_LOCATION)
    writer = _Writer(strict=strict)
    writer.lom(with_catalogue_entries(record, identifier, provenance), root=root)
    return LomExport(root, writer.left_out)


def record_to_lom_element(
    record: dict[str, Any],
    *,
    identifier: str | None = None,
    provenance: dict[str, Any] | None = None,
) -> etree._Element:
    """The record as a ``<lom>`` element (namespace :data:`LOM_NS`)."""
    return export_lom(record, identifier=identifier, provenance=provenance).element


def record_to_lom(record: dict[str, Any], **kw: Any) -> bytes:
    """The record as a LOM XML document (UTF-8, with XML declaration)."""
    return etree.tostring(
        export_lom(record, **kw).element,
        encoding="UTF-8",
        xml_declaration=True,
        pretty_print=True,
    )
