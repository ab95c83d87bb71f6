"""Staff accounts: argon2id password hashes, roles, commissions, active flag.

``authenticate`` spends the same argon2 work whether or not the user exists (it
verifies against a dummy hash for unknown names), so response times do not tell
an attacker which usernames exist. Hashes made with weaker parameters are
upgraded on the next successful login.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..errors import DuplicateIdentifier, InvalidInput, NotFound, UnknownEntity
from ..store import Database
from ..store.models import User, utcnow
from .actors import ROLES, Actor

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,99}$")
MIN_PASSWORD = 10
MAX_PASSWORD = 1024


@dataclass(frozen=True)
class UserView:
    username: str
    display_name: str
    roles: frozenset[str]
    commissions: frozenset[str]
    active: bool
    created_at: datetime
    last_login_at: datetime | None

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
    )


def normalise_username(username: Any) -> str:
    if not isinstance(username, str):
        raise InvalidInput("username: expected a text")
    name = unicodedata.normalize("NFKC", username).strip().lower()
    if not USERNAME.match(name):
        raise InvalidInput(
            f"username {username!r}: 2 to 100 characters among a-z, 0-9, '.', '_', "
            "'@', '-', starting with a letter or digit"
        )
    return name


class AccountService:
    def __init__(
        self, db: Database, *, vocabularies: Any, hasher: PasswordHasher | None = None
    ) -> None:
        self.db = db
        self.vocabularies = vocabularies
        self.hasher = hasher or PasswordHasher()
        self._dummy: str | None = None

    # -- checks ------------------------------------------------------------------

    def _roles(self, roles: Iterable[str]) -> list[str]:
        roles = sorted(set(roles))
        bad = [r for r in roles if r not in ROLES]
        if bad:
            raise UnknownEntity(f"unknown role {bad[0]!r}: expected one of {', '.join(ROLES)}")
        if not roles:
            raise InvalidInput("an account needs at least one role")
        return roles

    def _commissions(self, commissions: Iterable[str]) -> list[str]:
        from metadata_schemas.errors import UnknownTermError

        out = set()
        for value in commissions:
            try:
                out.add(self.vocabularies["commission"].resolve(value).id)
            except UnknownTermError as exc:
                raise UnknownEntity(f"commission: {exc}") from None
        return sorted(out)

    def _password(self, password: Any) -> str:
        if not isinstance(password, str):
            raise InvalidInput("password: expected a text")
        if len(password) < MIN_PASSWORD:
            raise InvalidInput(f"password too short: at least {MIN_PASSWORD} characters")
        if len(password) > MAX_PASSWORD:
            raise InvalidInput(f"password too long: at most {MAX_PASSWORD} characters")
        return password

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
        row = User(
            username=name,
            display_name=(display_name or name).strip()[:200] or name,
            password_hash=self.hasher.hash(self._password(password)),
            roles=self._roles(roles),
            commissions=self._commissions(commissions),
            active=True,
            created_at=utcnow(),
        )
        try:
            with self.db.write_session() as session:
                if session.scalars(select(User).where(User.username == name)).first():
                    raise DuplicateIdentifier(f"a user {name!r} already exists")
                session.add(row)
                session.flush()
                return _view(row)
        except IntegrityError:
            raise DuplicateIdentifier(f"a user {name!r} already exists") from None

    def authenticate(self, username: str, password: str) -> Actor | None:
        """The actor for valid credentials of an active user, else None."""
        try:
            name = normalise_username(username)
        except InvalidInput:
            name = None
        if not isinstance(password, str) or len(password) > MAX_PASSWORD:
            password = ""
        with self.db.session() as session:
            row = (
                session.scalars(select(User).where(User.username == name)).first() if name else None
            )
        if row is None:
            if self._dummy is None:
                self._dummy = self.hasher.hash("not a password: equal timing for unknown users")
            self._verify(self._dummy, password)
            return None
        # Verified outside any transaction: argon2 is slow on purpose, locks must not wait on it.
        if not self._verify(row.password_hash, password) or not row.active:
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
            fresh.last_login_at = utcnow()
            return _view(fresh).actor()

    def _verify(self, hashed: str, password: str) -> bool:
        try:
            return self.hasher.verify(hashed, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def _row(self, session, username: str) -> User:
        name = normalise_username(username)
        row = session.scalars(select(User).where(User.username == name)).first()
        if row is None:
            raise NotFound(f"no user {name!r}")
        return row

    def get(self, username: str) -> UserView:
        with self.db.session() as session:
            return _view(self._row(session, username))

    def actor(self, username: str) -> Actor:
        """The actor of an active user (for the CLI's ``--as``)."""
        user = self.get(username)
        if not user.active:
            raise NotFound(f"user {user.username!r} is deactivated")
        return user.actor()

    def list(self) -> list[UserView]:
        with self.db.session() as session:
            return [_view(r) for r in session.scalars(select(User).order_by(User.username))]

    def set_roles(
        self, username: str, roles: Iterable[str], commissions: Iterable[str] | None = None
    ) -> UserView:
        with self.db.write_session() as session:
            row = self._row(session, username)
            row.roles = self._roles(roles)
            if commissions is not None:
                row.commissions = self._commissions(commissions)
            return _view(row)

    def set_commissions(self, username: str, commissions: Iterable[str]) -> UserView:
        with self.db.write_session() as session:
            row = self._row(session, username)
            row.commissions = self._commissions(commissions)
            return _view(row)

    def set_active(self, username: str, active: bool) -> UserView:
        with self.db.write_session() as session:
            row = self._row(session, username)
            row.active = bool(active)
            return _view(row)

    def set_password(self, username: str, password: str) -> UserView:
        with self.db.write_session() as session:
            row = self._row(session, username)
            row.password_hash = self.hasher.hash(self._password(password))
            return _view(row)
