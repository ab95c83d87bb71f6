"""Interface languages: which one a request gets, and the compiled catalogues.

The interface speaks French (the source language: message ids are French text)
and Arabic (right to left). A visitor picks a language with ``?lang=ar`` on any
page; the choice is kept in the session cookie. Without a choice the browser's
``Accept-Language`` decides, then French.

Translations ship as ``.po`` files in ``portal/translations/`` (readable,
reviewable in the repository). At start-up :func:`compile_catalogues` compiles
every ``.po`` whose ``.mo`` is missing or stale into ``$MAWARID_HOME/translations``
with Babel's own compiler, written atomically. So a fresh ``pip install .`` works
without a build step, and a read-only install directory is never written to.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import current_app, has_request_context, request, session
from flask_babel import get_locale

#: Interface languages, in switcher order. French is the source language.
UI_LANGUAGES = ("fr", "ar")
DEFAULT_LANGUAGE = "fr"
#: Text direction of the languages content may be written in.
DIRECTIONS = {"ar": "rtl", "fr": "ltr", "en": "ltr", "zgh": "ltr"}
#: Each language named in itself (switchers show the target language's own name).
AUTONYMS = {"fr": "Français", "ar": "العربية", "en": "English", "zgh": "ⵜⴰⵎⴰⵣⵉⵖⵜ"}
#: Order in which a LangString's languages are tried after the wanted one.
CONTENT_FALLBACK = ("fr", "ar", "en", "zgh")

SOURCE_DIR = Path(__file__).resolve().parent / "translations"
SESSION_KEY = "lang"


def clean_lang(value: Any) -> str | None:
    """``value`` if it is an interface language, else ``None`` (never trust ``?lang=``)."""
    if isinstance(value, str) and value in UI_LANGUAGES:
        return value
    return None


def select_locale() -> str:
    """flask-babel's locale selector: ``?lang=``, then the session, then the browser.

    Outside a request (CLI commands, background jobs) the interface is French.
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


def remember_choice() -> None:
    """``before_request`` hook: keep an explicit ``?lang=`` for the next pages.

    The JSON API stays stateless (no cookie): there ``lang`` only shapes labels.
    """
    chosen = clean_lang(request.args.get("lang"))
    if chosen and not request.path.startswith("/api/") and session.get(SESSION_KEY) != chosen:
        session[SESSION_KEY] = chosen


def _has_session_cookie() -> bool:
    # Reading ``session`` is cheap, but only look when a cookie came in, so that
    # pages without a choice do not need the session machinery at all.
    return current_app.config.get("SESSION_COOKIE_NAME", "session") in request.cookies


def current_lang() -> str:
    """The interface language of the current request (``fr`` or ``ar``)."""
    locale = get_locale()
    lang = locale.language if locale is not None else DEFAULT_LANGUAGE
    return lang if lang in UI_LANGUAGES else DEFAULT_LANGUAGE


def text_dir(lang: str | None) -> str:
    return DIRECTIONS.get(lang or "", "ltr")


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


# --- compiled catalogues -------------------------------------------------------


def compile_catalogues(target: Path, source: Path = SOURCE_DIR) -> Path:
    """Compile ``source/<lang>/LC_MESSAGES/*.po`` into ``target`` when missing or stale.

    Staleness is judged by the ``.po`` file's SHA-256 written next to the ``.mo``,
    not by timestamps (installs do not keep them reliably). Returns ``target``.
    """
    for po_path in sorted(source.glob("*/LC_MESSAGES/*.po")):
        rel = po_path.relative_to(source)
        mo_path = (target / rel).with_suffix(".mo")
        digest_path = mo_path.with_suffix(".sha256")
        digest = hashlib.sha256(po_path.read_bytes()).hexdigest()
        if mo_path.exists() and digest_path.exists() and digest_path.read_text() == digest:
            continue
        mo_path.parent.mkdir(parents=True, exist_ok=True)
        with po_path.open("rb") as fh:
            catalogue = read_po(fh, locale=rel.parts[0])
        _atomic_write(mo_path, lambda fh, c=catalogue: write_mo(fh, c))
        _atomic_write(digest_path, lambda fh, d=digest: fh.write(d.encode()))
    return target


def _atomic_write(path: Path, write) -> None:
    # Several processes (workers, test sessions) may start at once: each writes
    # its own temporary file and renames it over the old one.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def untranslated(lang: str, source: Path = SOURCE_DIR) -> list[str]:
    """Message ids without a translation in ``lang`` (used by the tests)."""
    po_path = source / lang / "LC_MESSAGES" / "messages.po"
    with po_path.open("rb") as fh:
        catalogue = read_po(fh, locale=lang)
    return [
        m.id if isinstance(m.id, str) else m.id[0]
        for m in catalogue
        if m.id and (not m.string or (isinstance(m.string, tuple) and not all(m.string)))
    ]


def iter_message_ids(lang: str, source: Path = SOURCE_DIR) -> Iterable[str]:
    po_path = source / lang / "LC_MESSAGES" / "messages.po"
    with po_path.open("rb") as fh:
        for message in read_po(fh, locale=lang):
            if message.id:
                yield message.id if isinstance(message.id, str) else message.id[0]
