"""Realistic synthetic records for tests, the demo and benchmarks.

Records look like a Moroccan school catalogue: titles, descriptions and keywords
come from real curriculum topics per subject and level
(``synthetic_data/topics.json``); levels, subjects, resource types, formats,
licences and publishers follow the weights in ``synthetic_data/catalogue.json``
(more primary and collège, mathematics, Arabic and French heavy; ~45 % of titles
bilingual, ~35 % Arabic only, ~15 % French only, a few English and Tifinagh).

Generation streams: :func:`generate_records` is a generator holding only
precomputed tables and one :class:`random.Random`, so 10 or 1,000,000 records
cost the same memory. The same ``seed`` always gives the same records. Every
record passes :func:`metadata_schemas.record.load_record` and is already in its
canonical form (term ids, full taxon paths), so ``load_record(r) == r``.

.. code-block:: python

    from metadata_schemas.synthetic import generate_records, generate_dataset
    for record in generate_records(1000, seed=7): ...
    for record, acquisition in generate_dataset(1000, seed=7): ...
"""

from __future__ import annotations

import datetime
import itertools
import json
import math
import random
from bisect import bisect
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from .vocabularies import get_vocabularies

__all__ = ["MAX_COUNT", "generate_acquisition", "generate_dataset", "generate_records"]

MAX_COUNT = 10_000_000
FIRST_YEAR, LAST_YEAR = 2008, 2026
_DURATIONS = (10, 15, 20, 30, 45, 60, 90, 120)
_SCHEMAS = ["LOMv1.0", "ScoLOMFRv3.1"]
_EXTRA_LANG = {"espagnol": "es", "allemand": "de", "italien": "it"}
_ARABIC_FIRST = {
    "langue-arabe",
    "education-islamique",
    "sciences-coran-hadith",
    "fiqh-usul",
    "tawhid-pensee-islamique",
}
_TEACHER_TYPES = {"lesson-plan", "teaching-sheet", "textbook"}
_TOPIC_INDEX = {"fr": 0, "ar": 1, "en": 2, "zgh": 3}  # a topic is [fr, ar, en?, zgh?]
_ACTIVE_LEVELS = ("medium", "high", "very-high")
_EXPOSITIVE_LEVELS = ("very-low", "low", "low", "medium")
_DENSITIES = ("low", "medium", "medium", "high")
_DIFFICULTIES = ("very-easy", "easy", "medium", "medium", "medium", "difficult", "very-difficult")


def _load(name: str) -> dict[str, Any]:
    path = resources.files("metadata_schemas") / "synthetic_data" / name
    table: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return table


def _weighted(pairs: Iterable[tuple[Any, Any]]) -> tuple[list[Any], list[float]]:
    """(values, cumulative weights) for :func:`_pick`."""
    listed = list(pairs)
    values = [v for v, _ in listed]
    return values, list(itertools.accumulate(float(w) for _, w in listed))


def _pick(rng: random.Random, table: tuple[list[Any], list[float]]) -> Any:
    values, cum = table
    return values[bisect(cum, rng.random() * cum[-1])]


# random.choice/randint go through getrandbits loops; one random() call is ~4x cheaper
# and keeps the generator above 5,000 records/s (the sequences stay deterministic).
def _choice(rng: random.Random, seq: Sequence[Any]) -> Any:
    return seq[int(rng.random() * len(seq))]


def _randint(rng: random.Random, low: int, high: int) -> int:
    return low + int(rng.random() * (high - low + 1))


@dataclass(frozen=True, slots=True)
class _Level:
    id: str
    path: tuple[str, ...]
    notation: str
    fr: str
    ar: str
    age: str


@dataclass(frozen=True, slots=True)
class _Slot:
    level: _Level
    subject: str
    topics: list[list[str | None]]


