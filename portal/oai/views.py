"""``/oai``: the OAI-PMH 2.0 endpoint, GET and POST (application/x-www-form-urlencoded).

The view only gathers the arguments and streams the provider's reply; the
protocol lives in :mod:`portal.oai.provider`. CSRF does not apply here (the
blueprint is exempted in :mod:`portal.extensions`): harvesters POST without a
session and OAI-PMH changes nothing. Every OAI-PMH error is an XML ``<error>``
with HTTP 200, as the protocol wants; even an oversized POST gets one.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Response, request, stream_with_context
from werkzeug.exceptions import RequestEntityTooLarge

from core.messages import N_
from oaipmh.errors import BadArgument

from ..context import current_runtime
from .provider import DataProvider, ProviderSettings
from .tokens import TokenCodec

bp = Blueprint("oai", __name__)

MIMETYPE = "text/xml"  # Werkzeug adds "; charset=utf-8" to text types
_EXTRA_KEY = "oai_provider"


def get_provider() -> DataProvider:
    """The app's provider, built on first use and kept in the runtime."""
    runtime = current_runtime()
    provider = runtime.extras.get(_EXTRA_KEY)
    if provider is None:
        settings = runtime.settings
        codec = TokenCodec(settings.secret(), ttl=settings.oai_token_ttl)
        provider = DataProvider(
            runtime.catalogue.oai,
            codec,
            ProviderSettings.from_settings(settings),
            runtime.vocabularies,
        )
        runtime.extras[_EXTRA_KEY] = provider
    return provider


@bp.route("/oai", methods=["GET", "POST"])
def endpoint() -> Response:
    provider = get_provider()
    if request.method == "POST":
        try:
            items = list(request.form.items(multi=True))
        except RequestEntityTooLarge:
            now = datetime.now(UTC).replace(tzinfo=None)
            reply = provider.error_reply(now, None, BadArgument(N_("the request is too large")))
            return Response(reply.chunks, mimetype=MIMETYPE)
    else:
        items = list(request.args.items(multi=True))
    reply = provider.respond(items)
    if reply.resource_id:
        _record_usage(reply.resource_id)
    response = Response(stream_with_context(reply.chunks), mimetype=MIMETYPE)
    response.call_on_close(reply.close)
    return response


def _record_usage(resource_id: str) -> None:
    """One ``oai`` usage event for a GetRecord; the diffusion service queues it cheaply."""
    current_runtime().diffusion.usage.record(
        "oai", resource_id, ip=request.remote_addr, user_agent=request.headers.get("User-Agent")
    )
