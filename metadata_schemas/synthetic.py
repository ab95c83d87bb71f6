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
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, Iterator

from .vocabularies import get_vocabularies

__all__ = ["generate_records", "generate_dataset", "generate_acquisition", "MAX_COUNT"]

MAX_COUNT = 10_000_000
FIRST_YEAR, LAST_YEAR = 2008, 2026
_DURATIONS = (10, 15, 20, 30, 45, 60, 90, 120)
_SCHEMAS = ["LOMv1.0", "ScoLOMFRv3.1"]
_COVERAGE = {"fr": "Maroc", "ar": "المغرب"}
_EXTRA_LANG = {"espagnol": "es", "allemand": "de", "italien": "it"}
_ARABIC_FIRST = {"langue-arabe", "education-islamique", "sciences-coran-hadith", "fiqh-usul",
                 "tawhid-pensee-islamique"}
_TEACHER_TYPES = {"lesson-plan", "teaching-sheet", "textbook"}
_TOPIC_INDEX = {"fr": 0, "ar": 1, "en": 2, "zgh": 3}  # a topic is [fr, ar, en?, zgh?]


def _load(name: str) -> dict:
    path = resources.files("metadata_schemas") / "synthetic_data" / name
    return json.loads(path.read_text(encoding="utf-8"))


def _weighted(pairs) -> tuple[list, list[float]]:
    """(values, cumulative weights) for :func:`_pick`."""
    pairs = list(pairs)
    values = [v for v, _ in pairs]
    return values, list(itertools.accumulate(float(w) for _, w in pairs))


def _pick(rng: random.Random, table: tuple[list, list[float]]):
    values, cum = table
    return values[bisect(cum, rng.random() * cum[-1])]


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
        lrt = vocabs["learning_resource_type"]

        def level(term_id: str) -> _Level:
            term = level_vocab.resolve(term_id)
            path = tuple(t.id for t in level_vocab.path(term.id))
            age = next((t.extra["age"] for t in reversed(level_vocab.path(term.id))
                        if "age" in t.extra), "")
            return _Level(term.id, path, term.notation or term.id, term.labels["fr"],
                          term.labels["ar"], age)

        self.subject_labels = {t.id: t.labels for t in subject_vocab}
        self.type_labels = {t.id: t.labels for t in lrt}
        level_weights = catalogue["level_weights"]
        subject_weights = catalogue["subject_weights"]
        # Collect (level, subject) slots; a level's weight is shared among its subjects
        # in proportion to their weights, so levels follow level_weights exactly.
        by_level: dict[str, list[tuple[str, list]]] = {}
        for subject, keyed in topics.items():
            subject_vocab.resolve(subject)  # fail early on a typo in the data file
            for key, items in keyed.items():
                for level_id in key.split(","):
                    by_level.setdefault(level_vocab.resolve(level_id).id, []).append(
                        (subject, items))
        slots: list[tuple[_Slot, float]] = []
        for level_id, weight in level_weights.items():
            entries = by_level.get(level_id)
            if not entries or not weight:
                continue
            lvl = level(level_id)
            total = sum(subject_weights.get(s, 0.1) for s, _ in entries)
            for subject, items in entries:
                slots.append((_Slot(lvl, subject, items),
                              weight * subject_weights.get(subject, 0.1) / total))
        self.slots = _weighted(slots)
        # Sibling levels: a few resources serve two neighbouring levels or filières.
        self.siblings = {slot.level.id: [c.id for c in level_vocab.children(slot.level.path[-2])]
                         if len(slot.level.path) > 1 else [] for slot, _ in slots}
        self.title_languages = _weighted(catalogue["title_languages"])
        self.types = _weighted([(k, v["weight"]) for k, v in catalogue["resource_types"].items()])
        self.type_formats = {k: _weighted(v["formats"])
                             for k, v in catalogue["resource_types"].items()}
        self.type_interactivity = {k: v["interactivity_type"]
                                   for k, v in catalogue["resource_types"].items()}
        for type_id in self.type_labels:
            lrt.resolve(type_id)
        for type_id in self.type_formats:
            lrt.resolve(type_id)
        self.sizes = {k: (math.log(a), math.log(b)) for k, (a, b) in catalogue["format_sizes"].items()}
        self.extensions = catalogue["format_extensions"]
        self.licences = _weighted(catalogue["licences"])
        for licence in self.licences[0]:
            vocabs["licence"].resolve(licence)
        self.publishers = _weighted(catalogue["publishers"])
        self.given = catalogue["given_names"]
        self.family = catalogue["family_names"]
        self.desc = {"fr": catalogue["description_fr"], "ar": catalogue["description_ar"],
                     "en": catalogue["description_en"]}
        self.extra_keywords = catalogue["extra_keywords"]
        self.modes = _weighted(catalogue["acquisition_modes"])
        self.counterparts = {"achat": catalogue["suppliers"], "don": catalogue["donors"],
                             "cooperation": catalogue["partners"], "production": ["LNRN"],
                             "production-cnde": ["CNDE"]}
        # Recent years weigh more: catalogues grow (TelmidTICE 2020, relaunch 2023).
        self.years = _weighted((y, 1 + (y - FIRST_YEAR) * 0.35)
                               for y in range(FIRST_YEAR, LAST_YEAR + 1))