class _Plan:
    """Every table the generator needs, computed once per process."""

    def __init__(self) -> None:
        vocabs = get_vocabularies()
        catalogue = _load("catalogue.json")
        topics = _load("topics.json")["topics"]
        level_vocab, subject_vocab = vocabs["level"], vocabs["subject"]

        def level(term_id: str) -> _Level:
            term = level_vocab.resolve(term_id)
            path = tuple(t.id for t in level_vocab.path(term.id))
            age = next(
                (t.extra["age"] for t in reversed(level_vocab.path(term.id)) if "age" in t.extra),
                "",
            )
            return _Level(
                term.id, path, term.notation or term.id, term.labels["fr"], term.labels["ar"], age
            )

        self.subject_labels = {t.id: t.labels for t in subject_vocab}
        self.type_labels = {t.id: t.labels for t in vocabs["learning_resource_type"]}
        level_weights = catalogue["level_weights"]
        subject_weights = catalogue["subject_weights"]
        # Collect (level, subject) slots; a level's weight is shared among its subjects
        # in proportion to their weights, so levels follow level_weights exactly.
        by_level: dict[str, list[tuple[str, list[Any]]]] = {}
        for subject, keyed in topics.items():
            subject_vocab.resolve(subject)  # fail early on a typo in the data file
            for key, items in keyed.items():
                for level_id in key.split(","):
                    by_level.setdefault(level_vocab.resolve(level_id).id, []).append(
                        (subject, items)
                    )
        slots: list[tuple[_Slot, float]] = []
        for level_id, weight in level_weights.items():
            entries = by_level.get(level_id)
            if not entries or not weight:
                continue
            lvl = level(level_id)
            total = sum(subject_weights.get(s, 0.1) for s, _ in entries)
            for subject, items in entries:
                slots.append(
                    (_Slot(lvl, subject, items), weight * subject_weights.get(subject, 0.1) / total)
                )
        self.slots = _weighted(slots)
        # Sibling levels: a few resources serve two neighbouring levels or filières.
        self.siblings = {
            slot.level.id: [c.id for c in level_vocab.children(slot.level.path[-2])]
            if len(slot.level.path) > 1
            else []
            for slot, _ in slots
        }
        self.title_languages = _weighted(catalogue["title_languages"])
        self.types = _weighted([(k, v["weight"]) for k, v in catalogue["resource_types"].items()])
        self.type_formats = {
            k: _weighted(v["formats"]) for k, v in catalogue["resource_types"].items()
        }
        self.type_interactivity = {
            k: v["interactivity_type"] for k, v in catalogue["resource_types"].items()
        }
        self.sizes = {
            k: (math.log(a), math.log(b)) for k, (a, b) in catalogue["format_sizes"].items()
        }
        self.extensions = catalogue["format_extensions"]
        self.licences = _weighted(catalogue["licences"])
        self.publishers = _weighted(catalogue["publishers"])
        self.given = catalogue["given_names"]
        self.family = catalogue["family_names"]
        self.desc = {
            "fr": catalogue["description_fr"],
            "ar": catalogue["description_ar"],
            "en": catalogue["description_en"],
        }
        self.extra_keywords = catalogue["extra_keywords"]
        self.texts = catalogue["texts"]
        self.other_roles = catalogue["other_roles"]
        self.modes = _weighted(catalogue["acquisition_modes"])
        # The data file names terms by id; a typo must fail here, not as invalid records.
        for vocab_id, ids in (
            ("learning_resource_type", self.type_formats),
            ("licence", self.licences[0]),
            ("contributor_role", self.other_roles),
            ("acquisition_mode", self.modes[0]),
        ):
            for term_id in ids:
                if term_id not in vocabs[vocab_id]:
                    raise ValueError(
                        f"synthetic_data/catalogue.json: {term_id!r} is not a term "
                        f"of vocabulary {vocab_id!r}"
                    )
        self.counterparts = {
            "achat": catalogue["suppliers"],
            "don": catalogue["donors"],
            "cooperation": catalogue["partners"],
            "production": ["LNRN"],
            "production-cnde": ["CNDE"],
        }
        # Recent years weigh more: catalogues grow (TelmidTICE 2020, relaunch 2023).
        self.years = _weighted(
            (y, 1 + (y - FIRST_YEAR) * 0.35) for y in range(FIRST_YEAR, LAST_YEAR + 1)
        )


