"""What the readers tell about a record they accepted: mappings, kept values, warnings.

Reading a partner's record never refuses it for a value Mawarid does not know;
instead each decision is a :class:`Note`: a stable ``code``, a message (rendered
in the reader's language), where it is (``path`` of the group, ``key`` of the
field) and, when a value was mapped, the Mawarid ``term`` and the index of the
``original`` it came from (see :mod:`metadata_schemas.originals`). Notes with
``review`` set put the record in the documentalists' review queue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.messages import N_, Message, current_language

#: code → message id. Parameters: field (a record path), value (as written), term
#: (the Mawarid value), crosswalk, element, lang, …
MESSAGES = {
    "mapped_crosswalk": N_(
        "%(field)s: '%(value)s' mapped to '%(term)s' by the crosswalk %(crosswalk)s"
    ),
    "mapped_label": N_("%(field)s: '%(value)s' matched the term '%(term)s' by its label"),
    "kept": N_("%(field)s: '%(value)s' has no Mawarid equivalent; kept as written"),
    "parsed": N_("%(field)s: '%(term)s' read from the text '%(value)s'"),
    "unreadable": N_("%(field)s: '%(value)s' could not be read; kept as written"),
    "licence_from_text": N_("rights.licence: '%(term)s' recognised in the text '%(value)s'"),
    "levels_from_age": N_("levels %(term)s proposed from the age range %(value)s"),
    "element_kept": N_(
        "%(field)s: element %(element)s kept as it is (no place for it in the record)"
    ),
    "text_kept": N_("%(field)s: a text in '%(language)s' kept as written"),
    "category_kept": N_("%(field)s: a second %(element)s category kept as it is"),
    "no_title": N_("no title: the record is titled '%(value)s' after its %(origin)s"),
    "language_guessed": N_("%(field)s: texts without a language taken as '%(language)s'"),
    "made_from_manifest": N_(
        "the package holds no metadata: its record was made from its manifest (title, "
        "identifier); complete it"
    ),
    "components": N_(
        "the package's own record was read; the %(count)s records of its parts (learning "
        "objects, activities) stay in the package"
    ),
}

#: Codes that are facts about a value read exactly; they never need a person.
INFORMATIONAL = frozenset({"language_guessed"})


@dataclass
class Note:
    code: str
    params: dict[str, Any] = field(default_factory=dict)
    path: str = ""
    key: str | None = None
    term: Any = None
    original: int | None = None
    review: bool = True
    #: How a person settled it in the review queue: accepted, chosen, kept.
    resolution: str | None = None

    @property
    def message(self) -> Message:
        return Message(MESSAGES[self.code], **self.params)

    def render(self, lang: str | None = None) -> str:
        return self.message.render(lang or current_language())

    def to_dict(self, lang: str | None = None) -> dict[str, Any]:
        """JSON for reports and the review queue (the message rendered, and its parts)."""
        return {"code": self.code, "message": self.render(lang), **self.to_json(with_code=False)}

    def to_json(self, *, with_code: bool = True) -> dict[str, Any]:
        """JSON to store (rendered when someone reads it, in their language)."""
        out: dict[str, Any] = {"code": self.code} if with_code else {}
        out.update(params=dict(self.params), path=self.path, review=self.review)
        if self.key is not None:
            out["key"] = self.key
        if self.term is not None:
            out["term"] = self.term
        if self.original is not None:
            out["original"] = self.original
        if self.resolution is not None:
            out["resolution"] = self.resolution
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Note:
        return cls(
            code=data["code"],
            params=dict(data.get("params") or {}),
            path=data.get("path", ""),
            key=data.get("key"),
            term=data.get("term"),
            original=data.get("original"),
            review=bool(data.get("review", True)),
            resolution=data.get("resolution"),
        )


def field_path(group: str, key: str) -> str:
    return f"{group}.{key}" if group else key
