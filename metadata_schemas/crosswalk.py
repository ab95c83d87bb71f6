"""Crosswalks: other vocabularies' values → Mawarid terms, as data files.

One JSON file per source vocabulary in ``metadata_schemas/crosswalks/``::

    {"id": "scolomfr-learning-resource-types",
     "vocabulary": "learning_resource_type",          # the Mawarid vocabulary it maps onto
     "source": "ScoLOMFR voc-010 « type pédagogique »",
     "note": "why these mappings, what they are not",
     "map": [{"from": ["http://…/scolomfr-voc-010-num-024", "cyberquête"], "to": "educational-activity"}],
     "examples": [{"value": "cyberquête", "term": "educational-activity"}]}

A mapping found here is a *proposal*: the importer adds the term and keeps the
original value, and the record goes to the review queue. URIs match exactly
(modulo a trailing slash); other spellings through :func:`textnorm.fold`. Every
file is checked at load time (targets must be terms of the vocabulary; one
spelling may not map to two terms), so a bad file stops start-up.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from core.messages import N_

from .errors import VocabularyFileError
from .textnorm import fold
from .vocabularies import get_vocabularies
from .vocabulary_files import read_json_file
from .vocabulary_model import Vocabularies

_KEYS = {"id", "vocabulary", "source", "note", "map", "examples"}


@dataclass(frozen=True)
class Mapping:
    term: str
    crosswalk: str


@dataclass(frozen=True)
class Crosswalk:
    id: str
    vocabulary: str
    source: str
    examples: tuple[tuple[str, str], ...]


class Crosswalks:
    """Every crosswalk, indexed by (vocabulary, spelling)."""

    def __init__(self, crosswalks: list[Crosswalk], index: dict[tuple[str, str], Mapping]) -> None:
        self.crosswalks = {c.id: c for c in crosswalks}
        self._index = index

    def __iter__(self) -> Iterator[Crosswalk]:
        return iter(self.crosswalks.values())

    def lookup(self, vocabulary: str, value: str) -> Mapping | None:
        """The term ``value`` maps to in ``vocabulary``, by URI or folded spelling."""
        if not value:
            return None
        value = value.strip()
        if value.startswith(("http://", "https://")):
            return self._index.get((vocabulary, value.rstrip("/")))
        return self._index.get((vocabulary, fold(value)))


@lru_cache(maxsize=1)
def get_crosswalks() -> Crosswalks:
    """The crosswalks shipped with the package (loaded and checked once)."""
    folder = resources.files(__package__) / "crosswalks"
    with resources.as_file(folder) as path:
        return load_crosswalks(path, get_vocabularies())


def load_crosswalks(folder: Path, vocabularies: Vocabularies) -> Crosswalks:
    crosswalks: list[Crosswalk] = []
    index: dict[tuple[str, str], Mapping] = {}
    for path in sorted(Path(folder).glob("*.json")):
        crosswalk, entries = _load_file(path, vocabularies)
        crosswalks.append(crosswalk)
        for key, term in entries:
            known = index.get((crosswalk.vocabulary, key))
            if known is not None and known.term != term:
                raise VocabularyFileError(
                    N_("'%(value)s' maps to '%(term)s' here and to '%(other)s' in %(crosswalk)s"),
                    record=path.name,
                    value=key,
                    term=term,
                    other=known.term,
                    crosswalk=known.crosswalk,
                )
            index[(crosswalk.vocabulary, key)] = Mapping(term, crosswalk.id)
    return Crosswalks(crosswalks, index)


def _load_file(path: Path, vocabularies: Vocabularies) -> tuple[Crosswalk, list[tuple[str, str]]]:
    def fail(msgid: str, **params: Any) -> VocabularyFileError:
        return VocabularyFileError(msgid, record=path.name, **params)

    data = read_json_file(path, fail)
    if not isinstance(data, dict) or not {"id", "vocabulary", "map"} <= set(data):
        raise fail(N_("expected a JSON object with id, vocabulary and map"))
    unknown = set(data) - _KEYS
    if unknown:
        raise fail(N_("unknown key(s) %(keys)s"), keys=", ".join(sorted(unknown)))
    if data["id"] != path.stem:
        raise fail(N_("crosswalk id '%(id)s' does not match the file name"), id=data["id"])
    if data["vocabulary"] not in vocabularies:
        raise fail(N_("unknown vocabulary '%(vocabulary)s'"), vocabulary=data["vocabulary"])
    vocab = vocabularies[data["vocabulary"]]
    entries: list[tuple[str, str]] = []
    if not isinstance(data["map"], list) or not data["map"]:
        raise fail(N_("'map' must be a non-empty list"))
    for number, item in enumerate(data["map"], start=1):
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("from"), list)
            or not all(isinstance(v, str) and v.strip() for v in item["from"])
        ):
            raise fail(
                N_('entry #%(number)s: expected {"from": [texts], "to": term}'), number=number
            )
        if item.get("to") not in vocab:
            raise fail(
                N_("entry #%(number)s: '%(term)s' is not a term of %(vocabulary)s"),
                number=number,
                term=item.get("to"),
                vocabulary=vocab.id,
            )
        for value in item["from"]:
            key = value.rstrip("/") if value.startswith(("http://", "https://")) else fold(value)
            if not key:
                raise fail(
                    N_("entry #%(number)s: '%(value)s' has no letters or digits"),
                    number=number,
                    value=value,
                )
            entries.append((key, item["to"]))
    examples = tuple((e["value"], e["term"]) for e in data.get("examples", []))
    crosswalk = Crosswalk(data["id"], vocab.id, str(data.get("source", "")), examples)
    return crosswalk, entries
