"""Staff pages of the diffusion area: usage dashboards, campaigns, bundles, reports.

Every page is a thin skin: it parses arguments, calls ``runtime.diffusion``
services and renders one data dict (HTML, or JSON with the ``.json`` routes).
Any staff member sees the dashboards; running campaigns needs ``admin`` or
``indexer`` (the services check again). Refusals are shown in the interface
language, never as a 500; a refused installation report lists every faulty
line and column.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

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

from diffusion.charts import bar_chart, line_chart
from diffusion.csv_export import REPORTS, report_csv
from diffusion.dashboards import Period
from diffusion.errors import DiffusionError, ReportRefused

from ..auth import current_actor, login_required, roles_required
from ..context import current_runtime
from ..i18n import current_lang

bp = Blueprint("diffusion", __name__, url_prefix="/staff/diffusion")

_LABELS = json.loads(
    (Path(__file__).resolve().parents[2] / "diffusion" / "data" / "ui_labels.json").read_text(
        "utf-8"
    )
)
CAMPAIGN_ROLES = ("admin", "indexer")


def L(key: str, **params) -> str:
    entry = _LABELS.get(key)
    if entry is None:
        return key
    text = entry.get(current_lang()) or entry["fr"]
    return text.format(**params) if params else text


@bp.context_processor
def _staff_context():
    # portal.auth.forbidden() renders the console's 403 page, which needs the
    # console's template helpers; they are registered on the staff blueprint only.
    try:
        from ..auth import can
        from . import staff_support
    except ImportError:  # pragma: no cover - the console is part of the portal
        return {}
    return {"staff_actor": current_actor, "staff_can": can, "staff": staff_support.helpers}


@bp.record_once
def _register_labels(state) -> None:
    # A global (not a context processor) so that imported macros see it too.
    state.app.jinja_env.globals["dL"] = L


def _services():
    return current_runtime().diffusion


def _period() -> Period:
    def day(name: str) -> date | None:
        value = request.args.get(name, "").strip()
        try:
            return date.fromisoformat(value) if value else None
        except ValueError:
            return None

    return Period(start=day("start"), end=day("end"))


def _pick(labels: dict, lang: str) -> str:
    return labels.get(lang) or labels.get("fr") or next(iter(labels.values()), "")


# Dashboards -------------------------------------------------------------------------


@bp.get("/", defaults={"fmt": "html"})
@bp.get("/usage.json", defaults={"fmt": "json"})
@login_required
def dashboard(fmt: str):
    reports = _services().reports
    period = _period()
    granularity = "day" if request.args.get("granularity") == "day" else "month"
    data = {
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
    if fmt == "json":
        return jsonify(data)
    lang = current_lang()
    rtl = lang == "ar"
    req = ("total_requests", "unique_requests", "total_investigations", "unique_investigations")
    sections = [
        {
            "id": "resources",
            "caption": L("top_resources"),
            "csv": "resources",
            "chart": bar_chart(
                [
                    (_pick(r["title"], lang) or r["resource_id"], r["total_requests"])
                    for r in data["resources"]
                ],
                title=L("top_resources") + " — " + L("total_requests"),
                desc=L("chart_desc_bars"),
                rtl=rtl,
            ),
            "header": [L("resource"), *(L(m) for m in req)],
            "rows": [
                [_pick(r["title"], lang) or r["resource_id"], *(r[m] for m in req)]
                for r in data["resources"]
            ],
        }
    ]
    for key in ("cycles", "levels", "subjects"):
        caption = L("by_" + key[:-1])
        sections.append(
            {
                "id": key,
                "caption": caption,
                "csv": key,
                "chart": bar_chart(
                    [(_pick(r["labels"], lang), r["total_requests"]) for r in data[key][:15]],
                    title=caption + " — " + L("total_requests"),
                    desc=L("chart_desc_bars"),
                    rtl=rtl,
                ),
                "header": [L("term"), *(L(m) for m in req)],
                "rows": [[_pick(r["labels"], lang), *(r[m] for m in req)] for r in data[key]],
            }
        )
    series = data["series"]
    sections.append(
        {
            "id": "series",
            "caption": L("over_time") + " — " + L("daily" if granularity == "day" else "monthly"),
            "csv": "daily" if granularity == "day" else "monthly",
            "chart": line_chart(
                [s["period"] for s in series],
                [
                    (L("total_requests"), [s["total_requests"] for s in series]),
                    (L("total_investigations"), [s["total_investigations"] for s in series]),
                ],
                title=L("over_time"),
                desc=L("chart_desc_lines"),
            ),
            "header": [L("period"), *(L(m) for m in req)],
            "rows": [[s["period"], *(s[m] for m in req)] for s in series],
        }
    )
    region_keys = ("planned", "delivered", "installed", "establishments_installed", "failed")
    sections.append(
        {
            "id": "regions",
            "caption": L("by_region"),
            "csv": "regions",
            "chart": bar_chart(
                [(_pick(r["labels"], lang), r["installed"]) for r in data["regions"]],
                title=L("by_region") + " — " + L("installed"),
                desc=L("chart_desc_bars"),
                rtl=rtl,
            ),
            "header": [L("region"), *(L(k) for k in region_keys)],
            "rows": [
                [_pick(r["labels"], lang), *(r[k] for k in region_keys)] for r in data["regions"]
            ],
        }
    )
    json_url = url_for(".dashboard", fmt="json", **request.args)
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


def _with_twin(html: str, json_url: str, status: int = 200) -> Response:
    response = Response(html, status=status, mimetype="text/html")
    response.headers["Link"] = f'<{json_url}>; rel="alternate"; type="application/json"'
    return response


@bp.get("/export/<name>.csv")
@login_required
def export(name: str):
    if name not in REPORTS:
        abort(404)
    body = report_csv(_services().reports, name, _period())
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


def _lines(name: str) -> list[str]:
    return [line.strip() for line in request.form.get(name, "").splitlines() if line.strip()]


def _filters(text: str) -> dict[str, list[str]]:
    filters: dict[str, list[str]] = {}
    for part in text.replace("\n", ",").split(","):
        key, sep, value = part.partition("=")
        if sep and key.strip() and value.strip():
            filters.setdefault(key.strip(), []).append(value.strip())
    return filters


@bp.get("/campaigns", defaults={"fmt": "html"})
@bp.get("/campaigns.json", defaults={"fmt": "json"})
@login_required
def campaigns(fmt: str):
    items = [c.to_dict() for c in _services().campaigns.list()]
    if fmt == "json":
        return jsonify({"campaigns": items})
    return _campaigns_page(items)


def _campaigns_page(items, *, error: DiffusionError | None = None, status: int = 200):
    runtime = current_runtime()
    actor = current_actor()
    return render_template(
        "diffusion/campaigns.html",
        campaigns=items,
        error=error,
        form=request.form,
        regions=list(runtime.vocabularies["region"].terms.values()),
        channels=list(runtime.vocabularies["diffusion_channel"].terms.values()),
        lang=current_lang(),
        can_run=bool(actor and set(actor.roles) & set(CAMPAIGN_ROLES)),
    ), status


@bp.post("/campaigns")
@roles_required(*CAMPAIGN_ROLES)
def create_campaign():
    form = request.form
    ids = _lines("resource_ids")
    query = None
    if form.get("q", "").strip() or form.get("filters", "").strip():
        query = {"q": form.get("q", ""), "filters": _filters(form.get("filters", ""))}
    establishments = []
    for line in _lines("establishments"):
        region, _, rest = line.partition(";")
        code, _, name = rest.partition(";")
        establishments.append(
            {"region": region.strip(), "code": code.strip(), "name": name.strip()}
        )
    try:
        view = _services().campaigns.create(
            current_actor(),
            code=form.get("code", "").strip(),
            title={"fr": form.get("title_fr", ""), "ar": form.get("title_ar", "")},
            channel=form.get("channel", ""),
            query=query,
            resource_ids=ids if ids else None,
            regions=form.getlist("regions"),
            establishments=establishments,
        )
    except DiffusionError as exc:
        return _campaigns_page(
            [c.to_dict() for c in _services().campaigns.list()], error=exc, status=400
        )
    flash(L("created"), "success")
    return redirect(url_for(".campaign", code=view.code))


@bp.get("/campaigns/<code>", defaults={"fmt": "html"})
@bp.get("/campaigns/<code>.json", defaults={"fmt": "json"})
@login_required
def campaign(code: str, fmt: str):
    return _campaign_page(code, fmt)


def _campaign_page(
    code: str, fmt: str = "html", *, error: DiffusionError | None = None, status: int = 200
):
    services = _services()
    try:
        view = services.campaigns.get(code)
    except DiffusionError:
        abort(404)
    regions = services.campaigns.status(code)
    data = {"campaign": view.to_dict(), "regions": [r.to_dict() for r in regions]}
    if fmt == "json":
        return jsonify(data)
    lang = current_lang()
    resources = services.reports.titles
    actor = current_actor()
    chart = bar_chart(
        [(_pick(r.labels, lang), r.installed) for r in regions],
        title=L("status_per_region") + " — " + L("installed"),
        desc=L("chart_desc_bars"),
        rtl=lang == "ar",
    )
    runtime = current_runtime()
    json_url = url_for(".campaign", code=code, fmt="json")
    return _with_twin(
        render_template(
            "diffusion/campaign.html",
            data=data,
            campaign=view,
            regions=regions,
            chart=chart,
            lang=lang,
            titles={rid: resources(rid) for rid in view.resource_ids[:200]},
            error=error,
            channel=runtime.vocabularies["diffusion_channel"].get(view.channel),
            can_run=bool(actor and set(actor.roles) & set(CAMPAIGN_ROLES)),
            alternate_json=json_url,
        ),
        json_url,
        status,
    )


@bp.post("/campaigns/<code>/ship")
@roles_required(*CAMPAIGN_ROLES)
def ship(code: str):
    try:
        when = date.fromisoformat(request.form["date"]) if request.form.get("date") else None
    except ValueError:
        when = None
    try:
        _services().campaigns.ship(
            current_actor(),
            code,
            region=request.form.get("region", ""),
            quantity=request.form.get("quantity", ""),
            on=when,
            establishment_code=request.form.get("establishment_code", ""),
        )
    except DiffusionError as exc:
        return _campaign_page(code, error=exc, status=400)
    flash(L("shipped"), "success")
    return redirect(url_for(".campaign", code=code))


@bp.post("/campaigns/<code>/shipments/<int:shipment_id>/deliver")
@roles_required(*CAMPAIGN_ROLES)
def deliver(code: str, shipment_id: int):
    try:
        _services().campaigns.deliver(current_actor(), shipment_id)
    except DiffusionError as exc:
        return _campaign_page(code, error=exc, status=400)
    flash(L("delivered_ok"), "success")
    return redirect(url_for(".campaign", code=code))


@bp.post("/campaigns/<code>/report")
@roles_required(*CAMPAIGN_ROLES)
def import_report(code: str):
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
    flash(L("imported", n=result.lines), "success")
    return redirect(url_for(".campaign", code=code))


@bp.post("/campaigns/<code>/bundle")
@roles_required(*CAMPAIGN_ROLES)
def bundle(code: str):
    try:
        result = _services().bundles.build(code, make_zip=True)
    except DiffusionError:
        abort(404)
    return send_file(
        result.zip_path,
        mimetype="application/zip",
        as_attachment=True,
        download_name=result.zip_path.name,
    )


@bp.errorhandler(ReportRefused)
def _refused(exc):  # pragma: no cover - every caller catches DiffusionError first
    return _campaign_page(request.view_args.get("code", ""), error=exc, status=400)
