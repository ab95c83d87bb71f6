"""Running ``mawarid`` commands in tests, against an instance the test already holds."""

from __future__ import annotations

from typing import Any

from click.testing import CliRunner, Result

from mawarid.cli import main
from mawarid.cli.base import Instance


def invoke(
    target: Any, *args: Any, input: str | None = None, command=main, **kwargs: Any
) -> Result:
    """Run ``mawarid ARGS`` on ``target`` (a Flask app of the portal, or a runtime).

    The reader's language is French unless ``env`` says otherwise (``env={"LANG": "ar"}``).
    """
    runtime = target.extensions["mawarid"] if hasattr(target, "extensions") else target
    env = {"LANGUAGE": "", "LC_ALL": "", "LC_MESSAGES": "", "LANG": "fr_FR.UTF-8"}
    env.update(kwargs.pop("env", None) or {})
    return CliRunner().invoke(
        command,
        [str(a) for a in args],
        input=input,
        obj=Instance(runtime=runtime),
        env=env,
        catch_exceptions=kwargs.pop("catch_exceptions", False),
        **kwargs,
    )


class Runner:
    """``runner.invoke(command, args)`` on one instance, like click's and Flask's runners."""

    def __init__(self, target: Any) -> None:
        self.target = target

    def invoke(self, command=main, args=(), input: str | None = None, **kwargs: Any) -> Result:
        kwargs.setdefault("catch_exceptions", True)
        return invoke(self.target, *args, input=input, command=command, **kwargs)


def cli_runner(target: Any) -> Runner:
    return Runner(target)
