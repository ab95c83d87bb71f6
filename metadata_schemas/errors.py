"""Errors raised by the metadata layer.

Every error names *what* was wrong and *where*: the record (when known) and the
field path in the spelling users see in the forms and in the docs, e.g.
``general.title[ar]: required``. Callers (CLI, importers, the portal) print
``str(error)`` and never need a traceback.
"""

from __future__ import annotations


class MetadataError(Exception):
    """Base class: a record or a file that cannot be accepted."""

    def __init__(
        self, message: str, *, record: str | None = None, errors: dict[str, list[str]] | None = None
    ) -> None:
        self.record = record
        self.errors = errors or {}
        self.message = message
        super().__init__(self._render())

    def _render(self) -> str:
        head = f"{self.record}: {self.message}" if self.record else self.message
        if not self.errors:
            return head
        lines = [f"  {path}: {'; '.join(msgs)}" for path, msgs in sorted(self.errors.items())]
        return head + "\n" + "\n".join(lines)

    def with_record(self, record: str) -> MetadataError:
        """The same error, attributed to ``record`` (an id or a file name)."""
        clone = type(self).__new__(type(self))
        MetadataError.__init__(clone, self.message, record=record, errors=self.errors)
        return clone


class RecordValidationError(MetadataError):
    """A record failed schema validation; ``errors`` maps field paths to messages."""


class UnknownTermError(MetadataError):
    """A value is not a term of the named vocabulary (by id, URI or label)."""

    def __init__(self, vocabulary: str, value: str, suggestions: list[str] | None = None) -> None:
        self.vocabulary = vocabulary
        self.value = value
        self.suggestions = suggestions or []
        hint = f" (did you mean: {', '.join(self.suggestions)}?)" if self.suggestions else ""
        super().__init__(f"unknown term {value!r} in vocabulary {vocabulary!r}{hint}")


class VocabularyFileError(MetadataError):
    """A shipped or configured vocabulary file is malformed; start-up must stop."""


class UnsafeXMLError(MetadataError):
    """XML that is malformed, hostile (entities, DTDs) or in a wrong encoding."""
