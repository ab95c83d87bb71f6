"""Declared facets (``data/facets.json``) and the engine-neutral bucket building.

A backend only has to count documents per value; turning counts into labelled,
ordered, possibly nested :class:`~indexer.model.Bucket` lists is done here, so
the Whoosh and a future Elasticsearch backend answer identically.

:class:`Facet` and :class:`Bucket` (what a result shows) are defined here, so that
:mod:`indexer.model` depends on this module and not the other way round.

Semantics (as in any shop): values of one facet combine with OR, facets combine
with AND, and a facet's counts ignore its own selection, so the other values of
a facet stay visible and clickable. ``cycle`` and ``level`` are two views of one
hierarchy (the ``level`` vocabulary, every document carrying its whole paths):
they form a *group*, and both count while ignoring the selections of the group.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

_DATA = json.loads(resources.files("indexer").joinpath("data/facets.json").read_text("utf-8"))


@dataclass(frozen=True)
class FacetSpec:
    name: str
    field: str
    labels: dict
    vocabulary: str | None = None
    hierarchical: bool = False
    depth: str | None = None  # "root" | "below_root" for hierarchical facets
    order: str = "count"  # "vocabulary" | "count" | "value_desc"
    limit: int = 50
    group: str | None = None
    labels_file: str | None = None

    @property
    def group_key(self) -> str:
        return self.group or self.name


@dataclass
class Bucket:
    value: str
    labels: dict[str, str]
    count: int
    selected: bool = False
    children: list[Bucket] = field(default_factory=list)
    label: str = ""  # the label in the query's language

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "label": self.label,
            "labels": self.labels,
            "count": self.count,
            "selected": self.selected,
            "children": [c.to_dict() for c in self.children],
        }


@dataclass
class Facet:
    name: str
    labels: dict[str, str]
    buckets: list[Bucket]

    def to_dict(self) -> list[dict[str, Any]]:
        return [b.to_dict() for b in self.buckets]


FACETS: tuple[FacetSpec, ...] = tuple(FacetSpec(**spec) for spec in _DATA["facets"])
FACET_NAMES: tuple[str, ...] = tuple(spec.name for spec in FACETS)
FACETS_BY_NAME = {spec.name: spec for spec in FACETS}
#: facet → its group (``cycle`` and ``level`` are one group)
GROUP_OF = {spec.name: spec.group_key for spec in FACETS}
#: Document keys holding facet values (one per distinct ``field``), in declaration order.
FACET_FIELDS: tuple[str, ...] = tuple(dict.fromkeys(spec.field for spec in FACETS))


@lru_cache(maxsize=8)
def _labels_file(name: str) -> dict:
    return json.loads(resources.files("indexer").joinpath(f"data/{name}").read_text("utf-8"))


def format_labels(mime: str) -> dict[str, str]:
    table = _labels_file("formats.json")
    if mime in table["types"]:
        return dict(table["types"][mime])
    family, _, sub = mime.partition("/")
    base = table["families"].get(family)
    if not base:
        return {"fr": mime, "ar": mime, "en": mime}
    sub = sub.split("+")[0].split(".")[-1].upper()
    return {lang: f"{text} {sub}".strip() for lang, text in base.items()}


_LABELS: dict[tuple[int, str, str], dict[str, str]] = {}
_CHILDREN: dict[tuple[int, str], dict[str | None, list]] = {}


def value_labels(spec: FacetSpec, value: str, vocabularies: Mapping[str, Any]) -> dict[str, str]:
    """``{fr, ar, …}`` labels of one facet value (cached: vocabularies do not change)."""
    key = (id(vocabularies), spec.name, value)
    found = _LABELS.get(key)
    if found is None:
        if len(_LABELS) > 50_000:  # publishers are open-ended: keep the cache bounded
            _LABELS.clear()
        found = _LABELS[key] = _value_labels(spec, value, vocabularies)
    return found


def _children(vocabularies: Mapping[str, Any], vocab_id: str) -> dict[str | None, list]:
    key = (id(vocabularies), vocab_id)
    if key not in _CHILDREN:
        tree: dict[str | None, list] = {}
        for term in vocabularies[vocab_id]:
            tree.setdefault(term.broader, []).append(term)
        _CHILDREN[key] = tree
    return _CHILDREN[key]


def _value_labels(spec: FacetSpec, value: str, vocabularies: Mapping[str, Any]) -> dict[str, str]:
    if spec.vocabulary and spec.vocabulary in vocabularies:
        term = vocabularies[spec.vocabulary].get(value)
        if term is not None:
            labels = dict(term.labels)
            if term.notation and spec.vocabulary == "level":
                labels = {
                    lang: f"{text} ({term.notation})" if term.notation not in text else text
                    for lang, text in labels.items()
                }
            return labels
    if spec.labels_file == "formats.json":
        return format_labels(value)
    return {"fr": value, "ar": value, "en": value}


def canonical_filters(
    filters: Mapping[str, list[str]], vocabularies: Mapping[str, Any]
) -> dict[str, list[str]]:
    """Filter values as stored in the index: vocabulary ids (a label or URI is resolved).

    A value that resolves to nothing is kept as given: it matches no document,
    and its bucket is shown selected with a count of 0 so the user can remove it.
    """
    out: dict[str, list[str]] = {}
    for name, values in filters.items():
        spec = FACETS_BY_NAME[name]
        vocab = vocabularies.get(spec.vocabulary) if spec.vocabulary else None
        clean: list[str] = []
        for value in values:
            if vocab is not None and vocab.get(value) is None:
                try:
                    value = vocab.resolve(value).id
                except Exception:  # UnknownTermError: keep the raw value, it matches nothing
                    pass
            if value not in clean:
                clean.append(value)
        out[name] = clean
    return out


def group_filters(
    filters: Mapping[str, list[str]], vocabularies: Mapping[str, Any]
) -> dict[str, tuple[str, list[str]]]:
    """The selections that filter documents, one per facet group: ``{group: (field, values)}``.

    The values of one group combine with OR, like the values of one facet, which is what
    the group's counts (ignoring the group's selection) promise. In a hierarchy, a value
    with a selected descendant is dropped: choosing 1AC inside the chosen collège cycle
    narrows to 1AC, while choosing primaire and 1AC shows both.
    """
    out: dict[str, tuple[str, list[str]]] = {}
    for name, values in filters.items():
        spec = FACETS_BY_NAME[name]
        field, merged = out.setdefault(spec.group_key, (spec.field, []))
        merged.extend(v for v in values if v not in merged)
    for group, (field, values) in out.items():
        specs = [s for s in FACETS if s.group_key == group and s.hierarchical and s.vocabulary]
        vocab = vocabularies.get(specs[0].vocabulary or "") if specs else None
        if vocab is None or len(values) < 2:
            continue
        ancestors: set[str] = set()
        for value in values:
            if vocab.get(value) is not None:
                ancestors.update(t.id for t in vocab.path(value)[:-1])
        out[group] = (field, [v for v in values if v not in ancestors])
    return out


def build_facets(
    counts: Mapping[str, Mapping[str, int]],
    filters: Mapping[str, list[str]],
    lang: str,
    vocabularies: Mapping[str, Any],
) -> list[Facet]:
    """``counts`` is ``{facet name: {value: count}}`` (each computed as described above)."""
    return [
        Facet(
            spec.name,
            dict(spec.labels),
            _buckets(spec, counts.get(spec.name, {}), filters, lang, vocabularies),
        )
        for spec in FACETS
    ]


def _bucket(spec, value, count, selected, lang, vocabularies) -> Bucket:
    labels = value_labels(spec, value, vocabularies)
    return Bucket(
        value=value,
        labels=labels,
        count=int(count),
        selected=value in selected,
        label=labels.get(lang) or labels.get("fr") or value,
    )


def _buckets(
    spec: FacetSpec,
    counts: Mapping[str, int],
    filters: Mapping[str, list[str]],
    lang: str,
    vocabularies: Mapping[str, Any],
):
    own = set(filters.get(spec.name, ()))
    if spec.hierarchical:
        return _tree(spec, counts, filters, lang, vocabularies)
    values = [v for v, c in counts.items() if c > 0]
    if spec.order == "vocabulary" and spec.vocabulary and spec.vocabulary in vocabularies:
        position = {t.id: i for i, t in enumerate(vocabularies[spec.vocabulary])}
        values.sort(key=lambda v: (position.get(v, len(position)), v))
    elif spec.order == "value_desc":
        values.sort(reverse=True)
    else:
        values.sort(key=lambda v: (-counts[v], v))
    values = values[: spec.limit]
    values += [v for v in filters.get(spec.name, ()) if v not in values]
    return [_bucket(spec, v, counts.get(v, 0), own, lang, vocabularies) for v in values]


def _tree(spec, counts, filters, lang, vocabularies):
    """Buckets for a hierarchical vocabulary, in vocabulary order, nested by ``broader``."""
    vocab = vocabularies.get(spec.vocabulary)
    selected = set()
    for name, values in filters.items():
        if FACETS_BY_NAME[name].group_key == spec.group_key:
            selected.update(values)
    if vocab is None:
        return []

    children = _children(vocabularies, spec.vocabulary)

    def node(term):
        bucket = _bucket(spec, term.id, counts.get(term.id, 0), selected, lang, vocabularies)
        bucket.children = [
            node(child)
            for child in children.get(term.id, ())
            if counts.get(child.id, 0) > 0 or child.id in selected
        ]
        return bucket

    roots = children.get(None, [])
    tops = roots if spec.depth == "root" else [c for r in roots for c in children.get(r.id, ())]
    out = [node(t) for t in tops if counts.get(t.id, 0) > 0 or t.id in selected][: spec.limit]
    known = {b.value for b in out}
    # Selected values that are not a top of this view (unknown values, or a branch selected
    # in the "level" view) still appear, so the user sees and can remove them.
    for value in filters.get(spec.name, ()):
        if value not in known and not _in_tree(out, value):
            out.append(_bucket(spec, value, counts.get(value, 0), selected, lang, vocabularies))
    return out


def _in_tree(buckets, value) -> bool:
    return any(b.value == value or _in_tree(b.children, value) for b in buckets)
