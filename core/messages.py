"""One message model for every sentence a person reads.

Web pages, API errors, CLI output and help, validation errors of ``catalogue`` and
``metadata_schemas``, the offline bundle: all of it is written once, in English, as a
gettext message id with ``%(name)s`` placeholders, and read in the reader's language
from one catalogue per language::

    core/translations/<lang>/LC_MESSAGES/mawarid.po

How to write a message
----------------------
* Where the text is shown at once: ``gettext("Saved %(count)d records", count=n)`` or
  ``ngettext("%(num)d record", "%(num)d records", n)`` (Arabic has six plural forms; the
  catalogue says which one ``n`` takes).
* Where it is defined now and shown later (an error raised deep in a service, a label in
  a table): mark it with :func:`N_` and keep it as a :class:`Message`
  (``Message(N_("unknown term %(value)s"), value=v)``), or
  :func:`plural_message` for a plural; errors do this for you
  (``raise InvalidInput(N_("…%(field)s…"), field=name)``, see :mod:`core.errors`).
* Never build a sentence from pieces: a translator must see the whole sentence.

Which language
--------------
:func:`current_language` is the language of whoever is reading now: the web request's
(the portal sets it on each request), the CLI's (from ``LANGUAGE``/``LC_ALL``/
``LC_MESSAGES``/``LANG``, see :func:`language_from_environment`), or
:data:`DEFAULT_LANGUAGE`. Messages missing in a catalogue fall back to English, the
language of the message ids.

Adding a language
-----------------
Add its code to :data:`LANGUAGES` (and its direction to :data:`DIRECTIONS` if it is
written right to left), then ``pybabel init -i mawarid.pot -d core/translations -D mawarid
-l <code>`` and translate. Nothing else names the languages.

Extraction (``babel.cfg`` at the top of the repository)::

    bin/messages          # extract every message, update the three catalogues

``bin/messages`` runs ``pybabel extract`` (keywords ``_``, ``N_``, ``gettext``,
``ngettext``, ``lazy_gettext``, ``_l``, ``Message``, ``plural_message``) and ``pybabel
update``; ``tests/core/test_messages.py`` fails when a message of the code is missing from
a catalogue or has no French or Arabic translation.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from importlib import resources
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

#: Languages a person can read Mawarid in: the one place to add one.
LANGUAGES: tuple[str, ...] = ("fr", "ar", "en")
#: The interface language when nothing else says (the LNRN works in French).
DEFAULT_LANGUAGE = "fr"
#: The language of the message ids, shown when a catalogue lacks a message.
SOURCE_LANGUAGE = "en"
#: Languages written right to left (content may also be in ``zgh``, written LTR in Tifinagh).
RTL_LANGUAGES = frozenset({"ar"})
DOMAIN = "mawarid"

_current: ContextVar[str | None] = ContextVar("mawarid_language", default=None)


def N_(msgid: str) -> str:
    """Mark ``msgid`` for extraction without translating it now (translated when shown)."""
    return msgid


def clean_language(value: Any) -> str | None:
    """``value`` as one of :data:`LANGUAGES` (``ar_MA.UTF-8`` → ``ar``), else ``None``."""
    if not isinstance(value, str) or not value:
        return None
    code = value.replace("-", "_").split(".")[0].split("@")[0].split("_")[0].lower()
    return code if code in LANGUAGES else None


def language_from_environment(environ: Mapping[str, str] | None = None) -> str:
    """The CLI reader's language, as gettext finds it: ``LANGUAGE``, ``LC_ALL``,
    ``LC_MESSAGES``, ``LANG`` (the first one set decides; ``C``/``POSIX`` mean English)."""
    env = os.environ if environ is None else environ
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "")
        if not value:
            continue
        for candidate in value.split(":"):  # LANGUAGE may list several
            lang = clean_language(candidate)
            if lang:
                return lang
        return SOURCE_LANGUAGE  # C, POSIX or a language we do not speak: the fall-back
    return DEFAULT_LANGUAGE


def current_language() -> str:
    """The language of whoever reads now (see the module docstring)."""
    return _current.get() or DEFAULT_LANGUAGE


def set_language(lang: str | None) -> None:
    """Make ``lang`` the reader's language in this context (a request, a CLI run)."""
    _current.set(clean_language(lang))


@contextmanager
def use_language(lang: str | None) -> Iterator[str]:
    """Render the messages of a block in ``lang`` (an e-mail to a colleague, a bundle page)."""
    token = _current.set(clean_language(lang) or current_language())
    try:
        yield current_language()
    finally:
        _current.reset(token)


