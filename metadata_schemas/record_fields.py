"""The marshmallow fields of the record schema, with their errors in the message model.

Every error a field or validator raises is a :class:`core.messages.Message` (an
English message id with parameters), so that a validation error reads in French,
Arabic or English. marshmallow's own English sentences never reach a person:
each field class here overrides ``default_error_messages`` and every validator is
given its message.
"""

from __future__ import annotations

import re
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from core.messages import N_, Message

from .errors import UnknownTermError, unknown_term_message
from .vocabularies import get_vocabularies

#: Languages the staff forms write LangStrings in: Arabic, French, English, Amazigh (Tifinagh).
LANGSTRING_LANGUAGES = ("ar", "fr", "en", "zgh")

MAX_TITLE = 1_000
MAX_TEXT = 20_000
MAX_SHORT = 500
MAX_ITEMS = 200

REQUIRED = Message(N_("required"))
UNKNOWN_FIELD = Message(N_("unknown field"))
NOT_AN_OBJECT = Message(N_("not an object"))

_FIELD_MESSAGES: dict[str, Any] = {
    "required": REQUIRED,
    "null": Message(N_("must not be null")),
    "validator_failed": Message(N_("invalid value")),
}


def _messages(**extra: Message) -> Any:
    """A field class's ``default_error_messages``: messages, not marshmallow's strings."""
    return {**_FIELD_MESSAGES, **extra}


#: A language tag as written in a LangString key we keep verbatim (``es``, ``pt-BR``, ``x-none``).
LANGUAGE_TAG = re.compile(r"^[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8}){0,4}$")


class BaseSchema(Schema):
    """Unknown keys are errors; keys keep their order; errors are messages."""

    error_messages: Any = {"unknown": UNKNOWN_FIELD, "type": NOT_AN_OBJECT}  # noqa: RUF012

    class Meta:
        unknown = "raise"
        ordered = True


class Text(fields.String):
    default_error_messages = _messages(
        invalid=Message(N_("not a text")),
        invalid_utf8=Message(N_("not valid UTF-8 text")),
    )


class Integer(fields.Integer):
    default_error_messages = _messages(invalid=Message(N_("not a whole number")))


class Boolean(fields.Boolean):
    default_error_messages = _messages(invalid=Message(N_("not yes or no")))


class List(fields.List[Any]):
    default_error_messages = _messages(invalid=Message(N_("not a list")))


class Nested(fields.Nested):
    default_error_messages = _messages(type=NOT_AN_OBJECT)


class Raw(fields.Raw):
    default_error_messages = _messages()


class Check(validate.Validator):
    """A validator whose error is a :class:`Message` (marshmallow's own format strings)."""

    def __init__(self, test: Any, message: Message) -> None:
        self.test = test
        self.message = message

    def __call__(self, value: Any) -> Any:
        if not self.test(value):
            raise ValidationError([self.message])
        return value


def length(min: int | None = None, max: int | None = None) -> Check:
    """A length check whose message reads in every language."""
    low, high = min, max
    if low is not None and high is not None:
        message = Message(
            N_("needs between %(min)s and %(max)s characters or items"), min=low, max=high
        )
    elif high is not None:
        message = Message(N_("at most %(max)s characters or items"), max=high)
    else:
        message = Message(N_("needs at least %(min)s characters or items"), min=low)
    return Check(
        lambda v: (low is None or len(v) >= low) and (high is None or len(v) <= high), message
    )


def pattern(regex: re.Pattern[str], message: str) -> Check:
    return Check(lambda v: regex.match(v) is not None, Message(message))


def at_least(minimum: int) -> Check:
    return Check(lambda v: v >= minimum, Message(N_("must be at least %(min)s"), min=minimum))


def one_of(choices: tuple[str, ...]) -> Check:
    return Check(
        lambda v: v in choices, Message(N_("one of %(choices)s"), choices=", ".join(choices))
    )


def url() -> Text:
    """A web address (http, https or ftp)."""
    check = validate.URL(schemes={"http", "https", "ftp"}, require_tld=False)

    def valid(value: str) -> bool:
        try:
            check(value)
        except ValidationError:
            return False
        return True

    return Text(validate=Check(valid, Message(N_("not a web address (http, https or ftp)"))))


class Term(Text):
    """A vocabulary term: accepts id, URI or label, loads as the term id."""

    def __init__(self, vocabulary: str, **kwargs: Any) -> None:
        self.vocabulary = vocabulary
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return str(get_vocabularies()[self.vocabulary].resolve(text).id)
        except UnknownTermError as exc:
            raise ValidationError(
                [unknown_term_message(self.vocabulary, text, exc.suggestions)]
            ) from None


def langstring_languages() -> frozenset[str]:
    """Keys a LangString may have: the four form languages and every language of the
    ``language`` vocabulary (a partner's Spanish title is kept, not refused)."""
    return frozenset(LANGSTRING_LANGUAGES) | frozenset(get_vocabularies()["language"].terms)


class LangString(fields.Dict):
    """``{"fr": "...", "ar": "..."}``: at least one language, each text non-empty.

    ``free`` LangStrings (values kept as the partner wrote them) take any language tag.
    """

    default_error_messages = _messages(
        invalid=Message(N_('expected an object of language: text, e.g. {"fr": "..."}')),
    )

    def __init__(self, max_length: int = MAX_TEXT, *, free: bool = False, **kwargs: Any) -> None:
        self.max_length = max_length
        self.free = free
        super().__init__(keys=fields.String(), values=fields.String(), **kwargs)

    def _deserialize(
        self, value: Any, attr: str | None, data: Any, **kwargs: Any
    ) -> dict[str, str]:
        if not isinstance(value, dict):
            raise self.make_error("invalid")
        allowed = None if self.free else langstring_languages()
        errors: dict[str, list[Message]] = {}
        out: dict[str, str] = {}
        for lang, text in value.items():
            if (allowed is not None and lang not in allowed) or (
                allowed is None and not (isinstance(lang, str) and LANGUAGE_TAG.match(lang))
            ):
                errors[str(lang)] = [
                    Message(
                        N_("wrong language code '%(code)s': expected one of %(allowed)s"),
                        code=lang,
                        allowed=", ".join(LANGSTRING_LANGUAGES),
                    )
                ]
                continue
            if not isinstance(text, str):
                errors[lang] = [Message(N_("not a text"))]
                continue
            text = text.strip()
            if not text:
                errors[lang] = [Message(N_("empty text"))]
            elif len(text) > self.max_length:
                errors[lang] = [
                    Message(
                        N_("too long: %(length)s characters, at most %(max)s"),
                        length=len(text),
                        max=self.max_length,
                    )
                ]
            elif "\x00" in text:
                errors[lang] = [Message(N_("contains a NUL character"))]
            else:
                out[lang] = text
        if errors:
            raise ValidationError(errors)
        if not out:
            raise ValidationError([Message(N_("needs a text in at least one language"))])
        return out


class _TermList(List):
    """A list of terms without repeats: ``["Exercice", "تمرين"]`` is one term, ``exercise``."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list[Any]:
        return list(dict.fromkeys(super()._deserialize(value, attr, data, **kwargs)))


def many(inner: fields.Field[Any], **kwargs: Any) -> fields.List[Any]:
    """A list field; a caller's own validator (e.g. at least one item) replaces the default cap."""
    kwargs.setdefault("validate", length(max=MAX_ITEMS))
    return (_TermList if isinstance(inner, Term) else List)(inner, **kwargs)
