"""The review queue of imported records (``/staff/review``), and the spreadsheet template.

Documentalists work through the records whose import left notes for a person:
for each note they accept the proposed mapping, choose another term, or keep the
partner's value as written (:class:`catalogue.intake.review.ReviewService`). Views
are thin: role check, CSRF-checked form, one service call, redirect. The staff
spreadsheet template (XLSX, CSV) is downloaded here too, and a spreadsheet or a
partner's file can be imported from the queue page.

Texts are message ids of :mod:`core.messages`, rendered in the console's language.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from werkzeug.utils import secure_filename

from catalogue.intake.importer import Importer
from catalogue.intake.review import (
    ACTIONS,
    REVIEW_STATUSES,
    ReviewService,
    vocabulary_for,
    vocabulary_of,
)
from catalogue.intake.spreadsheet import template_csv, template_xlsx
from catalogue.services.actors import EDITORS as EDITOR_ROLES
from catalogue.services.actors import Actor
from core.messages import N_, gettext
from metadata_schemas.originals import HOW_LABELS

from .. import auth, current_runtime, i18n
from ..auth import login_required, roles_required
from . import staff_support as support

bp = Blueprint("review", __name__, url_prefix="/staff/review")

EDITORS = tuple(sorted(EDITOR_ROLES))
NAV_LABEL = N_("Imports to review")
PAGE_SIZE = 25
MAX_PAGE = 10_000  # deeper is a crafted URL, not a queue
#: Files a documentalist may import from the console (the CLI reads folders and archives too).
UPLOAD_SUFFIXES = (".xlsx", ".csv", ".xml", ".zip", ".jsonl")


class ReviewForm(FlaskForm):
    """A review action: the CSRF token; ``action`` and ``term`` come with the button."""


@bp.context_processor
def _helpers() -> dict[str, Any]:
    # ``translate`` renders core.messages ids (bin/messages extracts it from templates);
    # the console's older texts use flask-babel's ``_`` and portal/translations.
    return {"translate": gettext, "review_vocabulary": _vocabulary_terms}


@bp.app_context_processor  # the staff resource page shows a record's import notes
def _record_review() -> dict[str, Any]:
    return {
        "intake_review": _review_of,
        "intake_nav_label": lambda: gettext(NAV_LABEL),
        "intake_how": _how,
        "intake_term": _term,
        "translate": gettext,
    }


def _how(how: str | None) -> str:
    label = HOW_LABELS.get(how or "")
    return gettext(label) if label else (how or "")


def _term(where: str, original: dict[str, Any]) -> str:
    """The Mawarid term an original maps to, by its label in the console's language."""
    term = original.get("term")
    source = None
    if isinstance(term, dict):  # a taxon path: its leaf, in its vocabulary
        source, term = term.get("source"), (term.get("taxon") or [None])[-1]
    elif isinstance(term, list):
        return ", ".join(_term(where, {**original, "term": t}) for t in term)
    if term is None or isinstance(term, bool):
        return "" if term is None else str(term)
    vocabulary = source or vocabulary_of(where.rstrip("."), str(original.get("key")))
    vocab = current_runtime().vocabularies.get(vocabulary, None) if vocabulary else None
    found = vocab.get(str(term)) if vocab is not None else None
    return f"{found.label(i18n.current_lang())} ({term})" if found is not None else str(term)


def _actor() -> Actor:
    # portal.auth is not typed yet: its actor, as the catalogue types it.
    return cast(Callable[[], Actor], auth.current_actor)()


def _service() -> ReviewService:
    return ReviewService(current_runtime().resources)


def _review_of(resource_id: str) -> dict[str, Any] | None:
    return _service().get(resource_id)


def _vocabulary_terms(vocabulary: str | None) -> list[tuple[str, str]]:
    if not vocabulary:
        return []
    vocab = current_runtime().vocabularies.get(vocabulary, None)
    lang = i18n.current_lang()
    return [(t.id, t.label(lang)) for t in vocab] if vocab is not None else []