@lru_cache(maxsize=1)
def _plan() -> _Plan:
    return _Plan()


class _Generator:
    def __init__(self, seed: int | str) -> None:
        self.plan = _plan()
        self.rng = random.Random(seed)
        self.prefix = f"LNRN-S{seed}-"

    # -- pieces -------------------------------------------------------------------------
    def _date(self, year: int) -> str:
        rng = self.rng
        return f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"

    def _person(self) -> str:
        rng = self.rng
        return f"{rng.choice(self.plan.given)} {rng.choice(self.plan.family)}"

    def _modes(self, subject: str) -> tuple[str, ...]:
        """Languages of the title and description, by subject then catalogue weights."""
        rng = self.rng
        if subject == "anglais":
            return ("en",) if rng.random() < 0.7 else ("en", "ar")
        if subject == "langue-amazighe":
            return ("zgh", "ar") if rng.random() < 0.7 else ("zgh", "fr")
        if subject == "langue-francaise":
            return ("fr",) if rng.random() < 0.6 else ("ar", "fr")
        if subject in _ARABIC_FIRST:
            return ("ar",) if rng.random() < 0.75 else ("ar", "fr")
        mode = _pick(rng, self.plan.title_languages)
        if mode in ("en", "zgh"):  # only language subjects have such titles
            mode = "ar+fr"
        return tuple(mode.split("+"))

    def _title(self, lang: str, topic: list, type_id: str, slot: _Slot) -> str:
        rng, plan = self.rng, self.plan
        index = _TOPIC_INDEX[lang]
        text = topic[index] if index < len(topic) and topic[index] else topic[0]
        roll = rng.random()
        if lang == "fr":
            if roll < 0.4:
                return text
            if roll < 0.6:
                return f"{text} – {plan.type_labels[type_id]['fr'].capitalize()}"
            if roll < 0.8:
                return f"{text} ({slot.level.notation})"
            return f"{plan.subject_labels[slot.subject]['fr']} {slot.level.notation} : {text}"
        if lang == "ar":
            if roll < 0.45:
                return text
            if roll < 0.7:
                return f"{plan.type_labels[type_id]['ar']}: {text}"
            return f"{text} - {slot.level.ar}"
        return text

    # -- one record ------------------------------------------------------------------------
    def record(self, n: int) -> tuple[dict, int]:
        rng, plan = self.rng, self.plan
        slot: _Slot = _pick(rng, plan.slots)
        level, subject = slot.level, slot.subject
        topic = rng.choice(slot.topics)
        type_id = _pick(rng, plan.types)
        mime = _pick(rng, plan.type_formats[type_id])
        langs = self._modes(subject)
        if langs[0] == "zgh" and (len(topic) < 4 or not topic[3]):
            langs = ("ar", "fr")
        if langs[0] == "en" and (len(topic) < 3 or not topic[2]):
            langs = ("ar", "fr")
        year = _pick(rng, plan.years)
        identifier = f"{self.prefix}{n + 1:07d}"
        subject_labels = plan.subject_labels[subject]
        type_labels = plan.type_labels[type_id]

        title = {lang: self._title(lang, topic, type_id, slot) for lang in langs}
        description = {}
        keywords = []
        for lang in langs:
            if lang == "zgh":
                continue
            topic_text = topic[_TOPIC_INDEX[lang]]
            level_label = {"ar": level.ar, "fr": level.fr}.get(lang, level.notation)
            subject_label = subject_labels.get(lang) or subject_labels["fr"]
            if lang == "fr":
                subject_label = subject_label.lower()
            pool = plan.desc[lang]
            sentences = [pool[0], *rng.sample(pool[1:], min(len(pool) - 1, rng.randint(1, 3)))]
            description[lang] = " ".join(
                s.format(topic=topic_text, subject=subject_label, level=level_label,
                         type=type_labels.get(lang) or type_labels["fr"]) for s in sentences)
        kw_langs = [lang for lang in langs if lang in ("fr", "ar")] or ["fr"]
        keywords.append({lang: topic[0 if lang == "fr" else 1] for lang in kw_langs})
        keywords.append({lang: subject_labels[lang] for lang in kw_langs})
        keywords.append({lang: level.notation if lang == "fr" else level.ar for lang in kw_langs})
        extra_kw = rng.choice(plan.extra_keywords)
        keywords.append({lang: extra_kw[0 if lang == "fr" else 1] for lang in kw_langs})

        languages = list(langs)
        if subject in _EXTRA_LANG:
            languages.append(_EXTRA_LANG[subject])

        general: dict[str, Any] = {
            "identifier": [{"catalog": "LNRN", "entry": identifier}],
            "title": title,
            "language": languages,
            "description": description or {"fr": f"{topic[0]} ({level.notation})"},
            "keyword": keywords,
        }
        if rng.random() < 0.3:
            general["coverage"] = [dict(_COVERAGE)]
        roll = rng.random()
        general["structure"] = "atomic" if roll < 0.8 else "hierarchical" if roll < 0.95 else "collection"
        general["aggregation_level"] = "1" if roll < 0.5 else "2" if roll < 0.85 else "3" if roll < 0.95 else "4"

        date = self._date(year)
        contribute = [{"role": "author", "entity": [self._person() for _ in range(rng.randint(1, 3))],
                       "date": date}] if rng.random() < 0.8 else []
        contribute.append({"role": "publisher", "entity": [_pick(rng, plan.publishers)], "date": date})
        if rng.random() < 0.25:
            contribute.append({"role": rng.choice(("instructional-designer", "graphical-designer",
                                                   "educational-validator", "content-provider",
                                                   "subject-matter-expert")),
                               "entity": [self._person()], "date": date})
        roll = rng.random()
        lifecycle = {"version": "1.0" if roll < 0.7 else "1.1" if roll < 0.85 else "2.0",
                     "status": "final" if roll < 0.85 else "revised" if roll < 0.97 else "draft",
                     "contribute": contribute}
        meta_year = min(LAST_YEAR, year + rng.randint(0, 2))
        meta = {"identifier": [{"catalog": "LNRN-META", "entry": f"M-{identifier}"}],
                "contribute": [{"role": "creator", "entity": ["LNRN"], "date": self._date(meta_year)}],
                "metadata_schema": list(_SCHEMAS),
                "language": "ar" if langs[0] == "ar" else "fr"}
        if rng.random() < 0.5:
            meta["contribute"].append({"role": "validator", "entity": [self._person()],
                                       "date": self._date(meta_year)})

        low, high = plan.sizes.get(mime, (9.0, 15.0))
        technical: dict[str, Any] = {
            "format": [mime],
            "size": int(math.exp(low + (high - low) * rng.random())),
            "location": [f"https://mawarid.men.gov.ma/ressources/{identifier.lower()}/"
                         f"ressource.{plan.extensions.get(mime, 'bin')}"],
        }
        if mime.startswith(("video/", "audio/")):
            technical["duration"] = f"PT{rng.randint(2, 45)}M{rng.randint(0, 59)}S"
        if mime == "application/zip":
            technical["installation_remarks"] = {
                "fr": "Paquet SCORM 1.2 à importer dans la plateforme d'apprentissage.",
                "ar": "حزمة SCORM 1.2 تستورد في منصة التعلم."}
        elif mime == "text/html":
            technical["other_platform_requirements"] = {
                "fr": "Navigateur web récent ; fonctionne hors ligne sur le serveur de l'établissement.",
                "ar": "متصفح حديث؛ يشتغل دون اتصال على خادم المؤسسة."}

        interactivity = plan.type_interactivity[type_id]
        types = [type_id]
        if type_id == "exercise" and rng.random() < 0.3:
            types.append("self-assessment")
        roles = ["teacher"] if type_id in _TEACHER_TYPES else (
            ["learner"] if rng.random() < 0.75 else ["learner", "teacher"])
        educational: dict[str, Any] = {
            "interactivity_type": interactivity,
            "learning_resource_type": types,
            "interactivity_level": rng.choice(("medium", "high", "very-high")) if interactivity == "active"
            else rng.choice(("very-low", "low", "low", "medium")),
            "semantic_density": rng.choice(("low", "medium", "medium", "high")),
            "intended_end_user_role": roles,
            "context": ["school"] if rng.random() < 0.92 else ["school", "continuing-education"],
            "difficulty": rng.choice(("very-easy", "easy", "medium", "medium", "medium",
                                      "difficult", "very-difficult")),
            "typical_learning_time": f"PT{rng.choice(_DURATIONS)}M",
            "language": list(languages),
        }
        if level.age:
            educational["typical_age_range"] = [level.age]

        licence = _pick(rng, plan.licences)
        rights: dict[str, Any] = {"cost": rng.random() < 0.03,
                                  "copyright": licence not in ("cc0-1.0", "public-domain"),
                                  "licence": licence}
        if licence == "all-rights-reserved-ministry":
            rights["description"] = {
                "fr": "© Ministère de l'Éducation nationale, du Préscolaire et des Sports.",
                "ar": "© وزارة التربية الوطنية والتعليم الأولي والرياضة."}

        level_paths = [{"source": "level", "taxon": list(level.path)}]
        siblings = plan.siblings.get(level.id, ())
        if len(siblings) > 1 and rng.random() < 0.05:
            other = rng.choice(siblings)
            if other != level.id:
                level_paths.append({"source": "level", "taxon": [*level.path[:-1], other]})
        record: dict[str, Any] = {
            "general": general,
            "lifecycle": lifecycle,
            "meta_metadata": meta,
            "technical": technical,
            "educational": educational,
            "rights": rights,
        }
        if rng.random() < 0.08:
            record["relation"] = [{"kind": "ispartof", "resource": {
                "identifier": [{"catalog": "LNRN", "entry": f"LNRN-COLL-{subject}-{level.id}"}],
                "description": {"fr": f"Collection {subject_labels['fr']} – {level.fr}",
                                "ar": f"سلسلة {subject_labels['ar']} – {level.ar}"}}}]
        if rng.random() < 0.03:
            record["annotation"] = [{"entity": self._person(), "date": self._date(meta_year),
                                     "description": {"fr": "Ressource recommandée pour la remédiation.",
                                                     "ar": "مورد موصى به لأنشطة الدعم."}}]
        record["classification"] = [
            {"purpose": "educational_level", "taxon_path": level_paths},
            {"purpose": "discipline", "taxon_path": [{"source": "subject", "taxon": [subject]}]},
        ]
        return record, year


