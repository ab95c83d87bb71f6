"""Staff pages of the diffusion area: usage dashboards, campaigns, bundles, reports.

Every page is a thin skin: it parses arguments, calls ``runtime.diffusion``
services and renders one data dict as a page of the console, or as JSON on its
``….json`` twin (a route of its own, so a link to a page is never the twin).
Any staff member sees the dashboards; running campaigns needs ``admin`` or
``indexer`` (the services check again). A refused form comes back with what was
typed and each error next to its field, in the reader's language; a refused
installation report lists every faulty line and column.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.wrappers import Response as BaseResponse

from catalogue.services.actors import PERMISSIONS
from core.messages import gettext as translate
from diffusion.campaigns import STAGE_LABELS
from diffusion.charts import bar_chart, line_chart
from diffusion.csv_export import REPORTS, report_csv
from diffusion.dashboards import FIGURE_LABELS, Period
from diffusion.errors import CampaignNotFound, DiffusionError

from ..auth import current_actor, login_required, roles_required
from ..context import current_runtime
from ..i18n import current_lang
from . import diffusion_forms
from ._args import DashboardArgs, load_args

bp = Blueprint("diffusion", __name__, url_prefix="/staff/diffusion")

CAMPAIGN_ROLES = tuple(sorted(PERMISSIONS["campaign"]))
#: Figures shown in the dashboard's tables, in column order.
REQUESTS = ("total_requests", "unique_requests", "total_investigations", "unique_investigations")
REGION_FIGURES = ("planned", "delivered", "installed", "establishments_installed", "failed")


def figure(name: str) -> str:
    return translate(FIGURE_LABELS[name])


@bp.record_once
def _register_helpers(state: Any) -> None:
    # Globals (not a context processor) so that imported macros see them too.
    state.app.jinja_env.globals.update(diffusion_figure=figure, diffusion_stage=_stage)


def _stage(stage: str) -> str:
    return translate(STAGE_LABELS[stage]) if stage in STAGE_LABELS else stage


def _services() -> Any:
    return current_runtime().diffusion


def _dashboard_args() -> tuple[Period, str]:
    """The period and step asked for; a malformed one is a 400 naming it."""
    args = load_args(DashboardArgs())
    return Period(start=args["start"], end=args["end"]), args["granularity"]


def _pick(labels: dict[str, str], lang: str) -> str:
    return labels.get(lang) or labels.get("fr") or next(iter(labels.values()), "")


def _can_run() -> bool:
    actor = current_actor()
    return bool(actor and set(actor.roles) & set(CAMPAIGN_ROLES))


def _with_twin(html: str, json_url: str, status: int = 200) -> Response:
    response = Response(html, status=status, mimetype="text/html")
    response.headers["Link"] = f'<{json_url}>; rel="alternate"; type="application/json"'
    return response


# Dashboards -------------------------------------------------------------------------


def _dashboard_data(period: Period, granularity: str) -> dict[str, Any]:
    reports = _services().reports
    return {
        "period": period.to_dict(),
        "granularity": granularity,
        "totals": reports.totals(period),
        "resources": reports.top_resources(limit=15, period=period),
        "cycles": reports.by_dimension("cycle", period=period),
        "levels": reports.by_dimension("level", period=period),
        "subjects": reports.by_dimension("subject", period=period),
        "series": reports.series(granularity=granularity, period=period),
        "regions": reports.by_region(),
    }


@bp.get("/usage.json")
@login_required
def dashboard_json() -> Response:
    return jsonify(_dashboard_data(*_dashboard_args()))


@bp.get("/")
@login_required
def dashboard() -> Response:
    period, granularity = _dashboard_args()
    data = _dashboard_data(period, granularity)
    lang = current_lang()
    rtl = lang == "ar"
    header = [figure(m) for m in REQUESTS]
    top = _("Most used resources")
    sections = [
        {
            "id": "resources",
            "caption": top,
            "csv": "resources",
            "chart": bar_chart(
                [
                    (_pick(r["title"], lang) or r["resource_id"], r["total_requests"])
                    for r in data["resources"]
                ],
                title=_("%(what)s: %(figure)s", what=top, figure=figure("total_requests")),
                desc=_("Horizontal bars, one per row of the table that follows."),
                rtl=rtl,
            ),
            "header": [_("Resource"), *header],
            "rows": [
                [_pick(r["title"], lang) or r["resource_id"], *(r[m] for m in REQUESTS)]
                for r in data["resources"]
            ],
        }
    ]
    captions = {
        "cycles": _("Use by cycle"),
        "levels": _("Use by level"),
        "subjects": _("Use by subject"),
    }
    for key, caption in captions.items():
        sections.append(
            {
                "id": key,
                "caption": caption,
                "csv": key,
                "chart": bar_chart(
                    [(_pick(r["labels"], lang), r["total_requests"]) for r in data[key][:15]],
                    title=_("%(what)s: %(figure)s", what=caption, figure=figure("total_requests")),
                    desc=_("Horizontal bars, one per row of the table that follows."),
                    rtl=rtl,
                ),
                "header": [_("Term"), *header],
                "rows": [[_pick(r["labels"], lang), *(r[m] for m in REQUESTS)] for r in data[key]],
            }
        )
    series = data["series"]
    over_time = _("Use per day") if granularity == "day" else _("Use per month")
    sections.append(
        {
            "id": "series",
            "caption": over_time,
            "csv": "daily" if granularity == "day" else "monthly",
            "chart": line_chart(
                [s["period"] for s in series],
                [
                    (figure("total_requests"), [s["total_requests"] for s in series]),
                    (figure("total_investigations"), [s["total_investigations"] for s in series]),
                ],
                title=over_time,
                desc=_("Curves over time; the values are in the table that follows."),
            ),
            "header": [_("Period"), *header],
            "rows": [[s["period"], *(s[m] for m in REQUESTS)] for s in series],
        }
    )
    by_region = _("Diffusion by region (campaigns)")
    sections.append(
        {
            "id": "regions",
            "caption": by_region,
            "csv": "regions",
            "chart": bar_chart(
                [(_pick(r["labels"], lang), r["installed"]) for r in data["regions"]],
                title=_("%(what)s: %(figure)s", what=by_region, figure=figure("installed")),
                desc=_("Horizontal bars, one per row of the table that follows."),
                rtl=rtl,
            ),
            "header": [_("Region"), *(figure(k) for k in REGION_FIGURES)],
            "rows": [
                [_pick(r["labels"], lang), *(r[k] for k in REGION_FIGURES)] for r in data["regions"]
            ],
        }
    )
    args: dict[str, Any] = request.args.to_dict()
    json_url = url_for(".dashboard_json", **args)
    return _with_twin(
        render_template(
            "diffusion/dashboard.html",
            data=data,
            sections=sections,
            lang=lang,
            alternate_json=json_url,
        ),
        json_url,
    )


@bp.get("/export/<name>.csv")
@login_required
def export(name: str) -> Response:
    if name not in REPORTS:
        abort(404)
    body = report_csv(_services().reports, name, _dashboard_args()[0])
    stamp = date.today().isoformat()
    return Response(
        body,
        mimetype="text/csv",
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="mawarid-{name}-{stamp}.csv"',
        },
    )


# Campaigns ---------------------------------------------------------------------------


@bp.get("/campaigns.json")
@login_required
def campaigns_json() -> Response:
    return jsonify({"campaigns": [c.to_dict() for c in _services().campaigns.list()]})


@bp.get("/campaigns")
@login_required
def campaigns() -> Response:
    return _campaigns_page()


def _campaigns_page(*, error: DiffusionError | None = None, status: int = 200) -> Response:
    runtime = current_runtime()
    lang = current_lang()
    items = [c.to_dict() for c in _services().campaigns.list()]
    for item in items:
        item["selection_text"] = diffusion_forms.selection_text(item["selection"])
    json_url = url_for(".campaigns_json")
    return _with_twin(
        render_template(
            "diffusion/campaigns.html",
            campaigns=items,
            error=error,
            field_errors=error.field_errors() if error else {},
            form=request.form,
            regions=list(runtime.vocabularies["region"].terms.values()),
            channels=list(runtime.vocabularies["diffusion_channel"].terms.values()),
            lang=lang,
            can_run=_can_run(),
            alternate_json=json_url,
        ),
        json_url,
        status,
    )


@bp.post("/campaigns")
@roles_required(*CAMPAIGN_ROLES)
def create_campaign() -> BaseResponse:
    try:
        view = _services().campaigns.create(
            current_actor(), **diffusion_forms.campaign_arguments(request.form)
        )
    except DiffusionError as exc:
        return _campaigns_page(error=exc, status=422)
    flash(_("Campaign created"), "success")
    return redirect(url_for(".campaign", code=view.code))


@bp.get("/campaigns/<code>.json")
@login_required
def campaign_json(code: str) -> Response:
    services = _services()
    try:
        view = services.campaigns.get(code)
    except CampaignNotFound:
        abort(404)
    regions = services.campaigns.status(code)
    return jsonify({"campaign": view.to_dict(), "regions": [r.to_dict() for r in regions]})


@bp.get("/campaigns/<code>")
@login_required
def campaign(code: str) -> Response:
    return _campaign_page(code)


def _campaign_page(
    code: str, *, error: DiffusionError | None = None, status: int = 200
) -> Response:
    services = _services()
    try:
        view = services.campaigns.get(code)
    except CampaignNotFound:
        abort(404)
    regions = services.campaigns.status(code)
    lang = current_lang()
    status_title = _("Status by region")
    chart = bar_chart(
        [(_pick(r.labels, lang), r.installed) for r in regions],
        title=_("%(what)s: %(figure)s", what=status_title, figure=figure("installed")),
        desc=_("Horizontal bars, one per row of the table that follows."),
        rtl=lang == "ar",
    )
    runtime = current_runtime()
    titles = services.reports.titles
    json_url = url_for(".campaign_json", code=code)
    return _with_twin(
        render_template(
            "diffusion/campaign.html",
            campaign=view,
            selection=diffusion_forms.selection_text(view.selection),
            regions=regions,
            chart=chart,
            lang=lang,
            titles={rid: titles(rid) for rid in view.resource_ids[:200]},
            resource_count=ngettext(
                "%(num)d resource", "%(num)d resources", len(view.resource_ids)
            ),
            error=error,
            field_errors=error.field_errors() if error else {},
            form=request.form,
            channel=runtime.vocabularies["diffusion_channel"].get(view.channel),
            can_run=_can_run(),
            alternate_json=json_url,
        ),
        json_url,
        status,
    )


@bp.post("/campaigns/<code>/ship")
@roles_required(*CAMPAIGN_ROLES)
def ship(code: str) -> BaseResponse:
    try:
        _services().campaigns.ship(
            current_actor(), code, **diffusion_forms.shipment_arguments(request.form)
        )
    except DiffusionError as exc:
        return _campaign_page(code, error=exc, status=422)
    flash(_("Shipment planned"), "success")
    return redirect(url_for(".campaign", code=code))


@bp.post("/campaigns/<code>/shipments/<int:shipment_id>/deliver")
@roles_required(*CAMPAIGN_ROLES)
def deliver(code: str, shipment_id: int) -> BaseResponse:
    try:
        _services().campaigns.deliver(current_actor(), shipment_id)
    except DiffusionError as exc:
        return _campaign_page(code, error=exc, status=422)
    flash(_("Shipment marked delivered"), "success")
    return redirect(url_for(".campaign", code=code))


@bp.post("/campaigns/<code>/report")
@roles_required(*CAMPAIGN_ROLES)
def import_report(code: str) -> BaseResponse:
    upload = request.files.get("report")
    data = upload.read() if upload else b""
    try:
        result = _services().installations.import_report(
            current_actor(),
            code,
            filename=(upload.filename if upload else "") or "report.csv",
            data=data,
        )
    except DiffusionError as exc:
        return _campaign_page(code, error=exc, status=400)
    flash(
        ngettext("Report imported: %(num)d line", "Report imported: %(num)d lines", result.lines),
        "success",
    )
    return redirect(url_for(".campaign", code=code))


@bp.post("/campaigns/<code>/bundle")
@roles_required(*CAMPAIGN_ROLES)
def bundle(code: str) -> BaseResponse:
    try:
        result = _services().bundles.build(code, make_zip=True)
    except CampaignNotFound:
        abort(404)
    return send_file(
        result.zip_path,
        mimetype="application/zip",
        as_attachment=True,
        download_name=result.zip_path.name,
    )