@lru_cache(maxsize=1)
def _plan() -> _Plan:
    return _Plan()


class _Generator:
    """One seeded stream of records; each ``_section`` method builds one LOM category."""

    def __init__(self, seed: int | str) -> None:
        self.plan = _plan()
        self.rng = random.Random(seed)
        self.prefix = f"LNRN-S{seed}-"

    def _date(self, year: int) -> str:
        rng = self.rng
        return f"{year}-{_randint(rng, 1, 12):02d}-{_randint(rng, 1, 28):02d}"

    def _person(self) -> str:
        return f"{_choice(self.rng, self.plan.given)} {_choice(self.rng, self.plan.family)}"

    def _langs(self, subject: str, topic: list[Any]) -> tuple[str, ...]:
        """Languages of the title and description, by subject then catalogue weights."""
        roll = self.rng.random()
        if subject == "anglais":
            langs: tuple[str, ...] = ("en",) if roll < 0.7 else ("en", "ar")
        elif subject == "langue-amazighe":
            langs = ("zgh", "ar") if roll < 0.7 else ("zgh", "fr")
        elif subject == "langue-francaise":
            langs = ("fr",) if roll < 0.6 else ("ar", "fr")
        elif subject in _ARABIC_FIRST:
            langs = ("ar",) if roll < 0.75 else ("ar", "fr")
        else:
            mode = _pick(self.rng, self.plan.title_languages)
            # Only language subjects have English or Tifinagh topics.
            langs = ("ar", "fr") if mode in ("en", "zgh") else tuple(mode.split("+"))
        index = _TOPIC_INDEX[langs[0]]
        if index >= len(topic) or not topic[index]:
            return ("ar", "fr")
        return langs

    def _title(self, lang: str, r: _Draw) -> str:
        _plan, roll = self.plan, self.rng.random()
        index = _TOPIC_INDEX[lang]
        text = str(r.topic[index] if index < len(r.topic) and r.topic[index] else r.topic[0])
        if lang == "fr":
            if roll < 0.4:
                return text
            if roll < 0.6:
                return f"{text} – {r.type_labels['fr'].capitalize()}"
            if roll < 0.8:
                return f"{text} ({r.level.notation})"
            return f"{r.subject_labels['fr']} {r.level.notation} : {text}"
        if lang == "ar":
            if roll < 0.45:
                return text
            if roll < 0.7:
                return f"{r.type_labels['ar']}: {text}"
            return f"{text} - {r.level.ar}"
        return text

    def _description(self, lang: str, r: _Draw) -> str:
        rng = self.rng
        subject = r.subject_labels.get(lang) or r.subject_labels["fr"]
        values = {
            "topic": r.topic[_TOPIC_INDEX[lang]],
            "subject": subject.lower() if lang == "fr" else subject,
            "level": {"ar": r.level.ar, "fr": r.level.fr}.get(lang, r.level.notation),
            "type": r.type_labels.get(lang) or r.type_labels["fr"],
        }
        pool = self.plan.desc[lang]
        rest, start = pool[1:], _randint(rng, 0, len(pool) - 2)
        picked = [rest[(start + i) % len(rest)] for i in range(min(len(rest), _randint(rng, 1, 3)))]
        return " ".join(s.format(**values) for s in [pool[0], *picked])

    def _general(self, r: _Draw) -> dict[str, Any]:
        rng, plan, level = self.rng, self.plan, r.level
        kw_langs = [lang for lang in r.langs if lang in ("fr", "ar")] or ["fr"]
        extra = _choice(rng, plan.extra_keywords)
        keyword_pairs = [
            (r.topic[0], r.topic[1]),
            (r.subject_labels["fr"], r.subject_labels["ar"]),
            (level.notation, level.ar),
            (extra[0], extra[1]),
        ]
        general: dict[str, Any] = {
            "identifier": [{"catalog": "LNRN", "entry": r.identifier}],
            "title": {lang: self._title(lang, r) for lang in r.langs},
            "language": list(r.languages),
            "description": {lang: self._description(lang, r) for lang in r.langs if lang != "zgh"},
            "keyword": [
                {lang: pair[0 if lang == "fr" else 1] for lang in kw_langs}
                for pair in keyword_pairs
            ],
        }
        if rng.random() < 0.3:
            general["coverage"] = [dict(plan.texts["coverage"])]
        roll = rng.random()
        general["structure"] = (
            "atomic" if roll < 0.8 else "hierarchical" if roll < 0.95 else "collection"
        )
        general["aggregation_level"] = (
            "1" if roll < 0.5 else "2" if roll < 0.85 else "3" if roll < 0.95 else "4"
        )
        return general

    def _lifecycle(self, r: _Draw) -> dict[str, Any]:
        rng, plan = self.rng, self.plan
        date = self._date(r.year)
        contribute = []
        if rng.random() < 0.8:
            contribute.append(
                {
                    "role": "author",
                    "date": date,
                    "entity": [self._person() for _ in range(_randint(rng, 1, 3))],
                }
            )
        contribute.append(
            {"role": "publisher", "entity": [_pick(rng, plan.publishers)], "date": date}
        )
        if rng.random() < 0.25:
            contribute.append(
                {"role": _choice(rng, plan.other_roles), "entity": [self._person()], "date": date}
            )
        roll = rng.random()
        return {
            "version": "1.0" if roll < 0.7 else "1.1" if roll < 0.85 else "2.0",
            "status": "final" if roll < 0.85 else "revised" if roll < 0.97 else "draft",
            "contribute": contribute,
        }

    def _meta_metadata(self, r: _Draw) -> dict[str, Any]:
        meta: dict[str, Any] = {
            "identifier": [{"catalog": "LNRN-META", "entry": f"M-{r.identifier}"}],
            "contribute": [
                {"role": "creator", "entity": ["LNRN"], "date": self._date(r.meta_year)}
            ],
            "metadata_schema": list(_SCHEMAS),
            "language": "ar" if r.langs[0] == "ar" else "fr",
        }
        if self.rng.random() < 0.5:
            meta["contribute"].append(
                {"role": "validator", "entity": [self._person()], "date": self._date(r.meta_year)}
            )
        return meta

    def _technical(self, r: _Draw) -> dict[str, Any]:
        rng, plan, mime = self.rng, self.plan, r.mime
        low, high = plan.sizes.get(mime, (9.0, 15.0))
        technical: dict[str, Any] = {
            "format": [mime],
            "size": int(math.exp(low + (high - low) * rng.random())),
            "location": [
                f"https://mawarid.men.gov.ma/ressources/{r.identifier.lower()}/"
                f"ressource.{plan.extensions.get(mime, 'bin')}"
            ],
        }
        if mime.startswith(("video/", "audio/")):
            technical["duration"] = f"PT{_randint(rng, 2, 45)}M{_randint(rng, 0, 59)}S"
        if mime == "application/zip":
            technical["installation_remarks"] = dict(plan.texts["scorm"])
        elif mime == "text/html":
            technical["other_platform_requirements"] = dict(plan.texts["html"])
        return technical

    def _educational(self, r: _Draw) -> dict[str, Any]:
        rng = self.rng
        interactivity = self.plan.type_interactivity[r.type_id]
        types = [r.type_id]
        if r.type_id == "exercise" and rng.random() < 0.3:
            types.append("self-assessment")
        if r.type_id in _TEACHER_TYPES:
            roles = ["teacher"]
        else:
            roles = ["learner"] if rng.random() < 0.75 else ["learner", "teacher"]
        educational: dict[str, Any] = {
            "interactivity_type": interactivity,
            "learning_resource_type": types,
            "interactivity_level": _choice(
                rng, _ACTIVE_LEVELS if interactivity == "active" else _EXPOSITIVE_LEVELS
            ),
            "semantic_density": _choice(rng, _DENSITIES),
            "intended_end_user_role": roles,
            "context": ["school"] if rng.random() < 0.92 else ["school", "continuing-education"],
            "difficulty": _choice(rng, _DIFFICULTIES),
            "typical_learning_time": f"PT{_choice(rng, _DURATIONS)}M",
            "language": list(r.languages),
        }
        if r.level.age:
            educational["typical_age_range"] = [r.level.age]
        return educational

    def _rights(self) -> dict[str, Any]:
        licence = _pick(self.rng, self.plan.licences)
        rights: dict[str, Any] = {
            "cost": self.rng.random() < 0.03,
            "copyright": licence not in ("cc0-1.0", "public-domain"),
            "licence": licence,
        }
        if licence == "all-rights-reserved-ministry":
            rights["description"] = dict(self.plan.texts["ministry_rights"])
        return rights

    def _classification(self, r: _Draw) -> list[dict[str, Any]]:
        level = r.level
        level_paths = [{"source": "level", "taxon": list(level.path)}]
        siblings = self.plan.siblings.get(level.id, ())
        if len(siblings) > 1 and self.rng.random() < 0.05:
            other = _choice(self.rng, siblings)
            if other != level.id:
                level_paths.append({"source": "level", "taxon": [*level.path[:-1], other]})
        return [
            {"purpose": "educational_level", "taxon_path": level_paths},
            {"purpose": "discipline", "taxon_path": [{"source": "subject", "taxon": [r.subject]}]},
        ]

    def record(self, n: int) -> tuple[dict[str, Any], int]:
        """Record number ``n`` and its year (for a matching acquisition)."""
        rng, plan = self.rng, self.plan
        r = _Draw(self, n)
        record: dict[str, Any] = {
            "general": self._general(r),
            "lifecycle": self._lifecycle(r),
            "meta_metadata": self._meta_metadata(r),
            "technical": self._technical(r),
            "educational": self._educational(r),
            "rights": self._rights(),
        }
        if rng.random() < 0.08:
            texts = plan.texts["collection"]
            record["relation"] = [
                {
                    "kind": "ispartof",
                    "resource": {
                        "identifier": [
                            {"catalog": "LNRN", "entry": f"LNRN-COLL-{r.subject}-{r.level.id}"}
                        ],
                        "description": {
                            "fr": texts["fr"].format(
                                subject=r.subject_labels["fr"], level=r.level.fr
                            ),
                            "ar": texts["ar"].format(
                                subject=r.subject_labels["ar"], level=r.level.ar
                            ),
                        },
                    },
                }
            ]
        if rng.random() < 0.03:
            record["annotation"] = [
                {
                    "entity": self._person(),
                    "date": self._date(r.meta_year),
                    "description": dict(plan.texts["annotation"]),
                }
            ]
        record["classification"] = self._classification(r)
        return record, r.year


