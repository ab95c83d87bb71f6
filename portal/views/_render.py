"""One data dict, two skins: an HTML page or its JSON twin (Datasette style).

:func:`render` picks JSON for ``fmt="json"`` (the ``.json`` routes) and HTML
otherwise; the HTML answer announces its twin with ``Link: <…>; rel="alternate";
type="application/json"`` and a ``<link rel="alternate">`` in the page head.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Response, jsonify, make_response, render_template, request

from ._present import runtime

log = logging.getLogger(__name__)


def render(
    template: str,
    data: Mapping[str, Any],
    *,
    fmt: str = "html",
    json_url: str | None = None,
    status: int = 200,
    html_context: Mapping[str, Any] | None = None,
) -> Response:
    if fmt == "json":
        response = jsonify(data)
    else:
        context = dict(html_context or {})
        response = make_response(
            render_template(template, data=data, alternate_json=json_url, **context)
        )
        if json_url:
            response.headers["Link"] = f'<{json_url}>; rel="alternate"; type="application/json"'
    response.status_code = status
    return response


def record_usage(kind: str, resource_id: str) -> None:
    """Count a visit; the diffusion service hashes ip and user agent, we never keep them."""
    try:
        runtime().diffusion.usage.record(
            kind, resource_id, ip=request.remote_addr, user_agent=request.user_agent.string or None
        )
    except Exception:  # a statistic is never worth a broken page
        log.exception("usage event %s for %s not recorded", kind, resource_id)
