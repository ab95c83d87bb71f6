"""CLI commands: one module per area, each exposing ``COMMANDS`` (a list of click commands).

The harvester's commands live beside it in ``harvesters/`` because they call the
same catalogue services as the portal.
"""

from __future__ import annotations

import importlib

import click

_MODULES = (
    "portal.commands.serve",
    "portal.commands.catalogue",
    "portal.commands.index",
    "portal.commands.diffusion",
    "harvesters.commands",
)


def register(group: click.Group) -> None:
    for name in _MODULES:
        module = importlib.import_module(name)
        for command in module.COMMANDS:
            group.add_command(command)
