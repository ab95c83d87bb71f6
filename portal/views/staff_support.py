"""Helpers of the staff console views: translations, choices, refusals, template helpers.

Kept apart from ``staff.py`` so the views read as "check, bind, call, redirect".
"""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from flask import current_app, flash, request, url_for
from flask_babel import Domain
from flask_babel import gettext as _
from werkzeug.routing import BuildError
from wtforms.fields.choices import SelectChoice

from catalogue.errors import CatalogueError, PermissionDenied, StaleVersion, WrongCommission
from catalogue.services.actors import ACTION_LABELS, ROLES
from catalogue.services.lifecycle import STATUS_LABELS, STATUSES
from metadata_schemas.errors import MetadataError, RecordValidationError
from metadata_schemas.record import load_record

from .. import i18n
from ..context import current_runtime
from ..record_form import flat_choices

RecordErrors = RecordValidationError
__all__ = ["STATUSES", "RecordErrors", "StaleVersion"]

#: The console's own messages live in the ``staff`` gettext domain
#: (``portal/translations/<lang>/LC_MESSAGES/staff.po``), merged over ``messages``.
STAFF_DOMAIN = "staff"


def use_staff_translations() -> None:
    """Make ``_()`` in this request look in ``staff.po`` as well as ``messages.po``."""
    domain = current_app.extensions.get("mawarid_staff_domain")
    if domain is None:
        directories = current_app.config.get("BABEL_TRANSLATION_DIRECTORIES", "translations")
        directories = [d for d in str(directories).split(";") if d]
        domain = Domain(
            translation_directories=[*directories, *directories],
            domain=";".join(["messages"] * len(directories) + [STAFF_DOMAIN] * len(directories)),
        )
        current_app.extensions["mawarid_staff_domain"] = domain
    domain.as_default()


def validated(record: dict) -> dict:
    """The canonical record, or :class:`RecordValidationError` with every field path."""
    return load_record(record)