@bp.route("/")
@login_required
def queue() -> str:
    status = request.args.get("status", "to_review")
    if status not in REVIEW_STATUSES:
        abort(404)
    try:
        page = min(max(1, int(request.args.get("page", 1))), MAX_PAGE)
    except ValueError:
        page = 1
    service = _service()
    items, total = service.queue(status=status, page=page, size=PAGE_SIZE)
    counts = {s: service.count(s) for s in REVIEW_STATUSES}
    return render_template(
        "staff/review_queue.html",
        items=items,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        status=status,
        statuses=REVIEW_STATUSES,
        counts=counts,
        form=ReviewForm(),
    )


@bp.route("/<rid>")
@login_required
def record(rid: str) -> str:
    review = _service().get(rid)
    if review is None:
        abort(404)
    view = current_runtime().resources.get(rid)
    notes = [
        {"index": i, "note": note, "vocabulary": vocabulary_for(view.record, note)}
        for i, note in enumerate(review["notes"])
    ]
    return render_template(
        "staff/review.html",
        view=view,
        review=review,
        notes=notes,
        actions=ACTIONS,
        form=ReviewForm(),
    )


@bp.route("/<rid>/notes/<number>", methods=["POST"])
@roles_required(*EDITORS)
def resolve(rid: str, number: str) -> ResponseReturnValue:
    form = ReviewForm()
    if not form.validate_on_submit():
        abort(400)
    if not number.isdigit() or len(number) > 6:
        abort(404)
    index = int(number)
    action = request.form.get("action", "")
    term = request.form.get("term") or None
    with support.refusal_as_message(rid):
        status = _service().resolve(_actor(), rid, index, action, term)
        flash(_status_message(status), "success")
    return redirect(url_for("review.record", rid=rid) + f"#note-{index}")


@bp.route("/<rid>/accept-all", methods=["POST"])
@roles_required(*EDITORS)
def accept_all(rid: str) -> ResponseReturnValue:
    form = ReviewForm()
    if not form.validate_on_submit():
        abort(400)
    with support.refusal_as_message(rid):
        status = _service().accept_all(_actor(), rid)
        flash(_status_message(status), "success")
    return redirect(url_for("review.record", rid=rid))


def _status_message(status: str) -> str:
    if status == "reviewed":
        return gettext("Review done: the record can be submitted for validation.")
    return gettext("Note settled.")


@bp.route("/template.xlsx")
@login_required
def template() -> Response:
    data = template_xlsx(current_runtime().vocabularies)
    return _download(
        data,
        "mawarid-modele.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@bp.route("/template.csv")
@login_required
def template_as_csv() -> Response:
    return _download(template_csv(), "mawarid-modele.csv", "text/csv; charset=utf-8")


def _download(data: bytes, name: str, mimetype: str) -> Response:
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/import", methods=["POST"])
@roles_required(*EDITORS)
def upload() -> ResponseReturnValue:
    form = ReviewForm()
    if not form.validate_on_submit():
        abort(400)
    upload = request.files.get("file")
    name = secure_filename(upload.filename or "") if upload else ""
    if not upload or not name.lower().endswith(UPLOAD_SUFFIXES):
        flash(
            gettext("Choose a spreadsheet (XLSX, CSV), an XML file, a zip or JSON lines."), "error"
        )
        return redirect(url_for("review.queue"))
    with tempfile.TemporaryDirectory(prefix="mawarid-upload-") as folder:
        path = Path(folder) / name
        upload.save(path)
        report = Importer(current_runtime().resources, actor=_actor()).run([path])
    flash(report.summary(), "success" if report.exit_code == 0 else "error")
    for source, reason in report.refused[:20]:
        flash(f"{source}: {reason}", "error")
    return redirect(url_for("review.queue"))
