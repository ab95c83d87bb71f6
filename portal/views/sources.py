"""Staff pages of harvesting (``/staff/sources``): each partner source's state at a glance.

One data dict per page, rendered as HTML or JSON (the ``.json`` routes): every source
with its last run (status, counts), next due run and whether a run holds it now; a
source's page lists its recent runs with their reports (problems and errors in the
reader's language). Any staff member reads; admins add, enable, disable and remove
sources (CSRF-checked POSTs, refusals shown on the page). Runs happen in ``mawarid
harvest`` (cron or the systemd timer), never in a web request.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, jsonify, redirect, render_template, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers.response import Response as WerkzeugResponse
from wtforms import BooleanField, IntegerField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from catalogue.services.harvest_sources import HarvestSources
from catalogue.services.harvest_views import (
    HarvestSourceError,
    RunView,
    SourceSpec,
    SourceView,
)
from catalogue.services.views import iso
from core.messages import N_, gettext

from ..auth import can, current_actor, login_required, roles_required
from ..context import current_runtime
from ..i18n import current_lang
from . import staff_support
from ._errors import error_response

bp = Blueprint("sources", __name__, url_prefix="/staff")
#: Refused records listed on a source's page (its count says how many there are).
REFUSED_SHOWN = 200

#: Labels of the pages (English message ids, read in the reader's language).
LABELS = {
    "title": N_("Harvest sources"),
    "intro": N_(
        "Partner OAI-PMH repositories followed by `mawarid harvest --due` (cron or the "
        "systemd timer). Each run asks for what changed since the last one."
    ),
    "name": N_("Source"),
    "base_url": N_("OAI-PMH address"),
    "format": N_("Format"),
    "sets": N_("Sets"),
    "agreement": N_("Agreement"),
    "mode": N_("Acquisition mode"),
    "intake": N_("Records"),
    "review": N_("to review"),
    "publish": N_("published under the agreement"),
    "records": N_("Records followed"),
    "last_run": N_("Last run"),
    "next_due": N_("Next run"),
    "never": N_("never run"),
    "now": N_("running now"),
    "interrupted_run": N_("cut short: the next run resumes it"),
    "disabled": N_("disabled"),
    "interval": N_("Every (minutes)"),
    "full_every": N_("Full comparison every (days)"),
    "counterpart": N_("Partner"),
    "add": N_("Add a source"),
    "save": N_("Add"),
    "enable": N_("Enable"),
    "disable": N_("Disable"),
    "remove": N_("Remove (its records stay)"),
    "runs": N_("Recent runs"),
    "started": N_("Started"),
    "kind": N_("Kind"),
    "status": N_("Status"),
    "since": N_("From"),
    "problems": N_("Problems"),
    "refused": N_("Refused records, asked again at each run"),
    "open_review": N_("review its notes"),
    "error": N_("Stopped because"),
    "granularity": N_("Granularity"),
    "deleted_record": N_("Deleted records kept"),
    "last_full": N_("Last full comparison"),
    "none": N_("none"),
    "no_sources": N_("No source yet."),
    "command": N_("Run it now from the server:"),
}


class SourceForm(FlaskForm):
    name = StringField(validators=[DataRequired(), Length(max=64)])
    base_url = StringField(validators=[DataRequired(), Length(max=500)])
    metadata_prefix = StringField(default="oai_lom", validators=[DataRequired(), Length(max=64)])
    sets = StringField(validators=[Optional(), Length(max=1000)])
    acquisition_mode = StringField(default="cooperation", validators=[DataRequired()])
    agreement = StringField(validators=[DataRequired(), Length(max=200)])
    counterpart = StringField(validators=[Optional(), Length(max=500)])
    publish = BooleanField()
    interval_minutes = IntegerField(default=1440, validators=[NumberRange(min=1)])
    full_every_days = IntegerField(default=7, validators=[NumberRange(min=1)])


class ActionForm(FlaskForm):
    pass


@bp.context_processor
def _staff_context() -> dict[str, Any]:
    # The console layout's helpers (registered on the staff blueprint only).
    return {"staff_actor": current_actor, "staff_can": can, "staff": staff_support.helpers}


def _service() -> HarvestSources:
    return current_runtime().catalogue.harvest


def _labels(lang: str) -> dict[str, str]:
    return {key: gettext(msgid, lang) for key, msgid in LABELS.items()}


def run_dict(run: RunView, lang: str) -> dict[str, Any]:
    data = run.to_dict(lang)
    data["status_label"] = run.status_label(lang)
    data["kind_label"] = run.kind_label(lang)
    data["counts_line"] = run.counts_line(lang)
    return data


def source_dict(view: SourceView, lang: str) -> dict[str, Any]:
    data = view.to_dict(lang)
    data["last_run"] = run_dict(view.last_run, lang) if view.last_run else None
    data["url"] = url_for("sources.source", name=view.name)
    return data


def _page(template: str, fmt: str, data: dict[str, Any], status: int = 200) -> Any:
    if fmt == "json":
        data = {k: v for k, v in data.items() if k not in ("labels", "form", "action")}
        return jsonify(data), status
    return render_template(template, **data), status


# The JSON rule first in the source, so the HTML one is registered first: url_for() without
# ``fmt`` builds the page's address.
@bp.get("/sources.json", defaults={"fmt": "json"})
@bp.get("/sources", defaults={"fmt": "html"})
@login_required
def sources(fmt: str) -> Any:
    lang = current_lang()
    data = {
        "labels": _labels(lang),
        "sources": [source_dict(v, lang) for v in _service().all()],
        "form": SourceForm(),
        "action": ActionForm(),
    }
    return _page("staff/sources.html", fmt, data)


@bp.get("/sources/<name>.json", defaults={"fmt": "json"})
@bp.get("/sources/<name>", defaults={"fmt": "html"})
@login_required
def source(name: str, fmt: str) -> Any:
    lang = current_lang()
    service = _service()
    try:
        view = service.get(name)
    except HarvestSourceError as exc:
        return error_response(404, exc.message(lang))
    data = {
        "labels": _labels(lang),
        "source": source_dict(view, lang),
        "runs": [run_dict(r, lang) for r in service.runs(name, limit=20)],
        "refused": [
            {"identifier": identifier, "message": message.render(lang)}
            for identifier, message in list(service.refused(name).items())[:REFUSED_SHOWN]
        ],
        "last_full": iso(view.last_full_at),
        "action": ActionForm(),
    }
    return _page("staff/source.html", fmt, data)


@bp.post("/sources")
@roles_required("admin")
def add() -> WerkzeugResponse:
    form = SourceForm()
    lang = current_lang()
    if not form.validate():
        for field, errors in form.errors.items():
            flash(f"{field}: {'; '.join(map(str, errors))}", "error")
        return redirect(url_for("sources.sources"))
    spec = SourceSpec(
        name=form.name.data.strip(),
        base_url=form.base_url.data.strip(),
        metadata_prefix=form.metadata_prefix.data.strip(),
        sets=tuple(s for s in (form.sets.data or "").replace(",", " ").split() if s),
        acquisition_mode=form.acquisition_mode.data.strip(),
        agreement=form.agreement.data,
        counterpart=form.counterpart.data or None,
        publish=bool(form.publish.data),
        interval_minutes=form.interval_minutes.data or 1440,
        full_every_days=form.full_every_days.data or 7,
    )
    actor = current_actor()
    try:
        _service().add(spec, created_by=actor.username if actor else "staff")
    except HarvestSourceError as exc:
        flash(exc.message(lang), "error")
        return redirect(url_for("sources.sources"))
    flash(gettext(N_("Source %(name)s added: %(url)s"), lang, name=spec.name, url=spec.base_url))
    return redirect(url_for("sources.source", name=spec.name))


@bp.post("/sources/<name>/<action>")
@roles_required("admin")
def change(name: str, action: str) -> WerkzeugResponse:
    lang = current_lang()
    if not ActionForm().validate() or action not in ("enable", "disable", "remove"):
        flash(gettext(N_("The request was refused (expired form?): try again."), lang), "error")
        return redirect(url_for("sources.source", name=name))
    service = _service()
    try:
        if action == "remove":
            service.remove(name)
            flash(gettext(N_("Source %(name)s removed; its records stay."), lang, name=name))
            return redirect(url_for("sources.sources"))
        service.set_enabled(name, action == "enable")
    except HarvestSourceError as exc:
        flash(exc.message(lang), "error")
    return redirect(url_for("sources.source", name=name))
