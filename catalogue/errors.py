"""Errors of the catalogue services: every refusal a person reads, in their language.

Each error is a :class:`core.errors.MawaridError`: an English message id with its
parameters (rendered in the reader's language: the CLI's, the web request's), a stable
``code`` for the JSON API and the reports, and optionally ``errors`` by field. Record
validation errors from ``metadata_schemas`` (:class:`metadata_schemas.errors.MetadataError`)
are passed through unchanged::

    raise InvalidInput(N_("%(field)s: too long (%(length)d characters, at most %(max)d)"),
                       field="note", length=len(text), max=MAX_NOTE)
"""

from __future__ import annotations

import errno

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from core.errors import MawaridError
from core.messages import N_, Message


class CatalogueError(MawaridError):
    """Base class of every refusal of the catalogue."""

    code = "catalogue_error"


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


class AccountLocked(CatalogueError):
    """Too many failed logins for this account: it waits before the next attempt."""

    code = "account_locked"


class StoreUnavailable(CatalogueError):
    """The database cannot be written or read now (disk full, locked, unreachable).

    Not the reader's fault and usually not for long: nothing was half-written (the
    transaction was rolled back); the web answers 503, the CLI exits with status 1.
    ``cause`` is for the log only (it may name files or hosts).
    """

    code = "store_unavailable"


def detail(exc: Exception) -> Message | str:
    """The sentence of another package's refusal, kept translatable when it has one."""
    if isinstance(exc, MawaridError):
        return exc.msg
    return " ".join(str(exc).split())


def unknown_term(field: str, exc: Exception) -> UnknownEntity:
    """``field: <why the vocabulary refused the value>`` (with its suggestions)."""
    return UnknownEntity(N_("%(field)s: %(error)s"), field=field, error=detail(exc))


#: Why a database refused to work, by a piece of its message (SQLite and PostgreSQL).
_REASONS: tuple[tuple[tuple[str, ...], str], ...] = (
    (
        ("disk is full", "no space left", "disk full", "could not extend file"),
        N_("the disk is full"),
    ),
    (
        ("database is locked", "database table is locked", "lock timeout"),
        N_("it is locked by another process"),
    ),
    (
        (
            "readonly database",
            "read-only",
            "permission denied",
            "unable to open database file",
            "disk i/o error",
        ),
        N_("its file cannot be written"),
    ),
    (
        (
            "connection refused",
            "could not connect",
            "server closed the connection",
            "terminating connection",
            "connection is closed",
            "timeout expired",
            "the database system is",
            "connection to server",
        ),
        N_("the database server cannot be reached"),
    ),
)


def unavailable_reason(exc: BaseException) -> Message:
    """What a database error says about the store, as a sentence for the reader."""
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return Message(_REASONS[0][1])
    text = str(getattr(exc, "orig", None) or exc).lower()
    for pieces, reason in _REASONS:
        if any(piece in text for piece in pieces):
            return Message(reason)
    return Message(N_("the database refused the operation"))


def store_unavailable(exc: BaseException) -> StoreUnavailable:
    return StoreUnavailable(
        N_("The catalogue database cannot be used now (%(reason)s): nothing was changed."),
        reason=unavailable_reason(exc),
    )


def is_unavailable(exc: BaseException) -> bool:
    """A database error that is not the caller's fault: full disk, lock, lost server."""
    if isinstance(exc, (OperationalError, InterfaceError)):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


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
