"""Staff authentication: who is logged in, and which staff routes they may use.

The session holds only the username and the login time. The current
:class:`catalogue` ``Actor`` is rebuilt from the account on every request, so a
role change or a deactivation by an admin takes effect at once, not at the next
login. Passwords are checked by ``accounts.authenticate`` (argon2) and never
stored, logged or echoed back.

Every staff view is wrapped in :func:`login_required` or :func:`roles_required`;
``tests/portal/test_staff_access.py`` enumerates the URL map and fails when a
``/staff`` route forgets it.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterable
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

from catalogue.services.actors import ROLES

from .context import current_runtime

#: Session keys; everything else in the session belongs to other parts of the portal.
SESSION_USER = "staff_user"
SESSION_SINCE = "staff_since"
#: A staff session ends after this many seconds even when the browser stays open.
DEFAULT_MAX_AGE = 8 * 3600

STAFF_ROLES = ROLES  # every role of catalogue.services.actors is staff


def _accounts():
    return current_runtime().accounts


def _get(obj: Any, name: str, default: Any = None) -> Any:
    """Read a field from an account view whether it is an object or a dict."""
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def make_actor(username: str, roles: Iterable[str], commissions: Iterable[str]):
    from catalogue.services.actors import Actor

    return Actor(username=username, roles=frozenset(roles), commissions=frozenset(commissions))


def actor_from_account(account: Any):
    """The catalogue ``Actor`` of an account, or None when it is unknown or inactive."""
    if account is None or not _get(account, "active", True):
        return None
    return make_actor(
        _get(account, "username"),
        _get(account, "roles", ()) or (),
        _get(account, "commissions", ()) or (),
    )


def current_actor():
    """The logged-in staff member as a catalogue ``Actor``, or None (cached per request)."""
    if "staff_actor" in g:
        return g.staff_actor
    actor = None
    username = session.get(SESSION_USER)
    since = session.get(SESSION_SINCE, 0)
    max_age = current_runtime().settings.staff_session_max_age
    if username and isinstance(since, (int, float)) and time.time() - since < max_age:
        try:
            actor = actor_from_account(_accounts().get(username))
        except Exception as exc:  # an unknown user is "not logged in", whatever the service raises
            if not _is_not_found(exc):
                raise
            actor = None
    if actor is None and username:
        session.pop(SESSION_USER, None)
        session.pop(SESSION_SINCE, None)
    g.staff_actor = actor
    return actor


def _is_not_found(exc: Exception) -> bool:
    try:
        from catalogue.errors import InvalidInput, NotFound, UnknownEntity
    except ImportError:  # pragma: no cover - catalogue always present in a real install
        return False
    return isinstance(exc, (NotFound, UnknownEntity, InvalidInput))


def login_user(actor) -> None:
    """Start a fresh session for ``actor``: whatever the session held before is dropped
    (session fixation defence), including another user's CSRF token."""
    session.clear()
    session[SESSION_USER] = actor.username
    session[SESSION_SINCE] = int(time.time())
    session.permanent = False
    g.staff_actor = actor


def logout_user() -> None:
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


def forbidden(message: str | None = None):
    """The console's 403 page (also for other areas' staff views guarded from here)."""
    return make_response(render_template("staff/forbidden.html", message=message), 403)


def login_required(view: Callable) -> Callable:
    """Any active staff member; anonymous visitors are sent to the login page."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        actor = current_actor()
        if actor is None:
            return _to_login()
        if not set(actor.roles) & set(STAFF_ROLES):
            return forbidden()
        return view(*args, **kwargs)

    wrapped.staff_guard = "login"  # read by the access test
    return wrapped


def roles_required(*roles: str, commission: str | None = None) -> Callable:
    """Members having at least one of ``roles`` (and, when given, sitting in ``commission``)."""
    wanted = frozenset(roles)

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            actor = current_actor()
            if actor is None:
                return _to_login()
            if not wanted & set(actor.roles):
                return forbidden()
            if commission and commission not in actor.commissions:
                return forbidden("commission")
            return view(*args, **kwargs)

        wrapped.staff_guard = ("roles", wanted, commission)
        return wrapped

    return decorate


def can(actor, *roles: str, commission: str | None = None) -> bool:
    """Template helper: should an action button be shown to ``actor``?"""
    if actor is None or not set(roles) & set(actor.roles):
        return False
    return commission is None or commission in actor.commissions


def safe_next(target: str | None) -> str | None:
    return _safe_next(target)
