"""``mawarid serve``: the portal in production — gunicorn workers on Linux, waitress elsewhere."""

from __future__ import annotations

import click

from core.messages import N_, gettext
from core.settings import DEFAULT_HOST, DEFAULT_PORT

from .base import check_port, command, instance
from .serving import gunicorn_available, serve_gunicorn, serve_waitress


@command("serve", help=N_("Run the portal (teacher search, staff console, JSON API, OAI-PMH)."))
@click.option("--host", default=DEFAULT_HOST, show_default=True, help=N_("Address to listen on."))
@click.option(
    "--port", default=DEFAULT_PORT, show_default=True, type=int, help=N_("Port to listen on.")
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help=N_("Worker processes (default: MAWARID_SERVE_WORKERS, 1)."),
)
@click.option(
    "--threads",
    type=click.IntRange(min=1),
    default=None,
    help=N_("Threads per worker process (default: MAWARID_SERVE_THREADS, 8)."),
)
def serve(host: str, port: int, workers: int | None, threads: int | None) -> None:
    inst = instance()
    check_port(host, port)
    settings = inst.settings
    if not settings.base_url:
        # Links, OAI-PMH baseURL and the OpenAPI servers name the address really served,
        # never the Host header of a request.
        settings = settings.replace(base_url=f"http://{host}:{port}")
    workers = workers or settings.serve_workers
    threads = threads or settings.serve_threads
    click.echo(
        gettext(
            N_("Mawarid on %(url)s (data: %(home)s)"),
            url=settings.public_base_url() + "/",
            home=settings.home,
        )
    )
    if gunicorn_available():
        serve_gunicorn(settings, host, port, workers, threads)
        return
    if workers > 1:
        click.echo(gettext(N_("waitress serves with one process: --workers is ignored here.")))
    serve_waitress(settings, host, port, threads)


COMMANDS = [serve]
