"""Staff console (``/staff``): describe, document, validate and publish resources; manage users.

Views are thin: they check the role (``portal.auth``), bind a form, call one
catalogue service and redirect (POST → redirect → GET). The services check the
permissions again and own every rule of the lifecycle; their refusals come back
here as a message on the page, never as a traceback. Every POST carries a CSRF
token (flask-wtf; also checked in :func:`_check_csrf` so the console stays
protected whatever the app-wide set-up).
"""

from __future__ import annotations

import json
from datetime import date

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms.validators import ValidationError

from catalogue.errors import AccountLocked
from catalogue.services.actors import EDITORS as ACTOR_EDITORS
from catalogue.services.completeness import RULES as COMPLETENESS
from catalogue.services.lifecycle import VALIDATION_COMMISSION

from .. import i18n
from .. import record_form as rf
from ..auth import (
    STAFF_ROLES,
    can,
    current_actor,
    login_required,
    login_user,
    logout_user,
    roles_required,
    safe_next,
)
from ..context import current_runtime
from ..extensions import limiter
from ..forms import (
    AcquisitionForm,
    ActionForm,
    DecisionForm,
    DocumentForm,
    LoginForm,
    RecordForm,
    StepForm,
    SubmitForm,
    WithdrawForm,
)
from . import staff_probe, staff_users
from . import staff_support as support

bp = Blueprint("staff", __name__, url_prefix="/staff")

EDITORS = tuple(sorted(ACTOR_EDITORS))
PAGE_SIZE = 25

_login_limit = limiter.limit(lambda: current_runtime().settings.login_rate_limit, methods=["POST"])


#: Uploads (procedure documents) larger than this are refused with 413 before being read.
MAX_UPLOAD = 64 * 1024 * 1024


@bp.record_once
def _secure_defaults(state) -> None:
    # Flask's own defaults already hold SESSION_COOKIE_SAMESITE and MAX_CONTENT_LENGTH
    # as None, so a ``setdefault`` in the app factory never takes effect: the console,
    # which takes logins and uploads, makes sure (an explicit setting still wins).
    config = state.app.config
    if not config.get("SESSION_COOKIE_SAMESITE"):
        config["SESSION_COOKIE_SAMESITE"] = "Lax"
    config["SESSION_COOKIE_HTTPONLY"] = True
    if config.get("MAX_CONTENT_LENGTH") is None:
        config["MAX_CONTENT_LENGTH"] = MAX_UPLOAD


@bp.before_request
def _staff_request() -> None:
    _check_csrf()


@bp.after_app_request  # app-wide: the diffusion console lives under /staff too
def _no_store(response):
    # Console pages hold personal data (accounts, drafts) and CSRF tokens: keep them
    # out of shared caches and of the browser's history after logout. A view that
    # chose its own policy (a download) keeps it.
    if request.path.startswith("/staff"):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


@bp.app_context_processor  # app-wide: other areas' views use the console's guards and 403 page
def _template_helpers() -> dict:
    return {"staff_actor": current_actor, "staff_can": can, "staff": support.helpers}


def _check_csrf() -> None:
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return
    # Forms with a prefix (one per user row) name their token "<prefix>-csrf_token".
    token = next(
        (request.form[k] for k in request.form if k.endswith("csrf_token")),
        request.headers.get("X-CSRFToken"),
    )
    try:
        validate_csrf(token)
    except ValidationError as exc:
        raise CSRFError(exc.args[0]) from None


def _runtime():
    return current_runtime()


# --------------------------------------------------------------------------- login / logout


@bp.route("/login", methods=["GET", "POST"])
@_login_limit
def login():
    form = LoginForm(next=request.args.get("next", ""))
    error = None
    status = 200
    if form.validate_on_submit():
        try:
            actor = _runtime().accounts.authenticate(form.username.data.strip(), form.password.data)
        except AccountLocked as exc:
            # Said for known and unknown names alike (counted per name): no account probing.
            error, status = exc.message(i18n.current_lang()), 429
        else:
            if actor is not None and set(actor.roles) & set(STAFF_ROLES):
                login_user(actor)
                return redirect(safe_next(form.next.data) or url_for("staff.dashboard"))
            # Same words whether the user exists, is inactive or mistyped: no account probing.
            error, status = _("Wrong username or password."), 401
    form.password.data = ""
    return render_template("staff/login.html", form=form, error=error), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    flash(_("You are logged out."), "info")
    return redirect(url_for("staff.login"))


# --------------------------------------------------------------------------- dashboard


