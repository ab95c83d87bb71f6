"""The ``mawarid`` command: Flask's CLI over :func:`portal.create_app`.

Each area contributes a click group or commands in ``portal/commands/``; they
only parse arguments and call services.
"""

from __future__ import annotations

import click
from flask.cli import FlaskGroup

from metadata_schemas.errors import MetadataError

from . import create_app
from .config import ConfigurationError


def _create_app(*_args, **_kwargs):
    # A bad setting or vocabulary file stops start-up with one clear line, not a traceback.
    try:
        return create_app()
    except (ConfigurationError, MetadataError) as exc:
        raise click.ClickException(str(exc)) from None


@click.group(
    cls=FlaskGroup,
    create_app=_create_app,
    add_default_commands=False,
    help="Mawarid: catalogue and search portal of the LNRN's digital resources.",
)
def main() -> None:
    pass


def _register() -> None:
    from .commands import register

    register(main)


_register()
