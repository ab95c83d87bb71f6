"""Errors of the catalogue services.

Each error carries a one-line ``message`` meant for the person who caused it
(CLI users see it verbatim, the portal shows it next to the form) and a stable
``code`` for the JSON API. Record validation errors from ``metadata_schemas``
(:class:`metadata_schemas.errors.MetadataError`) are passed through unchanged.
"""

from __future__ import annotations


class CatalogueError(Exception):
    """Base class of every refusal of the catalogue."""

    code = "catalogue_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code

    def __str__(self) -> str:
        return self.message


class NotFound(CatalogueError):
    """No resource (or user, or step) by that id."""

    code = "not_found"


class IllegalTransition(CatalogueError):
    """The lifecycle does not allow this action from the resource's current status."""

    code = "illegal_transition"


class PermissionDenied(CatalogueError):
    """The actor's roles do not allow this action."""

    code = "permission_denied"


class StaleVersion(CatalogueError):
    """Someone else changed the resource since the version the caller edited."""

    code = "stale_version"


class DuplicateIdentifier(CatalogueError):
    """A resource (or user) with this identifier already exists."""

    code = "duplicate_identifier"


class WrongCommission(CatalogueError):
    """The decision was taken by a commission that cannot take it, or by a non-member."""

    code = "wrong_commission"


class UnknownEntity(CatalogueError):
    """An actor, commission, document type, acquisition mode or step id that is not known."""

    code = "unknown_entity"


class InvalidInput(CatalogueError):
    """A malformed argument (dates, sizes, file names, passwords)."""

    code = "invalid_input"


class ReviewPending(IllegalTransition):
    """A resource whose import notes wait for a documentalist cannot go to validation."""

    code = "review_pending"


def describe(exc: Exception) -> str:
    """A refusal on one line, field errors included (``general.title: required; …``),
    in the current reader's language (reports of imports and harvests)."""
    one_line = getattr(exc, "one_line", None)
    if callable(one_line):  # metadata errors: the message or every field error
        return str(one_line())
    errors = getattr(exc, "errors", None)
    if isinstance(errors, dict) and errors:
        return "; ".join(
            f"{path}: {'; '.join(str(m) for m in msgs)}" for path, msgs in sorted(errors.items())
        )
    message = getattr(exc, "message", None)
    text = message() if callable(message) else message  # MawaridError.message(lang)
    return " ".join(str(text or exc).split())