class _Draw:
    """The choices one record is built from (drawn first, in a fixed order)."""

    __slots__ = (
        "identifier",
        "langs",
        "languages",
        "level",
        "meta_year",
        "mime",
        "slot",
        "subject",
        "subject_labels",
        "topic",
        "type_id",
        "type_labels",
        "year",
    )

    def __init__(self, gen: _Generator, n: int) -> None:
        rng, plan = gen.rng, gen.plan
        self.slot = slot = _pick(rng, plan.slots)
        self.level, self.subject = slot.level, slot.subject
        self.topic = _choice(rng, slot.topics)
        self.type_id = _pick(rng, plan.types)
        self.mime = _pick(rng, plan.type_formats[self.type_id])
        self.langs = gen._langs(self.subject, self.topic)
        extra = _EXTRA_LANG.get(self.subject)
        self.languages = (*self.langs, extra) if extra else self.langs
        self.year = _pick(rng, plan.years)
        self.meta_year = min(LAST_YEAR, self.year + _randint(rng, 0, 2))
        self.identifier = f"{gen.prefix}{n + 1:07d}"
        self.subject_labels = plan.subject_labels[self.subject]
        self.type_labels = plan.type_labels[self.type_id]


#: Acquisitions of one mode numbered in a year (a tender, a donation agreement, ...).
LOTS_PER_YEAR = 60


