"""click's own sentences ("Usage:", "Options", "Show this message and exit.", usage errors)
in the reader's language.

click marks its sentences for the standard :mod:`gettext` and looks them up through the
module-level ``_``/``ngettext`` names of its modules; :func:`install` points those names at
Mawarid's catalogue (:mod:`core.messages`), whose language follows ``LANG``. The sentences
are listed below (:data:`MESSAGES`) so that ``bin/messages`` extracts them and the
translators see them; click fills the ``{name}`` fields itself, after translation.
"""

from __future__ import annotations

from types import ModuleType

import click.core
import click.decorators
import click.exceptions
import click.formatting
import click.parser
import click.termui
import click.types

from core.messages import N_, current_language, plural_message, translations

MODULES: tuple[ModuleType, ...] = (
    click.core,
    click.decorators,
    click.exceptions,
    click.formatting,
    click.parser,
    click.termui,
    click.types,
)

#: click's sentences a person meets (extracted into the catalogue with these ids).
MESSAGES = (
    N_("Usage:"),
    N_("Options"),
    N_("Commands"),
    N_("Show this message and exit."),
    N_("Show the version and exit."),
    N_("Error: {message}"),
    N_("Try '{command} {option}' for help."),
    N_("Missing argument"),
    N_("Missing option"),
    N_("Missing parameter"),
    N_("Missing command."),
    N_("Missing {param_type}"),
    N_("Missing parameter: {param_name}"),
    N_("No such command {name!r}."),
    N_("No such option {name!r}."),
    N_("Invalid value for {param_hint}: {message}"),
    N_("Invalid value: {message}"),
    N_("Option {name!r} does not take a value."),
    N_("Aborted!"),
    N_("default: {default}"),
    N_("env var: {var}"),
    N_("{value!r} is not a valid {number_type}."),
    N_("{value} is not in the range {range}."),
    N_("{value!r} is not a valid boolean. Recognized values: {states}"),
    N_("{name} {filename!r} does not exist."),
    N_("Repeat for confirmation"),
    N_("Error: The two entered values do not match."),
)
#: click's plural sentences (``n`` is only there to make them extractable).
PLURALS = (
    plural_message("{value!r} is not {choice}.", "{value!r} is not one of {choices}.", 1),
    plural_message(
        "Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})", 1
    ),
    plural_message("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)", 1),
)


def _gettext(message: str) -> str:
    return translations(current_language()).gettext(message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current_language()).ngettext(singular, plural, n)


def install() -> None:
    """Make click read its sentences from Mawarid's catalogue (idempotent)."""
    for module in MODULES:
        module._ = _gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = _ngettext  # type: ignore[attr-defined]
