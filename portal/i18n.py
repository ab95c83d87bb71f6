"""Interface languages of the web portal: which one a request gets, and where its words come from.

Every sentence of the portal — templates' ``_()``/``ngettext()``, forms' ``_l()``, Python's
:mod:`core.messages` — comes from the one catalogue per language of :mod:`core.messages`
(``core/translations/<lang>/LC_MESSAGES/mawarid.po``, English message ids). flask-babel
reads those same catalogues through :class:`CatalogueDomain`, so templates and Python
share one model; :func:`start_request` also makes the request's language the reader's
language of :mod:`core.messages` (errors raised deep in a service render in it).

A visitor picks a language with ``?lang=ar`` on any page; the choice is kept in the
session cookie. Without a choice the browser's ``Accept-Language`` decides, then French.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from babel.support import NullTranslations
from flask import current_app, g, has_request_context, request, session
from flask_babel import Domain, get_locale

from core import messages

#: Interface languages of the web, in switcher order. English, the language of the message
#: ids, is the CLI's fall-back; a visitor whose browser asks for it reads French.
UI_LANGUAGES: tuple[str, ...] = ("fr", "ar")
DEFAULT_LANGUAGE = messages.DEFAULT_LANGUAGE
#: Each language named in itself (switchers show the target language's own name).
AUTONYMS = {"fr": "Français", "ar": "العربية", "en": "English", "zgh": "ⵜⴰⵎⴰⵣⵉⵖⵜ"}
#: Order in which a LangString's languages are tried after the wanted one.
CONTENT_FALLBACK = ("fr", "ar", "en", "zgh")

SESSION_KEY = "lang"


class CatalogueDomain(Domain):
    """flask-babel's translations are :mod:`core.messages`' catalogue of the request's language."""

    def get_translations(self) -> NullTranslations:
        return messages.translations(current_lang())


def clean_lang(value: Any) -> str | None:
    """``value`` if it is an interface language, else ``None`` (never trust ``?lang=``)."""
    if isinstance(value, str) and value in UI_LANGUAGES:
        return value
    return None


def select_locale() -> str:
    """flask-babel's locale selector: ``?lang=``, then the session, then the browser.

    Outside a request (background jobs) the interface is the default language.
    """
    if not has_request_context():
        return DEFAULT_LANGUAGE
    chosen = clean_lang(request.args.get("lang"))
    if chosen:
        return chosen
    chosen = clean_lang(session.get(SESSION_KEY)) if _has_session_cookie() else None
    if chosen:
        return chosen
    return request.accept_languages.best_match(UI_LANGUAGES) or DEFAULT_LANGUAGE


def start_request() -> None:
    """``before_request`` hook: the reader's language of this request, and keep a choice.

    An explicit ``?lang=`` is kept for the next pages; the JSON API stays stateless (no
    cookie): there ``lang`` only shapes labels.
    """
    messages.set_language(current_lang())
    chosen = clean_lang(request.args.get("lang"))
    if chosen and not request.path.startswith("/api/") and session.get(SESSION_KEY) != chosen:
        session[SESSION_KEY] = chosen
        g.language_kept = True


def depends_on_session() -> bool:
    """Whether this request's answer may depend on the visitor's session (its language)."""
    return _has_session_cookie() or bool(g.get("language_kept"))


def end_request(_exc: BaseException | None = None) -> None:
    """``teardown_request`` hook: a worker thread's next request starts from no language."""
    messages.set_language(None)


def _has_session_cookie() -> bool:
    # Reading ``session`` is cheap, but only look when a cookie came in, so that
    # pages without a choice do not need the session machinery at all.
    return current_app.config.get("SESSION_COOKIE_NAME", "session") in request.cookies


def current_lang() -> str:
    """The interface language of the current request (outside one: the reader's)."""
    locale = get_locale()
    lang = locale.language if locale is not None else messages.current_language()
    return lang if lang in UI_LANGUAGES else DEFAULT_LANGUAGE


def text_dir(lang: str | None) -> str:
    return messages.text_direction(lang)


def pick(langstring: Mapping[str, str] | None, lang: str | None = None) -> tuple[str, str]:
    """The text of a LangString in ``lang`` (default: the interface language) and its language.

    Returns ``("", "")`` for an empty value. The language is returned so that the
    caller can put the right ``lang``/``dir`` attributes on text that fell back.
    """
    if not langstring:
        return "", ""
    wanted = lang or current_lang()
    for code in (wanted, *CONTENT_FALLBACK):
        text = langstring.get(code)
        if text:
            return text, code
    code, text = next(iter(langstring.items()))
    return text, code


def ordered_langstring(
    langstring: Mapping[str, str] | None, lang: str | None = None
) -> list[tuple[str, str]]:
    """All ``(lang, text)`` pairs, the interface language first (for "titles in both languages")."""
    if not langstring:
        return []
    wanted = lang or current_lang()
    order = [wanted, *[c for c in CONTENT_FALLBACK if c != wanted]]
    known = [(c, langstring[c]) for c in order if langstring.get(c)]
    rest = [(c, t) for c, t in langstring.items() if c not in order and t]
    return known + rest