def field(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def page_number(raw: str | None) -> int:
    return int(raw) if raw and raw.isdigit() and 0 < len(raw) < 6 and int(raw) > 0 else 1


def page_view(listing: Any, page: int, size: int) -> dict[str, Any]:
    total = field(listing, "total", 0)
    pages = max(1, -(-total // size))
    return {
        "items": list(field(listing, "items", [])),
        "total": total,
        "page": page,
        "pages": pages,
    }


def status_counts(resources) -> dict[str, int]:
    """How many resources each status tab holds (empty when the service cannot count)."""
    count = getattr(resources, "count", None)
    return {status: count(status=status) for status in STATUSES} if count else {}


@contextlib.contextmanager
def refusal_as_message(rid: str | None, *, anchor: str = "", endpoint: str = "staff.resource"):
    """Turn a catalogue refusal into a message on the page the user comes back to.

    Permission refusals stay 403 (the portal's error page); the rest (illegal
    transition, stale version, bad input) is something the user can act on.
    """
    try:
        yield
    except (PermissionDenied, WrongCommission):
        raise
    except StaleVersion:
        flash(
            _(
                "Cette ressource a été modifiée par quelqu'un d'autre entre-temps : rien n'a "
                "été enregistré. Rechargez la page pour voir la version actuelle."
            ),
            "error",
        )
    except (CatalogueError, MetadataError) as exc:
        flash(message_of(exc), "error")


def message_of(exc: Exception) -> str:
    message = getattr(exc, "message", None) or str(exc)
    errors = getattr(exc, "errors", None) or {}
    if errors:
        message += " — " + "; ".join(f"{path}: {', '.join(msgs)}" for path, msgs in errors.items())
    return message


def flash_form_errors(form) -> None:
    for name, messages in form.errors.items():
        label = form[name].label.text if name in form else name
        for message in messages if isinstance(messages, list) else [messages]:
            flash(f"{label} : {message}", "error")


def acquisition_data(view) -> dict[str, Any]:
    acq = view.acquisition or {}
    return {
        k: acq.get(k) or ""
        for k in ("mode", "reference", "counterpart", "started_on", "completed_on", "note")
    }


def _vocab(name: str):
    vocabs = current_runtime().vocabularies
    return vocabs.get(name, None)


def fill_acquisition_choices(form) -> None:
    vocab = _vocab("acquisition_mode")
    form.mode.choices = flat_choices(vocab, i18n.current_lang(), blank=True) if vocab else []


def fill_document_choices(form, provenance: dict | None) -> None:
    """Steps of the resource's acquisition procedure (from its provenance document)."""
    lang = i18n.current_lang()
    steps = ((provenance or {}).get("acquisition") or {}).get("steps") or []
    form.step.choices = [
        SelectChoice(s["id"], (s.get("labels") or {}).get(lang) or s["id"]) for s in steps
    ]
    vocab = _vocab("document_type")
    form.document_type.choices = flat_choices(vocab, lang) if vocab else []


def fill_user_choices(form) -> None:
    form.roles.choices = [SelectChoice(role, role_label(role)) for role in ROLES]
    vocab = _vocab("commission")
    form.commissions.choices = flat_choices(vocab, i18n.current_lang()) if vocab else []


def role_label(role: str) -> str:
    return {
        "indexer": _("Indexation"),
        "validator": _("Validation (membre de commission)"),
        "admin": _("Administration"),
    }.get(role, role)


def public_url(view) -> str | None:
    """The public page of a published resource (the portal area owns the route)."""
    if view.status != "published":
        return None
    try:
        return url_for("public.resource", rid=view.id)
    except BuildError:
        return None


class _Helpers:
    """What templates may call as ``staff.…``: labels and formatting, no logic."""

    statuses = STATUSES

    @staticmethod
    def status_label(status: str) -> str:
        fr, ar = STATUS_LABELS.get(status, (status, status))
        return ar if i18n.current_lang() == "ar" else fr

    @staticmethod
    def term(vocabulary: str, term_id: Any) -> str:
        """A term's label in the interface language (pickers show both; pages show one)."""
        vocab = _vocab(vocabulary)
        term = vocab.get(term_id) if vocab is not None and isinstance(term_id, str) else None
        return term.label(i18n.current_lang()) if term is not None else str(term_id)

    @staticmethod
    def when(value: Any) -> str:
        if isinstance(value, str) and value.endswith("Z") and "T" in value:
            try:
                value = datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")
            except ValueError:
                return value
        if isinstance(value, datetime):
            return value.strftime("%Y-%m-%d %H:%M UTC")
        return str(value or "")

    @staticmethod
    def texts(langstring: Any) -> list[tuple[str, str]]:
        return i18n.ordered_langstring(langstring if isinstance(langstring, dict) else None)

    lang = staticmethod(i18n.current_lang)

    @staticmethod
    def lang_url(code: str) -> str:
        items = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
        return f"{request.path}?{urlencode([*items, ('lang', code)])}"

    @staticmethod
    def labels(labels: Any) -> str:
        """A ``{"fr", "ar"}`` label dict in the interface language."""
        if not isinstance(labels, dict):
            return str(labels or "")
        return (
            labels.get(i18n.current_lang()) or labels.get("fr") or next(iter(labels.values()), "")
        )

    @staticmethod
    def dir(lang: str) -> str:
        return i18n.text_dir(lang)

    @staticmethod
    def title(record: dict) -> tuple[str, str]:
        return i18n.pick((record.get("general") or {}).get("title"))

    role_label = staticmethod(role_label)

    @staticmethod
    def step_status(status: str) -> str:
        return {
            "pending": _("à faire"),
            "in_progress": _("en cours"),
            "done": _("faite"),
            "skipped": _("sans objet"),
            "refused": _("refusée"),
        }.get(status, status)

    @staticmethod
    def term_vocabulary(vocabulary: str) -> str:
        vocab = _vocab(vocabulary)
        return (
            vocab.labels.get(i18n.current_lang()) or vocab.labels.get("fr") if vocab else vocabulary
        )

    @staticmethod
    def action_label(action: str) -> str:
        fr, ar = ACTION_LABELS.get(action, (action, action))
        return ar if i18n.current_lang() == "ar" else fr

    @staticmethod
    def field(obj: Any, name: str, default: Any = None) -> Any:
        return field(obj, name, default)


helpers = _Helpers()
