"""Errors raised by the metadata layer, in the reader's language.

Every error names *what* was wrong and *where*: the record or file (``record``,
when known) and the field paths in the spelling users see in the forms and in
the docs, e.g. ``general.title[ar]: required``. They are
:class:`core.errors.MawaridError` subclasses: a stable ``code``, an English
message id with its parameters, rendered in French, Arabic or English by
:mod:`core.messages` when someone reads them (``str(error)`` renders in the
current reader's language). Callers print them and never need a traceback.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from core.errors import MawaridError
from core.messages import N_, Message, current_language


class MetadataError(MawaridError):
    """Base class: a record or a file that cannot be accepted."""

    code: ClassVar[str] = "metadata_error"

    def __init__(
        self,
        msgid: str | Message,
        /,
        *,
        record: str | None = None,
        errors: Mapping[str, Sequence[str | Message]] | None = None,
        code: str | None = None,
        **params: Any,
    ) -> None:
        super().__init__(msgid, code=code, errors=errors, **params)
        self.record = record

    def __str__(self) -> str:
        text = super().__str__()
        return f"{self.record}: {text}" if self.record else text

    def one_line(self, lang: str | None = None) -> str:
        """The message and every field error on one line (import reports, CLI)."""
        lang = lang or current_language()
        if not self.errors:
            return " ".join(self.message(lang).split())
        return "; ".join(
            f"{path}: {'; '.join(' '.join(m.split()) for m in msgs)}"
            for path, msgs in self.field_errors(lang).items()
        )

    def to_dict(self, lang: str | None = None) -> dict[str, Any]:
        out = super().to_dict(lang)
        if self.record:
            out["record"] = self.record
        return out

    def with_record(self, record: str) -> MetadataError:
        """The same error, attributed to ``record`` (an id or a file name)."""
        clone = type(self).__new__(type(self))
        clone.__dict__.update(self.__dict__)
        clone.args = self.args
        clone.record = record
        return clone


class RecordValidationError(MetadataError):
    """A record failed schema validation; ``errors`` maps field paths to messages."""

    code = "invalid_record"


class UnknownTermError(MetadataError):
    """A value is not a term of the named vocabulary (by id, URI or label)."""

    code = "unknown_term"

    def __init__(self, vocabulary: str, value: str, suggestions: list[str] | None = None) -> None:
        self.vocabulary = vocabulary
        self.value = value
        self.suggestions = suggestions or []
        super().__init__(unknown_term_message(vocabulary, value, self.suggestions))


def unknown_term_message(vocabulary: str, value: str, suggestions: Sequence[str] = ()) -> Message:
    """ "unknown term 'x' in vocabulary 'y' (did you mean: …?)" as one message."""
    if suggestions:
        return Message(
            N_(
                "unknown term '%(value)s' in vocabulary '%(vocabulary)s' (did you mean: %(suggestions)s?)"
            ),
            value=value,
            vocabulary=vocabulary,
            suggestions=", ".join(suggestions),
        )
    return Message(
        N_("unknown term '%(value)s' in vocabulary '%(vocabulary)s'"),
        value=value,
        vocabulary=vocabulary,
    )


class VocabularyFileError(MetadataError):
    """A shipped or configured vocabulary (or crosswalk) file is malformed; start-up must stop."""

    code = "vocabulary_file"


class UnsafeXMLError(MetadataError):
    """XML that is malformed, hostile (entities, DTDs) or in a wrong encoding."""

    code = "unsafe_xml"
    line: int | None = None
    column: int | None = None


class UnsupportedFormatError(MetadataError):
    """A well-formed document in a format Mawarid does not read (MARC21, an Identify response)."""

    code = "unsupported_format"


class ExportError(RecordValidationError):
    """A stored record that a format cannot carry (a term missing from the vocabularies)."""

    code = "cannot_export"