def text_direction(lang: str | None) -> str:
    return "rtl" if lang in RTL_LANGUAGES else "ltr"


@cache
def translations(lang: str) -> NullTranslations:
    """The compiled catalogue of ``lang`` (compiled in memory from its ``.po``, once)."""
    if lang not in LANGUAGES:
        lang = SOURCE_LANGUAGE
    po = resources.files("core").joinpath("translations", lang, "LC_MESSAGES", f"{DOMAIN}.po")
    if not po.is_file():
        return NullTranslations()
    with po.open("rb") as fh:
        catalogue = read_po(fh, locale=lang, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalogue)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


def _format(text: str, params: Mapping[str, Any]) -> str:
    if not params:
        return text
    try:
        return text % params
    except (KeyError, ValueError, TypeError):
        # A translation with a broken placeholder must not hide the message.
        return text


def gettext(msgid: str, lang: str | None = None, **params: Any) -> str:
    """``msgid`` in ``lang`` (default: the reader's), with its ``%(name)s`` filled in."""
    text = translations(lang or current_language()).gettext(msgid)
    return _format(text, params)


def ngettext(singular: str, plural: str, n: int, lang: str | None = None, **params: Any) -> str:
    """The plural form of ``n`` in ``lang``; ``%(num)d`` is ``n``."""
    params.setdefault("num", n)
    text = translations(lang or current_language()).ngettext(singular, plural, n)
    return _format(text, params)


class Message:
    """A sentence kept untranslated until someone reads it: msgid, parameters, plural.

    ``str(message)`` renders it in the current reader's language; :meth:`render` in a
    given one. Parameters that are themselves messages are rendered in the same
    language, so a message can name a vocabulary label or another message.
    """

    __slots__ = ("msgid", "n", "params", "plural")

    def __init__(
        self, msgid: str, /, *, plural: str | None = None, n: int | None = None, **params: Any
    ) -> None:
        self.msgid = msgid
        self.plural = plural
        self.n = n
        self.params = params

    def render(self, lang: str | None = None) -> str:
        lang = lang or current_language()
        params = {
            k: (v.render(lang) if isinstance(v, Message) else v) for k, v in self.params.items()
        }
        if self.plural is not None and self.n is not None:
            return ngettext(self.msgid, self.plural, self.n, lang, **params)
        return gettext(self.msgid, lang, **params)

    def format(self, *args: Any, **params: Any) -> Message:
        """A copy with more parameters (marshmallow calls ``error.format(**kwargs)``)."""
        return Message(self.msgid, plural=self.plural, n=self.n, **{**self.params, **params})

    def to_dict(self, lang: str | None = None) -> dict[str, Any]:
        return {"message": self.render(lang), "msgid": self.msgid, "params": _plain(self.params)}

    def __str__(self) -> str:
        return self.render()

    def __repr__(self) -> str:
        return f"Message({self.msgid!r}, {self.params!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Message):
            return (self.msgid, self.plural, self.n, self.params) == (
                other.msgid,
                other.plural,
                other.n,
                other.params,
            )
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.msgid, self.plural, self.n))


def plural_message(singular: str, plural: str, n: int, /, **params: Any) -> Message:
    """A deferred plural sentence; ``%(num)d`` is ``n`` (extracted as a plural pair)."""
    return Message(singular, plural=plural, n=n, num=n, **params)


def render(value: Any, lang: str | None = None) -> Any:
    """``value`` with every :class:`Message` in it rendered (lists and dicts walked)."""
    if isinstance(value, Message):
        return value.render(lang)
    if isinstance(value, Mapping):
        return {k: render(v, lang) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [render(v, lang) for v in value]
    return value


def _plain(params: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in params.items():
        if isinstance(value, Message):
            out[key] = value.render(SOURCE_LANGUAGE)
        elif isinstance(value, (str, int, float, bool)) or value is None:
            out[key] = value
        else:
            out[key] = str(value)
    return out


def untranslated(lang: str) -> list[str]:
    """Message ids of the catalogue without a (complete) translation in ``lang`` (for tests);
    a fuzzy translation (a guess left by ``pybabel update``) is none: gettext ignores it."""
    po = resources.files("core").joinpath("translations", lang, "LC_MESSAGES", f"{DOMAIN}.po")
    with po.open("rb") as fh:
        catalogue = read_po(fh, locale=lang, domain=DOMAIN)
    missing = []
    for message in catalogue:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings) or message.fuzzy:
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    return missing
