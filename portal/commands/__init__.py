"""CLI commands, one module per area, each exposing ``COMMANDS`` (a list of click commands)."""
from __future__ import annotations

import importlib

import click

_MODULES = ("serve", "catalogue", "index", "diffusion")


def register(group: click.Group) -> None:
    for name in _MODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        for command in module.COMMANDS:
            group.add_command(command)
