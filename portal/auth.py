"""Staff authentication: who is logged in, and which staff routes they may use.

The session (a signed cookie) holds the username, the login time, the time of the last
request and the account's *session epoch* at login. On every request
:func:`current_actor` rebuilds the catalogue ``Actor`` from the account and refuses the
session when:

* the account is gone or deactivated, or its epoch moved — logging out, a new
  password, a deactivation or a role taken away move it
  (:meth:`catalogue.services.accounts.AccountService.end_sessions`), so every session
  of the account ends at once, on every device: a cookie kept from before is replayed
  in vain;
* the session is older than ``MAWARID_STAFF_SESSION_MAX_AGE`` (absolute timeout) or saw
  no request for ``MAWARID_STAFF_SESSION_IDLE`` (idle timeout).

Time comes from the instance's clock (tests move a :class:`core.clock.FrozenClock`).
Passwords are checked by ``accounts.authenticate`` (argon2) and never stored, logged or
echoed back.

Every staff view is wrapped in :func:`login_required` or :func:`roles_required`;
``tests/portal/test_staff_access.py`` enumerates the URL map and fails when a
``/staff`` route forgets it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, MutableMapping
from typing import Any

from flask import (
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from catalogue.services.actors import ROLES, Actor

from .context import current_runtime

#: Session keys; everything else in the session belongs to other parts of the portal.
SESSION_USER = "staff_user"
SESSION_SINCE = "staff_since"
SESSION_SEEN = "staff_seen"
SESSION_EPOCH = "staff_epoch"
_KEYS = (SESSION_USER, SESSION_SINCE, SESSION_SEEN, SESSION_EPOCH)
#: The last-request time is written back at most this often (it rides in the cookie).
SEEN_RESOLUTION = 30

STAFF_ROLES = ROLES  # every role of catalogue.services.actors is staff


def _accounts():
    return current_runtime().accounts


def _now() -> int:
    return int(current_runtime().clock.now().timestamp())


def make_actor(username: str, roles: Iterable[str], commissions: Iterable[str]) -> Actor:
    return Actor(username=username, roles=frozenset(roles), commissions=frozenset(commissions))


def session_values(username: str, epoch: int, now: int) -> dict[str, Any]:
    """What a fresh staff session holds (login, and tests that open one directly)."""
    return {SESSION_USER: username, SESSION_SINCE: now, SESSION_SEEN: now, SESSION_EPOCH: epoch}


def _alive(values: MutableMapping[str, Any], now: int) -> bool:
    settings = current_runtime().settings
    since, seen = values.get(SESSION_SINCE), values.get(SESSION_SEEN)
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (since, seen)):
        return False
    assert isinstance(since, int) and isinstance(seen, int)
    return (
        now - since < settings.staff_session_max_age
        and now - seen < settings.staff_session_idle
        and seen <= now + SEEN_RESOLUTION
    )


def current_actor() -> Actor | None:
    """The logged-in staff member as a catalogue ``Actor``, or None (cached per request)."""
    if "staff_actor" in g:
        actor: Actor | None = g.staff_actor
        return actor
    actor = None
    username = session.get(SESSION_USER)
    if username:
        now = _now()
        if isinstance(username, str) and _alive(session, now):
            actor = _accounts().session_actor(username, session.get(SESSION_EPOCH))
        if actor is None:
            for key in _KEYS:
                session.pop(key, None)
        elif now - session[SESSION_SEEN] >= SEEN_RESOLUTION:
            session[SESSION_SEEN] = now
    g.staff_actor = actor
    return actor


def login_user(actor: Actor) -> None:
    """Start a fresh session for ``actor``: whatever the session held before is dropped
    (session fixation defence), including another user's CSRF token."""
    epoch = _accounts().get(actor.username).session_epoch
    session.clear()
    session.update(session_values(actor.username, epoch, _now()))
    session.permanent = False
    g.staff_actor = actor


def logout_user() -> None:
    """End this session and every other session of the account (all devices)."""
    username = session.get(SESSION_USER)
    if isinstance(username, str):
        _accounts().end_sessions(username)
    session.clear()
    g.staff_actor = None


def _safe_next(target: str | None) -> str | None:
    """Only local console paths may be a post-login destination (no open redirect)."""
    if not target or not target.startswith("/staff") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(c) < 32 for c in target):
        return None
    return target


def _to_login():
    target = request.full_path if request.method == "GET" else request.path
    return redirect(url_for("staff.login", next=target.rstrip("?")))


def forbidden(message: str | None = None) -> Any:
    """The console's 403 page (also for other areas' staff views guarded from here)."""
    return make_response(render_template("staff/forbidden.html", message=message), 403)


def login_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Any active staff member; anonymous visitors are sent to the login page."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        actor = current_actor()
        if actor is None:
            return _to_login()
        if not set(actor.roles) & set(STAFF_ROLES):
            return forbidden()
        return view(*args, **kwargs)

    setattr(wrapped, "staff_guard", "login")  # noqa: B010 - read by the access test
    return wrapped


def roles_required(
    *roles: str, commission: str | None = None
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Members having at least one of ``roles`` (and, when given, sitting in ``commission``)."""
    wanted = frozenset(roles)

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            actor = current_actor()
            if actor is None:
                return _to_login()
            if not wanted & set(actor.roles):
                return forbidden()
            if commission and commission not in actor.commissions:
                return forbidden("commission")
            return view(*args, **kwargs)

        setattr(wrapped, "staff_guard", ("roles", wanted, commission))  # noqa: B010
        return wrapped

    return decorate


def can(actor: Actor | None, *roles: str, commission: str | None = None) -> bool:
    """Template helper: should an action button be shown to ``actor``?"""
    if actor is None or not set(roles) & set(actor.roles):
        return False
    return commission is None or commission in actor.commissions


def safe_next(target: str | None) -> str | None:
    return _safe_next(target)
