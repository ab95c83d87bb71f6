"""Visitor keys without personal data: a keyed hash with a salt that changes every UTC day.

The usage log must tell "the same visitor again" apart from "another visitor"
for one day (COUNTER's unique requests and double clicks), and nothing more.
The visitor key is ``HMAC-SHA256(daily_salt, session id or IP + user agent)``
cut to 128 bits; ``daily_salt = HMAC-SHA256(SECRET_KEY, "usage-salt|<UTC day>")``.
The same visitor gets an unrelated key the next day, so keys cannot be joined
across days, and neither the IP address nor the user agent is ever written.

Every process of one instance derives the same salt (no shared state needed);
the corollary is that whoever holds the SECRET_KEY could test a guessed
IP + user agent against a key of a known day, which is why the key is kept out
of the repository (``core.settings``).
"""

from __future__ import annotations

import hmac
from datetime import date


class VisitorHasher:
    def __init__(self, secret_key: str | bytes) -> None:
        if not secret_key:
            raise ValueError(
                "diffusion needs the instance SECRET_KEY to derive its daily salt "
                "(set MAWARID_SECRET_KEY or let the portal generate one)"
            )
        self._secret = secret_key.encode() if isinstance(secret_key, str) else bytes(secret_key)
        self._salts: dict[date, bytes] = {}

    def salt(self, day: date) -> bytes:
        salt = self._salts.get(day)
        if salt is None:
            salt = hmac.digest(
                self._secret, b"mawarid.usage-salt|" + day.isoformat().encode(), "sha256"
            )
            if len(self._salts) > 4:  # only today (and yesterday around midnight) matter
                self._salts.clear()
            self._salts[day] = salt
        return salt

    def visitor(
        self, day: date, *, ip: str | None, user_agent: str | None, session: str | None = None
    ) -> str:
        """The visitor key of one day: from the session id when there is one, else IP + UA."""
        if session:
            material = b"s\x00" + str(session).encode("utf-8", "replace")
        else:
            material = (
                b"c\x00"
                + (ip or "").encode("utf-8", "replace")
                + b"\x00"
                + (user_agent or "").encode("utf-8", "replace")
            )
        # hmac.digest: the one-shot C path, several times faster than hmac.new().
        return hmac.digest(self.salt(day), material, "sha256")[:16].hex()
