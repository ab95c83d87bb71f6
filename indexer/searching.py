"""One search, the same on every engine: understand, execute, fall back, correct.

:class:`Searcher` holds what a backend needs to understand queries (curriculum phrases,
label words for the speller) and runs :meth:`Searcher.search` over an :class:`Engine`,
the little each backend implements (:meth:`Engine.execute` a :class:`~indexer.plan.Plan`,
:meth:`Engine.spell` unknown words). The steps:

1. parse (:mod:`indexer.querytext`): a query of one stopword or of marks only gives the
   empty state at once (``empty_reason``), never the whole catalogue;
2. plan (:mod:`indexer.plan`): levels, subjects and types read from the words become
   filters or boosts, the other words required clauses;
3. execute; a query of stopwords only keeps its results only if they are few (else the
   empty state); understood filters that leave nothing are retried as boosts;
4. when the query finds nothing, or only some of its words (``relaxed``), its words unknown
   to the index are corrected (:mod:`indexer.spelling`) and the corrected query is searched
   directly: the result says ``corrected`` (in the catalogue's spelling) and the portal
   offers the query as typed (``autocorrect=False`` only suggests: ``did_you_mean``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from .analysis import analyse_word
from .curriculum import CurriculumLexicon
from .facets import FACETS_BY_NAME, GROUP_OF, Facet, build_facets, canonical_filters, value_labels
from .model import Hit, SearchQuery, SearchResult
from .plan import STOP_PHRASE_MIN, STOP_PHRASE_SHARE, Plan, make_plan
from .querytext import ONLY_STOPWORDS, ParsedQuery, Word, parse, replace_words
from .snippets import snippet
from .spelling import (
    MAX_WORDS,
    Candidate,
    LabelWords,
    max_edits,
    near_forms,
    ranked,
    surface_forms,
)
from .understanding import CurriculumPhrases, label_texts

#: Corrected queries tried when the first leaves the query's words apart (the first, and
#: the next corrections at the same distance of the first words that have some).
MAX_ALTERNATIVES = 3


@dataclass
class Execution:
    """What an engine answered to one plan."""

    total: int
    hits: list[Hit]
    counts: dict[str, dict[str, int]]
    relaxed: bool = False
    #: titles and keywords of the hits, then their descriptions (where corrections find
    #: their spelling, best first)
    texts: list[str] = field(default_factory=list)


def stored_hit(
    data: dict[str, Any], described: list[tuple[str, str]], terms: set[str], lang: str, score: float
) -> tuple[Hit, list[str], list[str]]:
    """A hit from its stored summary (``documents.build_document``'s ``hit``) and its
    descriptions, with the texts a correction finds its spelling in: ``(hit, title and
    keyword texts, description texts)``."""
    hit = Hit(
        id=data["id"],
        title=data.get("title", {}),
        description=data.get("description", {}),
        snippet=snippet(described, terms, lang),
        levels=data.get("levels", []),
        subjects=data.get("subjects", []),
        types=data.get("types", []),
        languages=data.get("languages", []),
        year=data.get("year"),
        score=score,
    )
    short = [*data.get("title", {}).values(), *data.get("keywords", [])]
    return hit, short, [text for _lang, text in described]


class Engine(Protocol):
    def execute(self, plan: Plan, query: SearchQuery, filters: dict[str, list[str]]) -> Execution:
        """Hits, total and facet counts of ``plan`` under ``filters`` (facet → values)."""

    def doc_count(self) -> int: ...

    def spell(self, words: list[Word]) -> list[list[Candidate] | None]:
        """For each word: None if the index knows it (a posting in a text field), else the
        title and keyword words (spelling keys) within :func:`indexer.spelling.max_edits`
        Levenshtein edits of its key that share its first letter."""

    def frequencies(self, keys: list[str]) -> dict[str, int]:
        """How many resources hold each spelling key in their titles or keywords."""


class Searcher:
    """The engine-neutral part of a backend's search (see the module docstring)."""

    def __init__(self, vocabularies: Mapping[str, Any]) -> None:
        self.vocabularies = vocabularies
        self.lexicon = CurriculumLexicon(vocabularies)
        self.phrases = CurriculumPhrases(vocabularies)
        self.labels = LabelWords(label_texts(vocabularies))

    def search(self, engine: Engine, query: SearchQuery) -> SearchResult:
        user_filters = canonical_filters(query.filters, self.vocabularies)
        parsed = parse(query.q)
        if parsed.empty_reason:
            return self._result(query, user_filters, None, None, empty_reason=parsed.empty_reason)
        plan, run = self._run(engine, query, parsed, user_filters)
        if parsed.stop_phrase is not None:
            limit = max(STOP_PHRASE_MIN, int(STOP_PHRASE_SHARE * engine.doc_count()))
            if not 0 < run.total <= limit:
                return self._result(query, user_filters, None, None, empty_reason=ONLY_STOPWORDS)
        corrected = did_you_mean = None
        if parsed.clauses and (run.total == 0 or run.relaxed):
            found = self._correct(engine, query, parsed, user_filters)
            if found is not None:
                plan2, run2, fixes = found
                shown = self._shown(parsed.words, fixes, query.q, run2.texts)
                if query.autocorrect:
                    plan, run, corrected = plan2, run2, shown
                else:
                    did_you_mean = shown
        return self._result(query, user_filters, plan, run, corrected, did_you_mean)

    def _run(
        self,
        engine: Engine,
        query: SearchQuery,
        parsed: ParsedQuery,
        user_filters: dict[str, list[str]],
    ) -> tuple[Plan, Execution]:
        plan = make_plan(
            parsed,
            self.phrases,
            user_filters=user_filters,
            literal=query.literal,
            groups=GROUP_OF,
        )
        run = engine.execute(plan, query, {**user_filters, **plan.filters})
        if plan.filters and run.total == 0:  # "philosophie 1AC": any of the named terms
            plan = plan.without_filters()
            run = engine.execute(plan, query, dict(user_filters))
        return plan, run

    # -- typos ----------------------------------------------------------------------------

    def _correct(
        self,
        engine: Engine,
        query: SearchQuery,
        parsed: ParsedQuery,
        user_filters: dict[str, list[str]],
    ) -> tuple[Plan, Execution, dict[int, str]] | None:
        """``(plan, execution, fixes)`` of the corrected query, or None. Each unknown word
        takes its nearest, most frequent correction; when that leaves the other words
        apart (``theoreme de tales`` → ``tables``), its alternatives at the same distance
        are tried in turn (``thales``), and the first that meets every word wins."""
        options = self._corrections(engine, parsed)
        if not options:
            return None
        fixes = {i: keys[0] for i, keys in options.items()}
        alternatives = [
            {**fixes, i: alternative}
            for i, keys in options.items()
            for alternative in keys[1:MAX_ALTERNATIVES]
        ]
        tries = [fixes, *alternatives[: MAX_ALTERNATIVES - 1]]
        first: tuple[Plan, Execution, dict[int, str]] | None = None
        for attempt in tries:
            fixed_q = replace_words(query.q, parsed.words, _typed_like(parsed.words, attempt))
            plan, run = self._run(engine, query, parse(fixed_q), user_filters)
            if run.total and first is None:
                first = (plan, run, attempt)
            if run.total and not run.relaxed:
                return plan, run, attempt
        return first

    def _corrections(self, engine: Engine, parsed: ParsedQuery) -> dict[int, list[str]]:
        """``{word index: ranked corrections}`` for the words the index does not know."""
        checked = [
            i
            for i, w in enumerate(parsed.words)
            if not w.stop and w.key and max_edits(w.key) and not self._curriculum_word(w)
        ][:MAX_WORDS]
        if not checked:
            return {}
        answers = engine.spell([parsed.words[i] for i in checked])
        unknown = {i: found for i, found in zip(checked, answers, strict=True) if found is not None}
        near = {i: near_forms(parsed.words[i].key or "") for i in unknown}
        frequencies = engine.frequencies(sorted({f for forms in near.values() for f in forms}))
        options: dict[int, list[str]] = {}
        for i, candidates in unknown.items():
            key = parsed.words[i].key or ""
            pool = [*candidates, *self.labels.candidates(key)]
            pool += [Candidate(f, frequencies[f]) for f in near[i] if frequencies.get(f)]
            keys = ranked(key, pool)
            if keys:
                options[i] = keys
        return options

    def _curriculum_word(self, word: Word) -> bool:
        """Known as a word of the curriculum labels or phrases (never corrected)."""
        return word.key in self.labels.forms or bool(self.lexicon.terms_for(word.terms))

    def _shown(self, words: list[Word], fixes: dict[int, str], q: str, texts: list[str]) -> str:
        """The corrected query as the user reads it: each correction as the catalogue
        writes it (in the hits, else in the labels)."""
        wanted = {key: _stem(key) for key in fixes.values()}
        forms = surface_forms(wanted, texts)
        shown = {}
        for i, key in fixes.items():
            shown[i] = forms.get(key) or self.labels.forms.get(key) or key
        return replace_words(q, words, shown)

    # -- the result ---------------------------------------------------------------------

    def _result(
        self,
        query: SearchQuery,
        user_filters: dict[str, list[str]],
        plan: Plan | None,
        run: Execution | None,
        corrected: str | None = None,
        did_you_mean: str | None = None,
        *,
        empty_reason: str | None = None,
    ) -> SearchResult:
        filters = {**user_filters, **(plan.filters if plan else {})}
        facets: list[Facet] = build_facets(
            run.counts if run else {}, filters, query.lang, self.vocabularies
        )
        return SearchResult(
            total=run.total if run else 0,
            page=query.page,
            size=query.size,
            hits=run.hits if run else [],
            facets=facets,
            did_you_mean=did_you_mean,
            relaxed=bool(run and (run.relaxed or (plan is not None and plan.relaxed))),
            query=query,
            corrected=corrected,
            understood=self._understood(plan, query.lang) if plan else [],
            empty_reason=empty_reason,
        )

    def _understood(self, plan: Plan, lang: str) -> list[dict[str, Any]]:
        out = []
        for item in plan.understood:
            spec = FACETS_BY_NAME[item.facet]
            labels = {}
            for value in item.values:
                names = value_labels(spec, value, self.vocabularies)
                labels[value] = names.get(lang) or names.get("fr") or value
            out.append(
                {
                    "facet": item.facet,
                    "values": list(item.values),
                    "labels": labels,
                    "words": item.words,
                    "applied": item.applied,
                }
            )
        return out


def _typed_like(words: list[Word], fixes: dict[int, str]) -> dict[int, str]:
    """The corrections as words to search: a key with what the user typed before it
    (the Arabic article: ``الوراتة`` → ``الوراثه``, analysed like the indexed ``الوراثة``)."""
    out = {}
    for i, key in fixes.items():
        word = words[i]
        typed_key = word.key or ""
        prefix = (
            word.folded[: -len(typed_key)] if typed_key and word.folded.endswith(typed_key) else ""
        )
        out[i] = prefix + key
    return out


def _stem(key: str) -> str:
    terms, _stop = analyse_word(key)
    return terms[0] if terms else key
