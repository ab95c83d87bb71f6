"""Refusals of the diffusion services: :class:`~core.errors.MawaridError`\\ s with a stable code.

The message is an English message id read in the reader's language (French, Arabic,
English); an error about one input names it in ``field`` and in ``errors`` (field →
messages), so a form shows it next to that input. A refused installation report
lists every faulty cell as :class:`ReportProblem` (line as a spreadsheet shows it,
column, message).
"""

from __future__ import annotations

from typing import Any

from core.errors import MawaridError
from core.messages import Message, plural_message


class DiffusionError(MawaridError):
    code = "diffusion_error"

    def __init__(
        self,
        msgid: str | Message,
        /,
        *,
        field: str | None = None,
        code: str | None = None,
        **params: Any,
    ) -> None:
        super().__init__(msgid, code=code, **params)
        self.field = field
        if field:
            self.errors[field] = [self.msg]


class InvalidCampaign(DiffusionError):
    code = "invalid_campaign"


class CampaignNotFound(DiffusionError):
    code = "not_found"


class NotAllowed(DiffusionError):
    code = "permission_denied"


class ReportProblem:
    """One faulty cell (or line, ``column="*"``) of an installation report."""

    __slots__ = ("column", "line", "message")

    def __init__(self, line: int, column: str, message: Message) -> None:
        self.line, self.column, self.message = line, column, message

    def text(self, lang: str | None = None) -> str:
        return self.message.render(lang)

    def to_dict(self, lang: str | None = None) -> dict[str, Any]:
        return {"line": self.line, "column": self.column, "message": self.text(lang)}

    def __repr__(self) -> str:
        return f"line {self.line}, column {self.column}: {self.message.render('en')}"


class ReportRefused(DiffusionError):
    """A malformed installation report: nothing of it was imported."""

    code = "report_refused"

    def __init__(self, problems: list[ReportProblem]) -> None:
        self.problems = problems
        first = problems[0]
        super().__init__(
            plural_message(
                "report refused, nothing was imported: %(num)d error, on line %(line)d, "
                "column “%(column)s”: %(first)s",
                "report refused, nothing was imported: %(num)d errors, the first on line "
                "%(line)d, column “%(column)s”: %(first)s",
                len(problems),
                line=first.line,
                column=first.column,
                first=first.message,
            )
        )
