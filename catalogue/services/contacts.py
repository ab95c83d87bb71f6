"""How to reach a staff account: its e-mail address and the language it reads.

Kept beside the account (``user_contacts``), not in it: credentials and roles are the
account's, where notifications go is the person's. An account without a contact row
reads French and has no address (it is sent nothing).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import MawaridError
from core.messages import DEFAULT_LANGUAGE, LANGUAGES, N_

from ..store import Database
from ..store.console_models import UserContact
from ..store.models import User
from .accounts import normalise_username

MAX_EMAIL = 254
# One address, no display name, no spaces: what the mail server is handed as is.
_EMAIL = re.compile(
    r"^[^@\s<>(),;:\"\[\]\\]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$"
)


class InvalidContact(MawaridError):
    code = "invalid_input"


class UnknownAccount(MawaridError):
    code = "not_found"


@dataclass(frozen=True)
class Contact:
    username: str
    email: str | None
    language: str


def check_email(value: str | None) -> str | None:
    """``None`` for no address; a well-formed address; else :class:`InvalidContact`."""
    text = (value or "").strip()
    if not text:
        return None
    if len(text) > MAX_EMAIL or not _EMAIL.match(text) or ".." in text.split("@")[1]:
        raise InvalidContact(
            N_("e-mail: %(value)r is not an address such as amina@men.gov.ma"), value=text[:80]
        )
    return text


def check_language(value: str | None) -> str:
    text = (value or DEFAULT_LANGUAGE).strip().lower()
    if text not in LANGUAGES:
        raise InvalidContact(
            N_("language: %(value)r is not one of %(choices)s"),
            value=text[:20],
            choices=", ".join(LANGUAGES),
        )
    return text


class Contacts:
    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, username: str) -> Contact:
        name = normalise_username(username)
        with self.db.session() as session:
            row = session.get(UserContact, _user_id(session, name))
            if row is None:
                return Contact(name, None, DEFAULT_LANGUAGE)
            return Contact(name, row.email, row.language)

    def all(self) -> dict[str, Contact]:
        """Every account's contact by user name (accounts without one read French)."""
        with self.db.session() as session:
            rows = session.execute(
                select(User.username, UserContact.email, UserContact.language).join(
                    UserContact, UserContact.user_id == User.id, isouter=True
                )
            )
            return {
                name: Contact(name, email, language or DEFAULT_LANGUAGE)
                for name, email, language in rows
            }

    def set(self, username: str, *, email: str | None, language: str | None) -> Contact:
        name = normalise_username(username)
        address, lang = check_email(email), check_language(language)
        with self.db.write_session() as session:
            user_id = _user_id(session, name)
            row = session.get(UserContact, user_id)
            if row is None:
                row = UserContact(user_id=user_id)
                session.add(row)
            row.email, row.language = address, lang
        return Contact(name, address, lang)


def _user_id(session: Session, name: str) -> int:
    user_id = session.scalar(select(User.id).where(User.username == name))
    if user_id is None:
        raise UnknownAccount(N_("no user %(name)r"), name=name)
    return int(user_id)
