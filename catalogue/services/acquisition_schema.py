"""The shape of an acquisition as given by forms, imports and the demo (marshmallow).

:class:`AcquisitionSchema` checks what can be checked without the catalogue: known keys,
texts and their lengths, ISO dates, step statuses, steps given as ids or objects. Every
refusal is a message id (:mod:`core.messages`) at the path of its field, all of them at
once: ``acquisition.started_on``, ``acquisition.steps[2].status``; :func:`load` raises
:class:`InvalidAcquisition` carrying them. Terms (mode, actors, commissions) and steps are
then resolved against the vocabularies and the procedure by
:func:`catalogue.services.acquisitions.parse_acquisition`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, pre_load

from core.errors import MawaridError
from core.messages import N_, Message
from metadata_schemas.fast_load import Slow, compile_schema

STEP_STATUSES = ("pending", "in_progress", "done", "skipped", "refused")
MAX_TEXT = 500
MAX_NOTE = 5000
MAX_REFERENCE = 200


class InvalidAcquisition(MawaridError):
    """An acquisition whose fields are malformed; ``errors`` names each one."""

    code = "invalid_input"


# marshmallow keeps a non-text error as given when it is a list: one Message each.
_ERRORS: dict[str, str | list[Any] | dict[Any, Any]] = {
    "required": [Message(N_("required"))],
    "null": [Message(N_("required"))],
    "invalid": [Message(N_("expected a text"))],
}
_UNKNOWN = Message(N_("unknown field"))


def _refuse(msgid: str, **params: Any) -> ValidationError:
    return ValidationError([Message(msgid, **params)])


class _Text(fields.String):
    """A text on one line (spaces folded), at most ``limit`` characters; empty is None."""

    def __init__(self, limit: int, **kwargs: Any) -> None:
        self.limit = limit
        super().__init__(allow_none=True, error_messages=_ERRORS, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        text = " ".join(str(super()._deserialize(value, attr, data, **kwargs)).split())
        if len(text) > self.limit:
            raise _refuse(
                N_("too long (%(length)d characters, at most %(max)d)"),
                length=len(text),
                max=self.limit,
            )
        return text or None

    def fast_deserialize(self, value: Any) -> str | None:
        """What :meth:`_deserialize` gives a text within bounds (fast_load's hook)."""
        if type(value) is not str:
            raise Slow
        text = " ".join(value.split())
        if len(text) > self.limit:
            raise Slow
        return text or None


class _Date(fields.Field):
    """A day, ``YYYY-MM-DD`` (a longer ISO datetime keeps its day); empty is None."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(allow_none=True, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if value in (None, ""):
            return None
        if isinstance(value, datetime):
            return value.date().isoformat()
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, str):
            try:
                return date.fromisoformat(value[:10]).isoformat()
            except ValueError:
                pass
        raise _refuse(N_("not a date (YYYY-MM-DD): %(value)r"), value=str(value)[:40])

    def fast_deserialize(self, value: Any) -> str | None:
        """:meth:`_deserialize` without marshmallow's wrapping (fast_load's hook)."""
        try:
            day: str | None = self._deserialize(value, None, None)
        except ValidationError:
            raise Slow from None
        return day


class _Names(fields.List):
    def __init__(self) -> None:
        super().__init__(
            _Text(100), load_default=None, error_messages={"invalid": _ERRORS["invalid"]}
        )

    def fast_deserialize(self, value: Any) -> list[str]:
        """The names, when each is a text within bounds (fast_load's hook). An empty one
        stays a gap in marshmallow's list, refused later: the slow path names it."""
        if type(value) is not list:
            raise Slow
        inner = self.inner
        assert isinstance(inner, _Text)
        names = []
        for given in value:
            name = inner.fast_deserialize(given)
            if name is None:
                raise Slow
            names.append(name)
        return names


def _status(value: str) -> None:
    if value not in STEP_STATUSES:
        raise _refuse(
            N_("%(value)r is not one of %(choices)s"), value=value, choices=", ".join(STEP_STATUSES)
        )


class StepSchema(Schema):
    class Meta:
        unknown = RAISE

    id = _Text(100, required=True)
    status = fields.String(load_default="done", validate=_status)
    date = _Date()
    actors = _Names()
    commission = _Text(100)
    note = _Text(MAX_NOTE)
    # What an export carries and an import may give back: read, not kept from here.
    documents = fields.Raw(load_default=None)
    labels = fields.Raw(load_default=None)

    @pre_load
    def _id_alone(self, data: Any, **_: Any) -> Any:
        return {"id": data, "status": "done"} if isinstance(data, str) else data


class AcquisitionSchema(Schema):
    class Meta:
        unknown = RAISE

    mode = _Text(100, required=True)
    procedure = _Text(100)
    reference = _Text(MAX_REFERENCE)
    counterpart = _Text(MAX_TEXT)
    started_on = _Date()
    completed_on = _Date()
    # The synthetic generator's spelling of ``completed_on``.
    ended_on = _Date()
    note = _Text(MAX_NOTE)
    # One nested load of all the steps, not one per step (as List(Nested) does): the
    # same rules and messages, a fifth less time for an acquisition of ten steps.
    steps = fields.Nested(StepSchema, many=True, load_default=list, allow_none=True)
    current_step = fields.Raw(load_default=None)  # derived; given back by exports


_SCHEMA = AcquisitionSchema()
# The same rules without marshmallow's per-field machinery, for acquisitions that obey
# them (bulk ingests carry one per record); anything else goes through _SCHEMA, which
# names every refused field.
_FAST = compile_schema(_SCHEMA)


def load(data: Any) -> dict[str, Any]:
    """``data`` checked and tidied (texts folded, ISO dates), or :class:`InvalidAcquisition`."""
    if not isinstance(data, Mapping):
        raise InvalidAcquisition(N_("acquisition: expected an object with at least a mode"))
    try:
        loaded: dict[str, Any] = _FAST(dict(data))
    except (Slow, ValidationError):
        loaded = _slow(data)
    if not loaded.get("mode"):
        raise InvalidAcquisition(
            N_("the acquisition cannot be recorded: correct the fields named"),
            errors={"acquisition.mode": [Message(N_("required"))]},
        )
    loaded["steps"] = loaded.get("steps") or []
    return loaded


def _slow(data: Mapping[str, Any]) -> dict[str, Any]:
    try:
        loaded: dict[str, Any] = _SCHEMA.load(dict(data))
    except ValidationError as exc:
        raise InvalidAcquisition(
            N_("the acquisition cannot be recorded: correct the fields named"),
            errors=_paths(exc.messages, "acquisition"),
        ) from None
    return loaded


def _paths(messages: Any, prefix: str) -> dict[str, list[Any]]:
    """marshmallow's nested messages → ``{"acquisition.steps[0].date": [Message, …]}``."""
    out: dict[str, list[Any]] = {}

    def walk(node: Any, path: str) -> None:
        if isinstance(node, Mapping):
            for key, value in node.items():
                if isinstance(key, int):
                    walk(value, f"{path}[{key}]")
                elif key == "_schema":
                    walk(value, path)
                else:
                    walk(value, f"{path}.{key}")
        elif isinstance(node, list):
            for item in node:
                walk(item, path)
        else:
            if isinstance(node, Message):
                message = node
            elif node == "Unknown field.":
                message = _UNKNOWN
            else:  # marshmallow's own English (a list where a list is due…)
                message = Message(N_("invalid value"))
            out.setdefault(path, []).append(message)

    walk(messages, prefix)
    return out
