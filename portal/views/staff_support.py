"""Helpers of the staff console views: translations, choices, refusals, template helpers.

Kept apart from ``staff.py`` so the views read as "check, bind, call, redirect".
"""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from flask import flash, request, url_for
from flask_babel import gettext as _
from werkzeug.routing import BuildError
from wtforms.fields.choices import SelectChoice

from catalogue.errors import (
    CatalogueError,
    PermissionDenied,
    StaleVersion,
    StoreUnavailable,
    WrongCommission,
)
from catalogue.services import Page, ResourceService
from catalogue.services.actors import ACTION_LABELS, ROLES
from catalogue.services.actors import EDITORS as EDITOR_ROLES
from catalogue.services.lifecycle import STATUS_LABELS, STATUSES
from core import formats
from core.errors import MawaridError
from core.messages import N_
from core.messages import gettext as translate
from metadata_schemas.errors import MetadataError, RecordValidationError
from metadata_schemas.record import load_record

from .. import i18n
from ..context import current_runtime
from ..forms import DocumentForm
from ..record_form import flat_choices
from ._errors import refusal_text

RecordErrors = RecordValidationError
__all__ = ["STATUSES", "RecordErrors", "StaleVersion"]


def validated(record: dict) -> dict:
    """The canonical record, or :class:`RecordValidationError` with every field path."""
    return load_record(record)


def page_number(raw: str | None) -> int:
    return int(raw) if raw and raw.isdigit() and 0 < len(raw) < 6 and int(raw) > 0 else 1


def page_view(listing: Page, page: int, size: int) -> dict[str, Any]:
    total = listing.total
    pages = max(1, -(-total // size))
    return {
        "items": list(listing.items),
        "total": total,
        "page": page,
        "pages": pages,
    }


def status_counts(resources: ResourceService) -> dict[str, int]:
    """How many resources each status tab holds."""
    return {status: resources.count(status=status) for status in STATUSES}


@contextlib.contextmanager
def refusal_as_message(rid: str | None, *, anchor: str = "", endpoint: str = "staff.resource"):
    """Turn a catalogue refusal into a message on the page the user comes back to.

    Permission refusals stay 403 (the portal's error page); the rest (illegal
    transition, stale version, bad input) is something the user can act on.
    """
    try:
        yield
    except (PermissionDenied, WrongCommission, StoreUnavailable):
        raise  # 403, or 503 when the database cannot be written now
    except StaleVersion:
        flash(
            _(
                "Someone else changed this resource in the meantime: nothing was saved. "
                "Reload the page to see the current version."
            ),
            "error",
        )
    except (CatalogueError, MetadataError, MawaridError) as exc:
        flash(message_of(exc), "error")


def message_of(exc: Exception) -> str:
    message, errors = refusal_text(exc)
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


#: A document any step may receive besides the ones its procedure expects.
ANY_STEP_DOCUMENT = "autre"


def step_document_types(provenance: dict | None, step_id: str) -> list[str]:
    """The document types a step allows: those its procedure expects, and "autre"."""
    steps = ((provenance or {}).get("acquisition") or {}).get("steps") or []
    step = next((s for s in steps if s["id"] == step_id), None)
    if step is None:
        return []
    return [*step.get("expected_documents", []), ANY_STEP_DOCUMENT]


def fill_document_choices(form, provenance: dict | None, step_id: str | None = None) -> None:
    """Steps of the resource's acquisition procedure; the document types of ``step_id``."""
    lang = i18n.current_lang()
    steps = ((provenance or {}).get("acquisition") or {}).get("steps") or []
    form.step.choices = [
        SelectChoice(s["id"], (s.get("labels") or {}).get(lang) or s["id"]) for s in steps
    ]
    vocab = _vocab("document_type")
    allowed = step_document_types(provenance, step_id or (form.step.data or ""))
    form.document_type.choices = [
        SelectChoice(t, vocab.get(t).label(lang) if vocab and vocab.get(t) else t) for t in allowed
    ]


def step_forms(provenance: dict | None) -> list[dict[str, Any]]:
    """For each step of the procedure: its attach form, offering only the types it allows."""
    out = []
    for step in ((provenance or {}).get("acquisition") or {}).get("steps") or []:
        form = DocumentForm(prefix=f"step-{step['id']}", data={"step": step["id"]})
        fill_document_choices(form, provenance, step["id"])
        out.append({"step": step, "form": form})
    return out


def fill_user_choices(form) -> None:
    form.roles.choices = [SelectChoice(role, role_label(role)) for role in ROLES]
    vocab = _vocab("commission")
    form.commissions.choices = flat_choices(vocab, i18n.current_lang()) if vocab else []


def role_label(role: str) -> str:
    return {
        "indexer": _("Indexing"),
        "validator": _("Validation (commission member)"),
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


EDITORS = tuple(sorted(EDITOR_ROLES))

#: What waits for whom: (status, roles that act on it, commission needed, label).
TASKS = (
    ("submitted", ("validator",), "validation", N_("To validate")),
    ("validated", EDITORS, None, N_("To publish")),
    ("rejected", EDITORS, None, N_("To correct")),
    ("draft", EDITORS, None, N_("Drafts")),
)


def my_tasks(actor: Any) -> list[dict[str, Any]]:
    """What waits for ``actor``, with counts, for the console's header (empty when nothing)."""
    if actor is None:
        return []
    resources = current_runtime().resources
    out = []
    for status, roles, commission, label in TASKS:
        if not set(roles) & set(actor.roles):
            continue
        if commission and commission not in actor.commissions:
            continue
        out.append(
            {
                "status": status,
                "label": translate(label),
                "count": resources.count(status=status),
                "url": url_for("staff.dashboard", status=status),
            }
        )
    return out


class _Helpers:
    """What templates may call as ``staff.…``: labels and formatting, no logic."""

    statuses = STATUSES

    @staticmethod
    def status_label(status: str) -> str:
        return translate(STATUS_LABELS.get(status, status), i18n.current_lang())

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
        if isinstance(
            value, datetime
        ):  # CLDR: "3 déc. 2026, 08:00:00 UTC" / Arabic digits and order
            return formats.format_datetime(value, "medium", i18n.current_lang()) + " UTC"
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
    tasks = staticmethod(my_tasks)

    @staticmethod
    def size(value: Any) -> str:
        return formats.format_size(value) if isinstance(value, int) else str(value or "")

    @staticmethod
    def completeness_errors(result: Any) -> dict[str, list[str]]:
        """Missing items of a completeness assessment, by field, in the reader's language."""
        return {path: [m.render() for m in messages] for path, messages in result.errors().items()}

    @staticmethod
    def step_status(status: str) -> str:
        return {
            "pending": _("to do"),
            "in_progress": _("in progress"),
            "done": _("completed"),
            "skipped": _("not applicable"),
            "refused": _("refused"),
        }.get(status, status)

    @staticmethod
    def term_vocabulary(vocabulary: str) -> str:
        vocab = _vocab(vocabulary)
        return (
            vocab.labels.get(i18n.current_lang()) or vocab.labels.get("fr") if vocab else vocabulary
        )

    @staticmethod
    def action_label(action: str) -> str:
        return translate(ACTION_LABELS.get(action, action), i18n.current_lang())


helpers = _Helpers()