def _acquisition(plan: _Plan, rng: random.Random, year: int | None, mode: str | None) -> dict:
    mode = mode or _pick(rng, plan.modes)
    if mode not in plan.counterparts:
        raise ValueError(f"unknown acquisition mode {mode!r}: expected one of "
                         f"{', '.join(plan.counterparts)}")
    year = year if year is not None else _pick(rng, plan.years)
    number = rng.randint(1, 60)
    reference = {
        "achat": f"AO n° {number}/{year}/LNRN",
        "don": f"Convention de don n° {number}/{year}",
        "cooperation": f"Accord de coopération n° {number}/{year}",
        "production": f"Fiche de production n° {number}/{year}/LNRN",
        "production-cnde": f"Production CNDE n° {number}/{year}",
    }[mode]
    started = datetime.date(year, rng.randint(1, 12), rng.randint(1, 28))
    ended = min(started + datetime.timedelta(days=rng.randint(20, 420)),
                datetime.date(LAST_YEAR, 12, 31))
    return {"mode": mode, "reference": reference,
            "counterpart": rng.choice(plan.counterparts[mode]),
            "started_on": started.isoformat(), "ended_on": ended.isoformat()}


def _check_count(count: int) -> None:
    if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= MAX_COUNT:
        raise ValueError(f"count must be an integer between 0 and {MAX_COUNT}, got {count!r}")


