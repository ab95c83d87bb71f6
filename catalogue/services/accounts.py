"""Staff accounts: argon2id password hashes, roles, commissions, active flag, sessions.

``authenticate`` spends the same argon2 work whether or not the user exists (it
verifies against a dummy hash for unknown names), so response times do not tell
an attacker which usernames exist. Hashes made with weaker parameters are
upgraded on the next successful login.

Passwords have at least :data:`MIN_PASSWORD` characters and are refused when they are
known — breached, common, or a common word dressed with digits (:mod:`.passwords`,
a filter shipped with Mawarid, no network).

**Sessions.** Each account has a ``session_epoch``; a session remembers the epoch it was
opened in and :meth:`AccountService.session_actor` refuses it once the epoch moved.
Logging out, a new password, a deactivation and a role or commission taken away move
it: every session of the account ends at once, on every device.

**Failed logins.** Counted per user name (known or not, so that the answer never tells
which names exist): from the :attr:`LoginPolicy.threshold`-th failure on, the name is
locked for :attr:`LoginPolicy.first_delay` seconds, doubling at each further failure up
to :attr:`LoginPolicy.max_delay`; a successful login clears it. This is on top of the
portal's per-address throttling.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.clock import SYSTEM_CLOCK, Clock, utcnow
from core.messages import N_, plural_message
from metadata_schemas.errors import UnknownTermError

from ..errors import (
    AccountLocked,
    DuplicateIdentifier,
    InvalidInput,
    NotFound,
    UnknownEntity,
    unknown_term,
)
from ..store import Database
from ..store.models import LoginThrottle, User
from .actors import ROLES, Actor
from .passwords import is_known

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,99}$")
MIN_PASSWORD = 12
MAX_PASSWORD = 1024


@dataclass(frozen=True)
class LoginPolicy:
    """When failed logins lock a user name, and for how long."""

    threshold: int = 5
    first_delay: int = 60
    max_delay: int = 3600
    #: Failures older than this are forgotten.
    memory: int = 24 * 3600

    def delay(self, failures: int) -> int:
        if failures < self.threshold:
            return 0
        return int(min(self.max_delay, self.first_delay * 2 ** (failures - self.threshold)))


@dataclass(frozen=True)
class UserView:
    username: str
    display_name: str
    roles: frozenset[str]
    commissions: frozenset[str]
    active: bool
    created_at: datetime
    last_login_at: datetime | None
    session_epoch: int = 0

    def actor(self) -> Actor:
        return Actor(self.username, self.roles, self.commissions)

    def to_dict(self) -> dict[str, Any]:
        return {
            "username": self.username,
            "display_name": self.display_name,
            "roles": sorted(self.roles),
            "commissions": sorted(self.commissions),
            "active": self.active,
        }


def _view(row: User) -> UserView:
    return UserView(
        username=row.username,
        display_name=row.display_name,
        roles=frozenset(row.roles or ()),
        commissions=frozenset(row.commissions or ()),
        active=row.active,
        created_at=row.created_at,
        last_login_at=row.last_login_at,
        session_epoch=row.session_epoch or 0,
    )


def normalise_username(username: Any) -> str:
    if not isinstance(username, str):
        raise InvalidInput(N_("%(field)s: expected a text"), field="username")
    name = unicodedata.normalize("NFKC", username).strip().lower()
    if not USERNAME.match(name):
        raise InvalidInput(
            N_(
                "username %(value)r: 2 to 100 characters among a-z, 0-9, '.', '_', '@', '-', "
                "starting with a letter or digit"
            ),
            value=username,
        )
    return name


def check_password(password: Any, *, username: str = "", display_name: str = "") -> str:
    """``password`` if it may protect a staff account, else :class:`InvalidInput` saying why."""
    if not isinstance(password, str):
        raise InvalidInput(N_("%(field)s: expected a text"), field="password")
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(N_("password too short: at least %(min)d characters"), min=MIN_PASSWORD)
    if len(password) > MAX_PASSWORD:
        raise InvalidInput(N_("password too long: at most %(max)d characters"), max=MAX_PASSWORD)
    folded = password.casefold()
    for name in (username, display_name):
        if len(name) >= 4 and name.casefold() in folded:
            raise InvalidInput(N_("the password must not contain the user's name"))
    if is_known(password):
        raise InvalidInput(
            N_(
                "this password is known to attackers (breached, common, or a common word "
                "with digits around it): choose another one, for example several unrelated words"
            )
        )
    return password


class AccountService:
    def __init__(
        self,
        db: Database,
        *,
        vocabularies: Any,
        hasher: PasswordHasher | None = None,
        clock: Clock = SYSTEM_CLOCK,
        lockout: LoginPolicy | None = None,
    ) -> None:
        self.db = db
        self.vocabularies = vocabularies
        self.hasher = hasher or PasswordHasher()
        self.clock = clock
        self.lockout = lockout or LoginPolicy()
        self._dummy: str | None = None

    # -- checks ------------------------------------------------------------------

    def _roles(self, roles: Iterable[str]) -> list[str]:
        wanted = sorted(set(roles))
        bad = [r for r in wanted if r not in ROLES]
        if bad:
            raise UnknownEntity(
                N_("unknown role %(value)r: expected one of %(choices)s"),
                value=bad[0],
                choices=", ".join(ROLES),
            )
        if not wanted:
            raise InvalidInput(N_("an account needs at least one role"))
        return wanted

    def _commissions(self, commissions: Iterable[str]) -> list[str]:
        out = set()
        for value in commissions:
            try:
                out.add(self.vocabularies["commission"].resolve(value).id)
            except UnknownTermError as exc:
                raise unknown_term("commission", exc) from None
        return sorted(out)

    # -- operations --------------------------------------------------------------

    def create_user(
        self,
        username: str,
        password: str,
        *,
        display_name: str | None = None,
        roles: Iterable[str] = ("indexer",),
        commissions: Iterable[str] = (),
    ) -> UserView:
        name = normalise_username(username)
        shown = (display_name or name).strip()[:200] or name
        row = User(
            username=name,
            display_name=shown,
            password_hash=self.hasher.hash(
                check_password(password, username=name, display_name=shown)
            ),
            roles=self._roles(roles),
            commissions=self._commissions(commissions),
            active=True,
            created_at=utcnow(self.clock),
            session_epoch=0,
        )
        try:
            with self.db.write_session() as session:
                if session.scalars(select(User).where(User.username == name)).first():
                    raise _duplicate(name)
                session.add(row)
                session.flush()
                return _view(row)
        except IntegrityError:
            raise _duplicate(name) from None

    def authenticate(self, username: str, password: str) -> Actor | None:
        """The actor for valid credentials of an active user, else None.

        Raises :class:`AccountLocked` while the user name waits after too many failures
        (whether or not such an account exists).
        """
        try:
            name: str | None = normalise_username(username)
        except InvalidInput:
            name = None
        if not isinstance(password, str) or len(password) > MAX_PASSWORD:
            password = ""
        now = utcnow(self.clock)
        with self.db.session() as session:
            row = (
                session.scalars(select(User).where(User.username == name)).first() if name else None
            )
            throttle = session.get(LoginThrottle, name) if name else None
            locked_until = throttle.locked_until if throttle is not None else None
        if locked_until is not None and locked_until > now:
            raise _locked(locked_until - now)
        if row is None:
            if self._dummy is None:
                self._dummy = self.hasher.hash("not a password: equal timing for unknown users")
            self._verify(self._dummy, password)
            self._failed(name, now)
            return None
        # Verified outside any transaction: argon2 is slow on purpose, locks must not wait on it.
        if not self._verify(row.password_hash, password) or not row.active:
            self._failed(name, now)
            return None
        rehashed = (
            self.hasher.hash(password)
            if self.hasher.check_needs_rehash(row.password_hash)
            else None
        )
        with self.db.write_session() as session:
            fresh = session.get(User, row.id)
            if fresh is None or not fresh.active:
                return None
            if rehashed and fresh.password_hash == row.password_hash:
                fresh.password_hash = rehashed
            fresh.last_login_at = now
            session.execute(delete(LoginThrottle).where(LoginThrottle.username == fresh.username))
            return _view(fresh).actor()

    def _failed(self, name: str | None, now: datetime) -> None:
        if not name:
            return
        with self.db.write_session() as session:
            row = session.get(LoginThrottle, name)
            forgotten = row is not None and (
                now - row.last_failure_at > timedelta(seconds=self.lockout.memory)
            )
            if row is None:
                row = LoginThrottle(username=name, failures=0, last_failure_at=now)
                session.add(row)
            elif forgotten:
                row.failures = 0
            row.failures += 1
            row.last_failure_at = now
            delay = self.lockout.delay(row.failures)
            row.locked_until = now + timedelta(seconds=delay) if delay else None
            # Names nobody tried for a day are forgotten (the table stays small).
            session.execute(
                delete(LoginThrottle).where(
                    LoginThrottle.last_failure_at < now - timedelta(seconds=self.lockout.memory)
                )
            )

    def _verify(self, hashed: str, password: str) -> bool:
        try:
            return bool(self.hasher.verify(hashed, password))
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def _row(self, session: Session, username: str) -> User:
        name = normalise_username(username)
        row = session.scalars(select(User).where(User.username == name)).first()
        if row is None:
            raise NotFound(N_("no user %(name)r"), name=name)
        return row

    def get(self, username: str) -> UserView:
        with self.db.session() as session:
            return _view(self._row(session, username))

    def actor(self, username: str) -> Actor:
        """The actor of an active user (for the CLI's ``--as``)."""
        user = self.get(username)
        if not user.active:
            raise NotFound(N_("user %(name)r is deactivated"), name=user.username)
        return user.actor()

    def session_actor(self, username: str, epoch: Any) -> Actor | None:
        """The actor of a session opened at ``epoch``, or None when the session has ended
        (account gone, deactivated, or its sessions ended since)."""
        try:
            user = self.get(username)
        except (NotFound, InvalidInput):
            return None
        if not user.active or epoch != user.session_epoch:
            return None
        return user.actor()

    def end_sessions(self, username: str) -> UserView:
        """End every session of the account (logout: on every device)."""
        with self.db.write_session() as session:
            row = self._row(session, username)
            row.session_epoch = (row.session_epoch or 0) + 1
            return _view(row)

    def list(self) -> list[UserView]:
        with self.db.session() as session:
            return [_view(r) for r in session.scalars(select(User).order_by(User.username))]

    def set_roles(
        self, username: str, roles: Iterable[str], commissions: Iterable[str] | None = None
    ) -> UserView:
        with self.db.write_session() as session:
            row = self._row(session, username)
            before = (set(row.roles or ()), set(row.commissions or ()))
            row.roles = self._roles(roles)
            if commissions is not None:
                row.commissions = self._commissions(commissions)
            if before[0] - set(row.roles) or before[1] - set(row.commissions or ()):
                row.session_epoch = (row.session_epoch or 0) + 1  # a right taken away
            return _view(row)

    def set_commissions(self, username: str, commissions: Iterable[str]) -> UserView:
        return self.set_roles(username, self.get(username).roles, commissions)

    def set_active(self, username: str, active: bool) -> UserView:
        with self.db.write_session() as session:
            row = self._row(session, username)
            if row.active and not active:
                row.session_epoch = (row.session_epoch or 0) + 1
            row.active = bool(active)
            return _view(row)

    def set_password(self, username: str, password: str) -> UserView:
        with self.db.write_session() as session:
            row = self._row(session, username)
            row.password_hash = self.hasher.hash(
                check_password(password, username=row.username, display_name=row.display_name)
            )
            row.session_epoch = (row.session_epoch or 0) + 1
            return _view(row)


def _duplicate(name: str) -> DuplicateIdentifier:
    return DuplicateIdentifier(N_("a user %(name)r already exists"), name=name)


def _locked(wait: timedelta) -> AccountLocked:
    minutes = max(1, -(-int(wait.total_seconds()) // 60))
    return AccountLocked(
        plural_message(
            "Too many failed logins for this account: try again in %(num)d minute.",
            "Too many failed logins for this account: try again in %(num)d minutes.",
            minutes,
        )
    )
