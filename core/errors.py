"""The one base of every refusal a person reads: a code, a message, its parameters.

Each package keeps its own subclasses (``catalogue.errors``, ``metadata_schemas.errors``,
``indexer.model.SearchError``, ``oaipmh.errors`` …); all of them are
:class:`MawaridError`, so the portal, the API and the CLI render any of them the same
way, in the reader's language::

    raise InvalidInput(N_("%(field)s: too long (%(length)d characters, at most %(max)d)"),
                       field="note", length=len(text), max=5000)

* ``code`` is stable (API clients and tests match on it), the class's by default;
* the message id is English with ``%(name)s`` placeholders (see :mod:`core.messages`);
* ``errors`` maps a field path (``general.title[ar]``) to the messages about it, for
  forms and reports that show each problem next to its field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from .messages import Message, current_language, render


class MawaridError(Exception):
    """A refusal a person can read and act on, never a traceback."""

    code: ClassVar[str] = "error"

    def __init__(
        self,
        msgid: str | Message,
        /,
        *,
        code: str | None = None,
        errors: Mapping[str, Sequence[str | Message]] | None = None,
        **params: Any,
    ) -> None:
        # A plural sentence comes as core.messages.plural_message(...).
        self.msg = msgid if isinstance(msgid, Message) else Message(msgid, **params)
        if code:
            self.code = code  # type: ignore[misc]  # an instance may refine its class's code
        self.errors: dict[str, list[str | Message]] = {
            k: list(v) for k, v in (errors or {}).items()
        }
        super().__init__(self.msg.msgid)

    @property
    def params(self) -> dict[str, Any]:
        return self.msg.params

    def message(self, lang: str | None = None) -> str:
        """The sentence in ``lang`` (default: the reader's)."""
        return self.msg.render(lang)

    def field_errors(self, lang: str | None = None) -> dict[str, list[str]]:
        return {path: render(list(msgs), lang) for path, msgs in sorted(self.errors.items())}

    def to_dict(self, lang: str | None = None) -> dict[str, Any]:
        lang = lang or current_language()
        out: dict[str, Any] = {"code": self.code, "message": self.message(lang)}
        if self.errors:
            out["errors"] = self.field_errors(lang)
        return out

    def __str__(self) -> str:
        lang = current_language()
        head = self.message(lang)
        if not self.errors:
            return head
        lines = [f"  {path}: {'; '.join(msgs)}" for path, msgs in self.field_errors(lang).items()]
        return head + "\n" + "\n".join(lines)
