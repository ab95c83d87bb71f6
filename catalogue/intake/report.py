"""The import report: one line per record, counts, the JSON of ``--report``.

Every record read gets an outcome: ``created`` (a new draft), ``published``
(``--migrate-validated``), ``updated`` / ``unchanged`` (the same record imported
again), ``refused`` (with the reason, naming the file and the record), or
``deleted`` (an OAI-PMH deleted record, reported, not read). Files Mawarid does
not import (images, READMEs in a folder) are ``ignored``. Every outcome lists the
readers' notes (mappings, values kept as written, warnings).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.errors import MawaridError
from core.messages import N_, Message, current_language, render
from metadata_schemas.errors import MetadataError
from metadata_schemas.notes import Note

from ..errors import CatalogueError

OUTCOMES = ("created", "published", "updated", "unchanged", "refused", "deleted")


@dataclass
class Outcome:
    source: str
    status: str
    family: str = ""
    resource_id: str | None = None
    notes: list[Note] = field(default_factory=list)
    error: Message | MawaridError | CatalogueError | None = None

    @property
    def to_review(self) -> bool:
        return self.status in ("created", "updated", "published") and any(
            n.review for n in self.notes
        )

    def reason(self, lang: str | None = None) -> str:
        error = self.error
        if error is None:
            return ""
        if isinstance(error, MetadataError):
            return error.one_line(lang)
        if isinstance(error, MawaridError):
            return " ".join(error.message(lang).split())
        if isinstance(error, CatalogueError):
            return " ".join(error.message.split())
        return " ".join(render(error, lang).split())

    def to_dict(self, lang: str | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {"source": self.source, "status": self.status, "family": self.family}
        if self.resource_id:
            out["id"] = self.resource_id
        if self.error is not None:
            out["error"] = self.reason(lang)
            if isinstance(self.error, (MawaridError, CatalogueError)):
                out["code"] = self.error.code
        out["to_review"] = self.to_review
        out["notes"] = [n.to_dict(lang) for n in self.notes]
        return out


@dataclass
class IntakeReport:
    outcomes: list[Outcome] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def add(self, outcome: Outcome) -> None:
        self.outcomes.append(outcome)

    def ids(self, status: str) -> list[str]:
        return [o.resource_id for o in self.outcomes if o.status == status and o.resource_id]

    @property
    def created(self) -> list[str]:
        return self.ids("created")

    @property
    def published(self) -> list[str]:
        return self.ids("published")

    @property
    def updated(self) -> list[str]:
        return self.ids("updated")

    @property
    def unchanged(self) -> list[str]:
        return self.ids("unchanged")

    @property
    def refused(self) -> list[tuple[str, str]]:
        return [(o.source, o.reason()) for o in self.outcomes if o.status == "refused"]

    @property
    def to_review(self) -> list[str]:
        return [o.resource_id for o in self.outcomes if o.to_review and o.resource_id]

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(OUTCOMES, 0)
        for outcome in self.outcomes:
            out[outcome.status] += 1
        out["imported"] = out["created"] + out["published"]
        out["to_review"] = len(self.to_review)
        out["ignored"] = len(self.ignored)
        return out

    @property
    def exit_code(self) -> int:
        """0: every input read (warnings allowed); 3: some inputs were refused."""
        return 3 if any(o.status == "refused" for o in self.outcomes) else 0

    def summary(self, lang: str | None = None) -> str:
        """One sentence for the end of ``mawarid import``, in the reader's language."""
        counts: dict[str, Any] = {**self.counts(), "seconds": f"{self.seconds:.1f}"}
        return Message(
            N_(
                "%(imported)s imported (%(to_review)s to review), %(updated)s updated, "
                "%(unchanged)s unchanged, %(refused)s refused, %(deleted)s deleted records "
                "reported, %(ignored)s files ignored, in %(seconds)s s"
            ),
            **counts,
        ).render(lang)

    def to_dict(self, lang: str | None = None) -> dict[str, Any]:
        lang = lang or current_language()
        return {
            "summary": {**self.counts(), "seconds": round(self.seconds, 3)},
            "exit_code": self.exit_code,
            "records": [o.to_dict(lang) for o in self.outcomes],
            "ignored": list(self.ignored),
        }
