"""``mawarid serve``: the portal behind waitress, a production WSGI server."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
@with_appcontext
def serve(host: str, port: int, threads: int) -> None:
    """Run the portal with waitress."""
    from waitress import serve as waitress_serve

    app = current_app._get_current_object()
    click.echo(f"Mawarid on http://{host}:{port}/  (data: {app.config['MAWARID_HOME']})")
    waitress_serve(app, host=host, port=port, threads=threads, ident="mawarid")


COMMANDS = [serve]
