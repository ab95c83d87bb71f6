"""The ``mawarid`` console command.

One click group; each area's commands live in a module of this package and are listed
in :data:`MODULES`. Commands parse their arguments, call the services of the running
instance (:func:`mawarid.cli.base.runtime`) and print what happened; only ``serve``
creates the web app. Help is shown in the reader's language (``LANG``), grouped by job.
"""

from __future__ import annotations

import importlib

import click

from core.messages import N_

from .. import __version__
from .base import Group, Instance, start

#: Modules contributing commands (each exports ``COMMANDS``), the one place they are listed.
MODULES = (
    "mawarid.cli.catalogue",
    "mawarid.cli.index",
    "mawarid.cli.harvest",
    "mawarid.cli.diffusion",
    "mawarid.cli.serve",
    "mawarid.cli.notify",
)


class MawaridGroup(Group):
    sections = (
        (
            N_("Catalogue"),
            ("import", "export", "demo", "submit", "decide", "publish", "withdraw", "provenance"),
        ),
        (N_("Search index"), ("reindex", "index")),
        (N_("Partners"), ("harvest-oai", "sources", "harvest")),
        (N_("Diffusion"), ("campaign", "usage")),
        (N_("Administration"), ("serve", "user", "notify", "db")),
    )


@click.group(
    cls=MawaridGroup,
    help=N_("Mawarid: catalogue and search portal of the LNRN's digital educational resources."),
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(__version__, "--version", prog_name="mawarid", message="%(prog)s %(version)s")
@click.pass_context
def main(ctx: click.Context) -> None:
    start(ctx, ctx.obj if isinstance(ctx.obj, Instance) else None)


def _register() -> None:
    for name in MODULES:
        for command in importlib.import_module(name).COMMANDS:
            main.add_command(command)


_register()