def generate_records(count: int, *, seed: int | str = 0) -> Iterator[dict]:
    """Yield ``count`` valid, canonical records; deterministic for ``seed``.

    A generator: nothing is built ahead, memory does not grow with ``count``.
    """
    _check_count(count)
    return _records(count, seed)


def _records(count: int, seed: int | str) -> Iterator[dict]:
    gen = _Generator(seed)
    for n in range(count):
        yield gen.record(n)[0]


def generate_acquisition(rng: random.Random, *, year: int | None = None,
                         mode: str | None = None) -> dict:
    """An acquisition provenance dict for the catalogue::

        {"mode": "achat", "reference": "AO n° 12/2024/LNRN", "counterpart": "Éditions ...",
         "started_on": "2024-03-01", "ended_on": "2024-09-15"}

    ``mode`` is an ``acquisition_mode`` term id; ``year`` fixes the year it started.
    """
    return _acquisition(_plan(), rng, year, mode)


def generate_dataset(count: int, seed: int | str = 0) -> Iterator[tuple[dict, dict]]:
    """Yield ``(record, acquisition)`` pairs; records equal :func:`generate_records`'s.

    The acquisition started in the year of the record's life-cycle date, so
    provenance and record agree.
    """
    _check_count(count)
    return _dataset(count, seed)


def _dataset(count: int, seed: int | str) -> Iterator[tuple[dict, dict]]:
    gen = _Generator(seed)
    acq_rng = random.Random(f"mawarid-acquisition-{seed}")
    for n in range(count):
        record, year = gen.record(n)
        yield record, _acquisition(gen.plan, acq_rng, year, None)
