"""What every ``mawarid`` command shares: the instance it runs against, help in the reader's
language, and refusals as one clear line instead of a traceback.

* :class:`Instance` is the click context object: the :class:`~core.settings.Settings`
  read once from the environment, the :class:`~mawarid.runtime.Runtime` opened on first
  use (most commands need it, ``--help`` never does) and closed when the command ends.
  Commands call :func:`runtime` or :func:`settings`.
* :class:`Command` / :class:`Group` render help texts through :mod:`core.messages`
  (help strings are English message ids, marked with ``N_``).
* :meth:`Group.invoke` turns every refusal into ``Error: <sentence>``: exit status 2 for
  a setting that cannot be used (:class:`~core.settings.ConfigurationError`, as click
  does for bad usage), 1 for anything else.
"""

from __future__ import annotations

import inspect
import socket
from collections.abc import Callable, Sequence
from typing import Any

import click
from sqlalchemy.exc import SQLAlchemyError

from catalogue.errors import CatalogueError
from core.errors import MawaridError
from core.messages import N_, gettext, language_from_environment, use_language
from core.settings import ConfigurationError, Settings
from indexer import SearchError
from mawarid.runtime import Runtime, build_runtime

from . import click_i18n

#: What a command may refuse with; all but the first are packages not yet on
#: core.errors.MawaridError (each moves in its own change, then leaves this list).
_REFUSALS: tuple[type[Exception], ...] = (
    MawaridError,
    CatalogueError,
    SearchError,
)


class Instance:
    """The instance a command runs against (settings first, the runtime when asked)."""

    def __init__(self, settings: Settings | None = None, runtime: Runtime | None = None) -> None:
        self._settings = settings or (runtime.settings if runtime else None)
        self._runtime = runtime
        self._owned = runtime is None  # a runtime given by the caller is closed by the caller

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = Settings.from_environment()
        return self._settings

    @property
    def runtime(self) -> Runtime:
        if self._runtime is None:
            self._runtime = build_runtime(self.settings)
        return self._runtime

    def close(self) -> None:
        if self._owned and self._runtime is not None:
            self._runtime.close()
            self._runtime = None


def instance() -> Instance:
    ctx = click.get_current_context()
    found = ctx.find_object(Instance)
    if found is None:  # invoked outside ``main`` (a test calling a sub-command directly)
        found = ctx.ensure_object(Instance)
        ctx.call_on_close(found.close)
    return found


def runtime() -> Runtime:
    """The running instance of the current command (opened on first use)."""
    return instance().runtime


def settings() -> Settings:
    return instance().settings


class _Translated:
    """A help text kept as its message id and read in the current language."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.slot = f"_msgid_{name}"

    def __get__(self, obj: object, objtype: type | None = None) -> str | None:
        if obj is None:
            return None
        msgid: str | None = getattr(obj, self.slot, None)
        return gettext(inspect.cleandoc(msgid)) if msgid else msgid

    def __set__(self, obj: object, value: str | None) -> None:
        setattr(obj, self.slot, value)


class Option(click.Option):
    """An option whose help is read in the reader's language."""

    help = _Translated()


def _translated_options(params: list[click.Parameter]) -> None:
    for param in params:
        if type(param) is click.Option:
            # Same fields, translated help: cheaper than spelling cls=Option on every option.
            msgid = param.__dict__.pop("help", None)
            param.__class__ = Option
            param.help = msgid


def _translated_help_option(option: click.Option | None) -> click.Option | None:
    # click builds the --help option once per command, in the language of that first call:
    # keep its message id instead, read in each run's language.
    if option is not None and type(option) is click.Option:
        option.__class__ = Option
        option.help = N_("Show this message and exit.")
    return option


class Command(click.Command):
    """A click command whose help, option help and epilog are read in the reader's language."""

    help = _Translated()
    short_help = _Translated()
    epilog = _Translated()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _translated_options(self.params)

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        return _translated_help_option(super().get_help_option(ctx))


class Group(click.Group):
    """A click group of :class:`Command`\\ s, with help sections and clean refusals."""

    command_class = Command
    group_class = type  # sub-groups are of this same class

    #: ``(section title, command names)`` in the order ``--help`` lists them.
    sections: Sequence[tuple[str, Sequence[str]]] = ()

    help = _Translated()
    short_help = _Translated()
    epilog = _Translated()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _translated_options(self.params)

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        return _translated_help_option(super().get_help_option(ctx))

    def main(self, *args: Any, **kwargs: Any) -> Any:
        # Before parsing: --help and usage errors are read in the reader's language too;
        # the language is the run's only (a caller in the same process keeps its own).
        click_i18n.install()
        with use_language(language_from_environment()):
            return super().main(*args, **kwargs)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        if not self.sections:
            super().format_commands(ctx, formatter)
            return
        listed: set[str] = set()
        for title, names in self.sections:
            rows = []
            for name in names:
                command = self.get_command(ctx, name)
                if command is None or command.hidden:
                    continue
                listed.add(name)
                rows.append((name, command.get_short_help_str(formatter.width - 6 - len(name))))
            if rows:
                with formatter.section(gettext(title)):
                    formatter.write_dl(rows)
        rest = [n for n in self.list_commands(ctx) if n not in listed]
        rows = []
        for name in rest:
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str()))
        if rows:
            with formatter.section(gettext(N_("Other commands"))):
                formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ConfigurationError as exc:
            raise UsageRefusal(str(exc)) from None
        except _REFUSALS as exc:
            raise click.ClickException(" ".join(str(exc).split())) from None
        except SQLAlchemyError as exc:
            detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            raise click.ClickException(
                gettext(N_("database error: %(detail)s"), detail=detail)
            ) from None
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            raise click.ClickException(f"{where}{exc.strerror or exc}") from None


class UsageRefusal(click.ClickException):
    """A setting or an argument that cannot be used: exit status 2, like click's usage errors."""

    exit_code = 2


def command(name: str | None = None, **kwargs: Any) -> Callable[[Callable[..., Any]], Command]:
    """``@click.command`` making a :class:`Command`."""
    return click.command(name, cls=Command, **kwargs)


def group(name: str | None = None, **kwargs: Any) -> Callable[[Callable[..., Any]], Group]:
    """``@click.group`` making a :class:`Group`."""
    return click.group(name, cls=Group, **kwargs)


def start(ctx: click.Context, instance: Instance | None = None) -> Instance:
    """Set the instance of a ``mawarid`` run (closed when the run ends)."""
    found = instance or ctx.ensure_object(Instance)
    ctx.obj = found
    ctx.call_on_close(found.close)
    return found


def check_port(host: str, port: int) -> None:
    """Refuse (exit 2) an address the server could not listen on, before anything starts."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        family, _type, _proto, _name, address = infos[0]
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            # As the server will: a port left in TIME_WAIT is free, one listened on is not.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except OSError as exc:
        raise ConfigurationError(
            N_(
                "cannot listen on %(host)s port %(port)d (%(reason)s): stop the program using "
                "it, or choose another address with --host and --port"
            ),
            host=host,
            port=port,
            reason=exc.strerror or str(exc),
        ) from None


def as_actor_option(
    help: str = N_("Act as this account (its roles and commissions apply)."),
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option("--as", "as_user", metavar="USERNAME", help=help)
