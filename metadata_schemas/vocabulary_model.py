"""The vocabulary classes: :class:`Term`, :class:`Vocabulary`, :class:`Vocabularies`.

:meth:`Vocabulary.resolve` is the one entry point for values coming from
outside (forms, partner XML, CSV imports): it accepts a term id, URI, notation,
LOM value, ScoLOMFR URI or any label, matched through :func:`textnorm.fold`.
Every lookup is a dict access; the dicts are built once at load time (by
:mod:`metadata_schemas.vocabulary_files`), because the importer resolves
millions of values.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import UnknownTermError
from .textnorm import fold

#: Term ids are also OAI setSpec parts and URL path segments: lower-case ASCII.
#: ``.`` and ``_`` are allowed for SPDX-like licence ids (``cc-by-sa-4.0``) and LOM
#: purposes (``educational_level``), as used in the record contract.
TERM_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
#: Languages a label may be written in (``alt_labels`` may also use ``und``).
LABEL_LANGUAGES = ("fr", "ar", "en", "zgh")
REQUIRED_LABEL_LANGUAGES = ("fr", "ar")
_MISSES_MAX = 10_000


@dataclass(frozen=True, slots=True)
class Term:
    id: str
    uri: str
    labels: dict[str, str]
    notation: str | None = None
    broader: str | None = None
    alt_labels: dict[str, list[str]] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    note: str | None = None
    vocabulary: str = ""

    def label(self, lang: str = "fr") -> str:
        """The label in ``lang``, else French, else Arabic, else the id."""
        return self.labels.get(lang) or self.labels.get("fr") or self.labels.get("ar") or self.id

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "uri": self.uri,
            "notation": self.notation,
            "broader": self.broader,
            "labels": dict(self.labels),
        }
        if self.alt_labels:
            out["alt_labels"] = {k: list(v) for k, v in self.alt_labels.items()}
        if self.extra:
            out["extra"] = dict(self.extra)
        return out


class Vocabulary:
    """An ordered set of terms with O(1) lookups by every spelling."""

    def __init__(
        self,
        *,
        id: str,
        uri: str,
        labels: dict[str, str],
        terms: dict[str, Term],
        hierarchical: bool = False,
        lom_source: str | None = None,
        keys: dict[str, str] | None = None,
        folded: dict[str, str] | None = None,
        source: str = "",
        resolve_subtags: bool = False,
    ) -> None:
        self.id = id
        self.uri = uri
        self.labels = labels
        self.terms = terms
        self.hierarchical = hierarchical
        self.lom_source = lom_source
        self.source = source
        self.resolve_subtags = resolve_subtags
        self._exact = keys if keys is not None else {}
        self._folded = folded if folded is not None else {}
        self._misses: dict[str, list[str]] = {}
        self._children: dict[str | None, list[str]] = {}
        for term in terms.values():
            self._children.setdefault(term.broader, []).append(term.id)
        self._paths: dict[str, list[Term]] = {}
        for term_id in terms:
            self._paths[term_id] = self._build_path(term_id)

    # -- lookups -----------------------------------------------------------------
    def __contains__(self, term_id: object) -> bool:
        return term_id in self.terms

    def __iter__(self) -> Iterator[Term]:
        return iter(self.terms.values())

    def __len__(self) -> int:
        return len(self.terms)

    def __repr__(self) -> str:
        return f"<Vocabulary {self.id} ({len(self.terms)} terms)>"

    def get(self, term_id: str) -> Term | None:
        return self.terms.get(term_id)

    def label(self, lang: str = "fr") -> str:
        return self.labels.get(lang) or self.labels.get("fr") or self.id

    def resolve(self, value: Any) -> Term:
        """The term named by ``value``: id, URI, notation, LOM value or any label.

        Matching ignores case, Latin accents, Arabic diacritics and letter variants
        (see :func:`textnorm.fold`). Raises :class:`UnknownTermError` with up to
        three suggestions (term ids) otherwise.
        """
        if isinstance(value, Term) and value.vocabulary == self.id:
            return value
        if not isinstance(value, str):
            raise UnknownTermError(self.id, repr(value) if value is not None else "None")
        term_id = self._exact.get(value)
        if term_id is None:
            term_id = self._folded.get(fold(value))
        if term_id is None and self.resolve_subtags and "-" in value:
            # BCP 47: "fr-CA", "ar-Arab-MA" name the language of their primary subtag.
            term_id = self._folded.get(fold(value.split("-", 1)[0]))
        if term_id is not None:
            return self.terms[term_id]
        raise UnknownTermError(self.id, value, self._suggest(value))

    def _suggest(self, value: str) -> list[str]:
        # Unknown values repeat in bulk imports; difflib is slow, remember the answer.
        cached = self._misses.get(value)
        if cached is not None:
            return list(cached)
        key = fold(value)
        found: list[str] = []
        if key:
            for match in difflib.get_close_matches(key, self._folded.keys(), n=12, cutoff=0.6):
                term_id = self._folded[match]
                if term_id not in found:
                    found.append(term_id)
                if len(found) == 3:
                    break
        if len(self._misses) >= _MISSES_MAX:
            self._misses.clear()
        self._misses[value] = found
        return list(found)

    # -- hierarchy ---------------------------------------------------------------
    def _build_path(self, term_id: str) -> list[Term]:
        path: list[Term] = []
        current: str | None = term_id
        while current is not None:
            term = self.terms[current]
            path.append(term)
            current = term.broader
        path.reverse()
        return path

    def _require(self, term_id: str) -> Term:
        term = self.terms.get(term_id)
        if term is None:
            raise UnknownTermError(self.id, term_id, self._suggest(term_id))
        return term

    def path(self, term_id: str) -> list[Term]:
        """Terms from the root to ``term_id`` (inclusive)."""
        self._require(term_id)
        return list(self._paths[term_id])

    def children(self, term_id: str | None) -> list[Term]:
        """Direct narrower terms, in file order (``None``: the roots)."""
        if term_id is not None:
            self._require(term_id)
        return [self.terms[c] for c in self._children.get(term_id, [])]

    def roots(self) -> list[Term]:
        return self.children(None)

    def descendants(self, term_id: str) -> list[Term]:
        """Every narrower term, depth first, not including ``term_id`` itself."""
        out: list[Term] = []
        stack = list(reversed(self._children.get(self._require(term_id).id, [])))
        while stack:
            current = stack.pop()
            out.append(self.terms[current])
            stack.extend(reversed(self._children.get(current, [])))
        return out

    def to_dict(self, *, terms: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "uri": self.uri,
            "labels": dict(self.labels),
            "hierarchical": self.hierarchical,
            "lom_source": self.lom_source,
        }
        if terms:
            out["terms"] = [t.to_dict() for t in self.terms.values()]
        return out


class Vocabularies(Mapping[str, Vocabulary]):
    """All vocabularies of an instance, by id."""

    def __init__(self, vocabularies: dict[str, Vocabulary], folder: str = "") -> None:
        self._vocabularies = vocabularies
        self.folder = folder

    def __getitem__(self, vocab_id: str) -> Vocabulary:
        try:
            return self._vocabularies[vocab_id]
        except KeyError:
            raise KeyError(
                f"no vocabulary {vocab_id!r} (known: {', '.join(sorted(self._vocabularies))})"
            ) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._vocabularies)

    def __len__(self) -> int:
        return len(self._vocabularies)

    def __repr__(self) -> str:
        return f"<Vocabularies {', '.join(self._vocabularies)}>"

    def resolve(self, vocab_id: str, value: Any) -> Term:
        return self[vocab_id].resolve(value)

    def to_dict(self, *, terms: bool = True) -> dict[str, Any]:
        return {vid: v.to_dict(terms=terms) for vid, v in self._vocabularies.items()}