def _acquisition(
    plan: _Plan,
    rng: random.Random,
    year: int | None,
    mode: str | None,
    number: int | None = None,
) -> dict[str, Any]:
    mode = mode or _pick(rng, plan.modes)
    if mode not in plan.counterparts:
        raise ValueError(
            f"unknown acquisition mode {mode!r}: expected one of {', '.join(plan.counterparts)}"
        )
    year = year if year is not None else _pick(rng, plan.years)
    number = number if number is not None else _randint(rng, 1, LOTS_PER_YEAR)
    reference = {
        "achat": f"AO n° {number}/{year}/LNRN",
        "don": f"Convention de don n° {number}/{year}",
        "cooperation": f"Accord de coopération n° {number}/{year}",
        "production": f"Fiche de production n° {number}/{year}/LNRN",
        "production-cnde": f"Production CNDE n° {number}/{year}",
    }[mode]
    started = datetime.date(year, _randint(rng, 1, 12), _randint(rng, 1, 28))
    ended = min(
        started + datetime.timedelta(days=_randint(rng, 20, 420)), datetime.date(LAST_YEAR, 12, 31)
    )
    return {
        "mode": mode,
        "reference": reference,
        "counterpart": _choice(rng, plan.counterparts[mode]),
        "started_on": started.isoformat(),
        "ended_on": ended.isoformat(),
    }