@bp.route("/")
@login_required
def dashboard():
    status = request.args.get("status") or None
    if status not in support.STATUSES:
        status = None
    q = (request.args.get("q") or "").strip()[:200]
    page = support.page_number(request.args.get("page"))
    resources = _runtime().resources
    listing = resources.list(status=status, q=q or None, page=page, size=PAGE_SIZE)
    return render_template(
        "staff/dashboard.html",
        listing=support.page_view(listing, page, PAGE_SIZE),
        status=status,
        q=q,
        statuses=support.STATUSES,
        counts=support.status_counts(resources),
    )


# --------------------------------------------------------------------------- records


@bp.route("/resources/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def create():
    form = RecordForm()
    placed, unplaced = {}, []
    if request.method == "POST":
        if request.form.get("detect") in ("file", "url"):
            return _record_page(form, None, {}, [], detected=_detect(form))
        record, placed, unplaced = _checked_record(form, None)
        if record is not None:
            view = _runtime().resources.create_draft(current_actor(), record)
            flash(_("Draft created."), "success")
            return redirect(url_for("staff.resource", rid=view.id))
    return _record_page(form, None, placed, unplaced)


@bp.route("/resources/<rid>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def edit(rid: str):
    view = _runtime().resources.get(rid)
    if request.method == "GET":
        form = RecordForm(data=rf.form_data(view.record))
        form.version.data = str(view.version)
        return _record_page(form, view, {}, [])
    form = RecordForm()
    conflict = None
    if request.form.get("detect") in ("file", "url"):
        return _record_page(form, view, {}, [], detected=_detect(form))
    record, placed, unplaced = _checked_record(form, view.record)
    if record is not None:
        version = form.version.data or ""
        try:
            _runtime().resources.update(
                current_actor(),
                rid,
                record,
                expected_version=int(version) if version.isdigit() else -1,
            )
        except support.StaleVersion:
            conflict = _runtime().resources.get(rid)
        else:
            flash(_("Changes saved."), "success")
            return redirect(url_for("staff.resource", rid=rid))
    return _record_page(form, view, placed, unplaced, conflict=conflict)


def _checked_record(form, base):
    """``(record, {}, [])`` when the form and the schema accept it, else ``(None, placed, unplaced)``.

    Both checks always run, so every problem is shown at once.
    """
    form_ok = form.validate()
    record, origins = rf.record_from_form(form, base=base)
    try:
        record = support.validated(record)
    except support.RecordErrors as exc:
        placed, unplaced = rf.place_errors(exc.errors, origins)
        return None, placed, unplaced
    return (record if form_ok else None), {}, []


def _detect(form: RecordForm) -> dict[str, list[str]]:
    """Fill the technical fields from the file or address (nothing is saved)."""
    notes, problems = staff_probe.detect(form, source=request.form["detect"])
    return {"notes": notes, "problems": problems}


def _record_page(form, view, placed, unplaced, conflict=None, detected=None):
    rf.pad_contributors(form)
    rf.fill_record_choices(form, _runtime().vocabularies, i18n.current_lang())
    invalid = placed or unplaced or form.errors
    status = 409 if conflict else (422 if invalid else 200)
    record, _origins = rf.record_from_form(form, base=view.record if view else None)
    return render_template(
        "staff/record_form.html",
        completeness=COMPLETENESS.assess(record),
        form=form,
        view=view,
        placed=placed,
        unplaced=unplaced,
        conflict=conflict,
        detected=detected,
    ), status


@bp.route("/resources/<rid>")
@login_required
def resource(rid: str):
    resources = _runtime().resources
    view = resources.get(rid)
    provenance = resources.provenance(rid)
    acquisition = AcquisitionForm(data=support.acquisition_data(view), version=str(view.version))
    support.fill_acquisition_choices(acquisition)
    return render_template(
        "staff/resource.html",
        view=view,
        completeness=COMPLETENESS.assess(view.record),
        actor=current_actor(),
        history=resources.history(rid),
        versions=[
            (v, json.dumps(v.record, ensure_ascii=False, indent=2)) for v in resources.versions(rid)
        ],
        provenance=provenance,
        acquisition_form=acquisition,
        step_forms=support.step_forms(provenance),
        step_form=StepForm(),
        submit_form=SubmitForm(),
        action_form=ActionForm(),
        withdraw_form=WithdrawForm(),
        decision_form=DecisionForm(),
        public_url=support.public_url(view),
        provenance_json=json.dumps(provenance, ensure_ascii=False, indent=2, default=str),
    )


@bp.route("/resources/<rid>/acquisition", methods=["POST"])
@roles_required(*EDITORS)
def acquisition(rid: str):
    form = AcquisitionForm()
    support.fill_acquisition_choices(form)
    if not form.validate():
        support.flash_form_errors(form)
        return redirect(url_for("staff.resource", rid=rid) + "#provenance")
    data = {
        k: (form[k].data or "").strip() or None
        for k in ("mode", "reference", "counterpart", "started_on", "completed_on", "note")
    }
    with support.refusal_as_message(rid, anchor="provenance"):
        _runtime().resources.set_acquisition(
            current_actor(), rid, data, expected_version=int(form.version.data)
        )
        flash(_("Provenance saved."), "success")
    return redirect(url_for("staff.resource", rid=rid) + "#provenance")


@bp.route("/resources/<rid>/documents", methods=["POST"])
@roles_required(*EDITORS, "validator")
def document(rid: str):
    prefix = next((k[: -len("-step")] for k in request.form if k.endswith("-step")), "")
    form = DocumentForm(prefix=prefix)
    support.fill_document_choices(form, _runtime().resources.provenance(rid))
    if not form.validate():
        support.flash_form_errors(form)
        return redirect(url_for("staff.resource", rid=rid) + "#documents")
    upload = form.file.data
    with support.refusal_as_message(rid, anchor="documents"):
        result = _runtime().resources.attach_document(
            current_actor(),
            rid,
            step=form.step.data,
            document_type=form.document_type.data,
            filename=upload.filename or "document",
            data=upload.read(),
        )
        sha = result["sha256"]
        flash(_("Document attached (SHA-256 %(sha)s).", sha=sha), "success")
    return redirect(url_for("staff.resource", rid=rid) + "#documents")


@bp.route("/resources/<rid>/steps/<step_id>", methods=["POST"])
@roles_required(*EDITORS)
def step(rid: str, step_id: str):
    """Mark a step of the acquisition procedure done (or in progress, not applicable)."""
    form = StepForm()
    if not form.validate():
        support.flash_form_errors(form)
        return redirect(url_for("staff.resource", rid=rid) + "#documents")
    resources = _runtime().resources
    acquisition = resources.provenance(rid).get("acquisition") or {}
    kept = ("mode", "procedure", "reference", "counterpart", "started_on", "completed_on")
    data = {k: acquisition.get(k) for k in kept if acquisition.get(k)}
    data["steps"] = [
        {
            "id": step_id,
            "status": form.status.data,
            "date": (form.date.data or "").strip() or date.today().isoformat(),
            "note": (form.note.data or "").strip() or None,
        }
    ]
    with support.refusal_as_message(rid, anchor="documents"):
        resources.set_acquisition(
            current_actor(), rid, data, expected_version=int(form.version.data)
        )
        flash(_("Step recorded."), "success")
    return redirect(url_for("staff.resource", rid=rid) + "#documents")


@bp.route("/resources/<rid>/submit", methods=["POST"])
@roles_required(*EDITORS)
def submit(rid: str):
    form = SubmitForm()
    with support.refusal_as_message(rid):
        if form.validate():
            # Refused when incomplete (catalogue/completeness), named field by field.
            _runtime().resources.submit(current_actor(), rid, note=form.note.data or None)
            _runtime().notifier.wake()  # the commission is told by e-mail, after the commit
            flash(_("Resource submitted to the validation commission."), "success")
        else:
            support.flash_form_errors(form)
    return redirect(url_for("staff.resource", rid=rid))


@bp.route("/resources/<rid>/decision", methods=["POST"])
@roles_required("validator", commission=VALIDATION_COMMISSION)
def decide(rid: str):
    form = DecisionForm()
    with support.refusal_as_message(rid, anchor="decision"):
        if form.validate():
            _runtime().resources.decide(
                current_actor(),
                rid,
                commission=VALIDATION_COMMISSION,
                decision=form.decision.data,
                reference=form.reference.data.strip(),
                note=(form.note.data or "").strip() or None,
            )
            _runtime().notifier.wake()  # a refusal is e-mailed to the authors
            flash(_("Decision recorded."), "success")
        else:
            support.flash_form_errors(form)
    return redirect(url_for("staff.resource", rid=rid))


@bp.route("/resources/<rid>/publish", methods=["POST"])
@roles_required(*EDITORS)
def publish(rid: str):
    with support.refusal_as_message(rid):
        _runtime().resources.publish(current_actor(), rid)
        flash(_("Resource published."), "success")
    return redirect(url_for("staff.resource", rid=rid))


@bp.route("/resources/<rid>/withdraw", methods=["POST"])
@roles_required("admin")
def withdraw(rid: str):
    form = WithdrawForm()
    with support.refusal_as_message(rid):
        if form.validate():
            _runtime().resources.withdraw(current_actor(), rid, reason=form.reason.data.strip())
            flash(_("Resource withdrawn from the public portal."), "success")
        else:
            support.flash_form_errors(form)
    return redirect(url_for("staff.resource", rid=rid))


# --------------------------------------------------------------------------- users

staff_users.register(bp)
