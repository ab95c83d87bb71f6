"""``mawarid serve``: the portal behind waitress, a production WSGI server."""

from __future__ import annotations

import click
from waitress import serve as waitress_serve

from core.messages import N_, gettext
from core.settings import DEFAULT_HOST, DEFAULT_PORT
from portal import create_app

from .base import command, instance


@command("serve")
@click.option("--host", default=DEFAULT_HOST, show_default=True, help=N_("Address to listen on."))
@click.option(
    "--port", default=DEFAULT_PORT, show_default=True, type=int, help=N_("Port to listen on.")
)
@click.option("--threads", default=8, show_default=True, type=int, help=N_("Worker threads."))
def serve(host: str, port: int, threads: int) -> None:
    """Run the portal (teacher search, staff console, JSON API, OAI-PMH)."""
    inst = instance()
    settings = inst.settings
    if not settings.base_url:
        # Links, OAI-PMH baseURL and the OpenAPI servers name the address really served,
        # never the Host header of a request.
        settings = settings.replace(base_url=f"http://{host}:{port}")
    app = create_app(settings=settings)
    click.echo(
        gettext(
            N_("Mawarid on %(url)s (data: %(home)s)"),
            url=settings.public_base_url() + "/",
            home=settings.home,
        )
    )
    waitress_serve(app, host=host, port=port, threads=threads, ident="mawarid")


COMMANDS = [serve]