def _check_count(count: int) -> None:
    if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= MAX_COUNT:
        raise ValueError(f"count must be an integer between 0 and {MAX_COUNT}, got {count!r}")


def generate_records(count: int, *, seed: int | str = 0) -> Iterator[dict[str, Any]]:
    """Yield ``count`` valid, canonical records; deterministic for ``seed``.

    A generator: nothing is built ahead, memory does not grow with ``count``.
    """
    _check_count(count)
    return _records(count, seed)


def _records(count: int, seed: int | str) -> Iterator[dict[str, Any]]:
    gen = _Generator(seed)
    for n in range(count):
        yield gen.record(n)[0]


def generate_acquisition(
    rng: random.Random, *, year: int | None = None, mode: str | None = None
) -> dict[str, Any]:
    """An acquisition provenance dict for the catalogue::

        {"mode": "achat", "reference": "AO n° 12/2024/LNRN", "counterpart": "Éditions ...",
         "started_on": "2024-03-01", "ended_on": "2024-09-15"}

    ``mode`` is an ``acquisition_mode`` term id; ``year`` fixes the year it started.
    """
    return _acquisition(_plan(), rng, year, mode)


def generate_dataset(
    count: int, seed: int | str = 0
) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """Yield ``(record, acquisition)`` pairs; records equal :func:`generate_records`'s.

    The acquisition started in the year of the record's life-cycle date, so
    provenance and record agree. Resources come in lots, as the LNRN acquires them: a
    reference (a tender, a donation agreement, a CNDE production of that year) names one
    acquisition, with one counterpart and one history, whichever record draws it and
    whatever the ``seed`` — at most :data:`LOTS_PER_YEAR` per mode and year.
    """
    _check_count(count)
    return _dataset(count, seed)


def _dataset(count: int, seed: int | str) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    gen = _Generator(seed)
    acq_rng = random.Random(f"mawarid-acquisition-{seed}")
    plan = gen.plan
    lots: dict[tuple[str, int, int], dict[str, Any]] = {}
    for n in range(count):
        record, year = gen.record(n)
        key = (_pick(acq_rng, plan.modes), year, _randint(acq_rng, 1, LOTS_PER_YEAR))
        lot = lots.get(key)
        if lot is None:
            # Its own generator, seeded by the reference alone: the same lot everywhere.
            mode, _, number = key
            own = random.Random(f"mawarid-lot-{mode}-{year}-{number}")
            lot = _acquisition(plan, own, year, mode, number)
            lots[key] = lot
        yield record, dict(lot)
