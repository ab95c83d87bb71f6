"""What one search asks of an engine: required clauses, filters, boosts, bonus phrases.

:func:`make_plan` turns the parsed query (:mod:`indexer.querytext`) and the curriculum
phrases it names (:mod:`indexer.understanding`) into a :class:`Plan` that both engines
execute the same way:

* a query that names **only** curriculum terms (``maths 2bac``, ``الاجتماعيات``, ``svt
  1ac``) is *filtered* on them: a level and a subject are selected like facet values and
  shown as removable chips;
* in a query with other words (``fractions 5AP``, ``الكسور الأولى إعدادي``), the named
  level, subject and type are **boosts** that rank the resources classified there first
  (:data:`CLASSIFIED_BOOST`: above any text score, so classification beats incidental
  words), and the other words are searched as text; resources of other levels follow;
* a resource type named beside other words (``exercices``, ``درس``) ranks that type and
  the resources holding the word first without requiring it; alone (``vidéo``) it is
  searched as words, which finds that type through its labels;
* a subject named by an everyday word (``histoire``, ``physique``, ``التاريخ``) stays a
  searched word as well as a boost, never filters, and is read as a subject only when
  the rest of the query is curriculum too (``الحماية الفرنسية`` is the French
  protectorate, not French lessons);
* a facet the user already filters, or one the user asked to read literally
  (``SearchQuery.literal``), is not understood from the words.

If the filters of a curriculum-only query leave nothing (``philosophie 1AC``), the search
is run again with any of the named terms (:attr:`Plan.relaxed`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from .querytext import Clause, ParsedQuery
from .understanding import KINDS, CurriculumPhrases, Mention

#: Text fields and their boosts (title^3, keywords^2, description^1), in every engine.
TEXT_FIELDS = {"title": 3.0, "keywords": 2.0, "description": 1.0}
#: BM25 term-frequency saturation (no length normalisation: metadata texts are short).
K1 = 1.2
#: Weight of a word found in the labels of a resource's level, subject or type
#: (:mod:`indexer.curriculum`), against 1 for the description.
CURRICULUM_BOOST = 1.0
#: Score added per named level or subject a resource is classified under: above any text
#: score (a title match scores ~3 × idf ≤ 40), so the classification orders first.
CLASSIFIED_BOOST = 1000.0
#: Score added when the resource is of the named type (ranks it first among equals).
TYPE_BOOST = 5.0
#: Score added when the title or keywords hold the whole query phrase, stopwords included.
BONUS_PHRASE_BOOST = 25.0
#: A query of stopwords only lists at most this share of the catalogue (else: the empty
#: state; ``de la`` is in too many titles to mean anything)…
STOP_PHRASE_SHARE = 0.01
#: …and always at least this many resources (``en et y``, ``ou où`` name a lesson).
STOP_PHRASE_MIN = 3
#: fields where the bonus phrase is looked for
SHORT_FIELDS = ("title", "keywords")
#: a query of stopwords only is looked for in descriptions too from this many words
#: (``le la les un une``; ``of the`` is in too many sentences to mean a lesson)
STOP_PHRASE_LONG = 3


def stop_phrase_fields(clause: Clause) -> tuple[str, ...]:
    """Where a query of stopwords only is looked for, as an exact phrase."""
    return tuple(TEXT_FIELDS) if len(clause.positions) >= STOP_PHRASE_LONG else SHORT_FIELDS


@dataclass(frozen=True)
class Boost:
    field: str  # document facet field (level, subject, type)
    values: tuple[str, ...]
    weight: float


@dataclass(frozen=True)
class Understood:
    """A curriculum term read from the query, as the result shows it."""

    facet: str
    values: tuple[str, ...]
    words: str  # the words as typed
    applied: str  # "filter" | "boost"


@dataclass
class Plan:
    parsed: ParsedQuery
    #: required: each word or phrase that is not a named level, subject or type
    clauses: list[Clause]
    #: scored, not required: the words naming a resource type
    optional: list[Clause] = field(default_factory=list)
    filters: dict[str, list[str]] = field(default_factory=dict)
    boosts: list[Boost] = field(default_factory=list)
    understood: list[Understood] = field(default_factory=list)
    #: the boosts are the only condition: resources under any of the named terms
    any_boost: bool = False
    relaxed: bool = False

    @property
    def bonus(self) -> Clause | None:
        return self.parsed.bonus

    @property
    def stop_phrase(self) -> Clause | None:
        return self.parsed.stop_phrase

    @property
    def has_text(self) -> bool:
        return bool(self.clauses or self.stop_phrase)

    @property
    def scored(self) -> bool:
        """Whether hits are ordered by score (else by date, as a browse)."""
        return bool(self.has_text or self.boosts)

    def without_filters(self) -> Plan:
        """The same query with its understood filters as boosts, any of them required."""
        boosts = [*self.boosts]
        for name, values in self.filters.items():
            boosts.append(Boost(name, tuple(values), CLASSIFIED_BOOST))
        understood = [replace(u, applied="boost") for u in self.understood]
        return replace(
            self,
            filters={},
            boosts=boosts,
            understood=understood,
            any_boost=not self.has_text,
            relaxed=True,
        )


def make_plan(
    parsed: ParsedQuery,
    phrases: CurriculumPhrases,
    *,
    user_filters: Mapping[str, Iterable[str]] | None = None,
    literal: Iterable[str] = (),
    groups: Mapping[str, str] | None = None,
) -> Plan:
    """``groups`` maps a facet to its group (``cycle`` and ``level`` are one): a facet the
    user filters, or one of its group, is not understood from the words."""
    groups = groups or {}
    taken = {groups.get(name, name) for name in user_filters or {}}
    kinds = KINDS.values()  # a mention's kind is the facet holding its values
    skip = {kind for kind in kinds if groups.get(kind, kind) in taken or kind in set(literal)}
    mentions = phrases.read(parsed.words, skip_kinds=skip) if parsed.clauses else []
    mentions = _relevant(mentions, parsed)
    consumed = {i for m in mentions if not m.everyday for i in m.words}
    type_words = {i for m in mentions if m.kind == "type" for i in m.words}
    plan = Plan(parsed, [])
    for clause in parsed.clauses:
        indexes = set(clause.words)
        if clause.phrase or not indexes or not indexes <= consumed:
            plan.clauses.append(clause)
        elif indexes <= type_words:  # a type's words still rank what holds them
            plan.optional.append(clause)
    curriculum_only = not plan.clauses
    for mention in mentions:
        facet = mention.kind
        as_filter = curriculum_only and mention.kind != "type"
        if as_filter:
            values = plan.filters.setdefault(facet, [])
            values.extend(v for v in mention.values if v not in values)
        else:
            weight = TYPE_BOOST if mention.kind == "type" else CLASSIFIED_BOOST
            plan.boosts.append(Boost(facet, mention.values, weight))
        words = " ".join(parsed.words[i].raw for i in mention.words)
        applied = "filter" if as_filter else "boost"
        plan.understood.append(Understood(facet, mention.values, words, applied))
    return plan


def _relevant(mentions: list[Mention], parsed: ParsedQuery) -> list[Mention]:
    """The mentions a query means: a type only beside other words (alone, ``vidéo`` or
    ``جذاذة`` is searched as words, which also finds resources of that type); a subject
    named by an everyday word only when the rest of the query is curriculum too
    (``histoire 2AC``, but not ``الحماية الفرنسية``, the French protectorate)."""
    covered = {i for m in mentions for i in m.words}
    plain = [c for c in parsed.clauses if c.phrase or not set(c.words) <= covered]
    out: list[Mention] = []
    for mention in mentions:
        if mention.kind == "type":
            if not plain and all(m.kind == "type" for m in mentions):
                continue
        elif mention.everyday and plain:
            continue
        out.append(mention)
    return out
