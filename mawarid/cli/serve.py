"""``mawarid serve``: the portal in production — gunicorn workers on Linux, waitress elsewhere.

Before serving it says what is unsafe about the set-up (:func:`warnings`): listening
beyond this machine without ``MAWARID_TRUSTED_HOSTS`` (any Host header is answered) or
without ``MAWARID_BASE_URL`` (links would name the listening address). Each serving process
drains the index journal in the background (:meth:`Runtime.start_background`).
"""

from __future__ import annotations

import ipaddress

import click

from core.messages import N_, Message, gettext
from core.settings import DEFAULT_HOST, DEFAULT_PORT, Settings

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
    for warning in warnings(settings, host, explicit_base_url=bool(inst.settings.base_url)):
        click.echo(gettext(N_("Warning: %(warning)s"), warning=warning), err=True)
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


def is_loopback(host: str) -> bool:
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def warnings(settings: Settings, host: str, *, explicit_base_url: bool) -> list[Message]:
    """What is unsafe in serving ``settings`` on ``host`` (nothing on loopback)."""
    if is_loopback(host):
        return []
    found = []
    if not settings.trusted_hosts:
        found.append(
            Message(
                N_(
                    "the portal listens on %(host)s and answers any Host header: set "
                    "MAWARID_TRUSTED_HOSTS to the names it is reached by"
                ),
                host=host,
            )
        )
    if not explicit_base_url:
        found.append(
            Message(
                N_(
                    "MAWARID_BASE_URL is not set: links, OAI-PMH and the API name "
                    "%(url)s; set it to the public address"
                ),
                url=settings.public_base_url(),
            )
        )
    return found


COMMANDS = [serve]
