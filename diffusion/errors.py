"""Refusals of the diffusion services, worded in French and Arabic.

Each error has a stable ``code`` (JSON API, tests), the two texts in
``messages`` and ``message`` (both, for the CLI and logs). Installation report
errors list every faulty cell as ``(line, column, messages)``.
"""

from __future__ import annotations


class DiffusionError(Exception):
    code = "diffusion_error"

    def __init__(
        self, fr: str, ar: str, *, code: str | None = None, field: str | None = None
    ) -> None:
        self.messages = {"fr": fr, "ar": ar}
        self.field = field
        if code:
            self.code = code
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return f"{self.messages['fr']} — {self.messages['ar']}"

    def text(self, lang: str) -> str:
        return self.messages.get(lang) or self.messages["fr"]

    def __str__(self) -> str:
        return self.message


class InvalidCampaign(DiffusionError):
    code = "invalid_campaign"


class CampaignNotFound(DiffusionError):
    code = "not_found"


class NotAllowed(DiffusionError):
    code = "permission_denied"


class ReportRefused(DiffusionError):
    """A malformed installation report: nothing of it was imported."""

    code = "report_refused"

    def __init__(self, problems: list[ReportProblem], *, total_lines: int = 0) -> None:
        self.problems = problems
        first = problems[0]
        super().__init__(
            f"rapport refusé, rien n'a été importé : {len(problems)} erreur(s), la première "
            f"ligne {first.line}, colonne « {first.column} » : {first.fr}",
            f"رُفض التقرير ولم يُستورد أي شيء: {len(problems)} خطأ، أولها في السطر {first.line}، "
            f"العمود «{first.column}»: {first.ar}",
        )


class ReportProblem:
    __slots__ = ("ar", "column", "fr", "line")

    def __init__(self, line: int, column: str, fr: str, ar: str) -> None:
        self.line, self.column, self.fr, self.ar = line, column, fr, ar

    def to_dict(self) -> dict:
        return {"line": self.line, "column": self.column, "message": {"fr": self.fr, "ar": self.ar}}

    def __repr__(self) -> str:
        return f"line {self.line}, column {self.column}: {self.fr}"
