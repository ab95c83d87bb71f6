"""Recording how resources were acquired: input checking and the shared acquisition rows.

An acquisition is given as a dict (forms, JSON lines imports, the demo)::

    {"mode": "achat", "procedure": "achat",            # procedure defaults to the mode's
     "reference": "AO 12/2024/LNRN", "counterpart": "Éditions X",
     "started_on": "2024-01-10", "completed_on": "2024-06-30", "note": "...",
     "steps": [{"id": "definition-besoins", "status": "done", "date": "2024-01-10",
                "actors": ["lnrn", "igap"], "commission": "definition-besoins", "note": "..."}]}

Modes, actors and commissions are resolved through the vocabularies (a label is
accepted, the id is stored); a step must belong to the procedure. One tender,
donation or agreement delivers many resources, so an acquisition with a
reference is shared: resources naming the same ``(mode, reference)`` point to
the same row, and steps given later complete it.
"""

from __future__ import annotations

from typing import Any, overload

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.clock import SYSTEM_CLOCK, Clock, utcnow
from core.messages import N_
from metadata_schemas.errors import UnknownTermError

from ..errors import InvalidInput, UnknownEntity, unknown_term
from ..store.models import Acquisition, ProcedureStep
from . import acquisition_schema as schema
from .procedures import Procedure, Procedures

#: The acquisitions of one unit of work by ``(mode, reference)``; None: looked up, absent.
AcquisitionCache = dict[tuple[str, str | None], Acquisition | None]


def _resolve(vocabularies: Any, vocabulary: str, value: Any, field: str) -> str:

    try:
        return vocabularies[vocabulary].resolve(value).id
    except UnknownTermError as exc:
        raise unknown_term(f"acquisition.{field}", exc) from None


def parse_acquisition(data: Any, *, procedures: Procedures, vocabularies: Any) -> dict[str, Any]:
    """Check an acquisition dict and return it canonical (ids, ISO dates, known steps).

    Its shape is checked by :mod:`.acquisition_schema` (every malformed field named at
    once); its terms and steps here, against the vocabularies and the procedure.
    """
    given = schema.load(data)
    mode = _resolve(vocabularies, "acquisition_mode", given["mode"], "mode")
    procedure = (
        procedures.get_procedure(given["procedure"])
        if given.get("procedure")
        else procedures.for_mode(mode)
    )
    if procedure.mode != mode:
        raise UnknownEntity(
            N_("acquisition.procedure: %(procedure)r is a procedure of mode %(of)r, not %(mode)r"),
            procedure=procedure.id,
            of=procedure.mode,
            mode=mode,
        )
    seen: set[str] = set()
    return {
        "mode": mode,
        "procedure": procedure.id,
        "reference": given.get("reference"),
        "counterpart": given.get("counterpart"),
        "started_on": given.get("started_on"),
        "completed_on": given.get("completed_on") or given.get("ended_on"),
        "note": given.get("note"),
        "steps": [_step(raw, procedure, vocabularies, seen) for raw in given["steps"]],
    }


def _step(
    raw: dict[str, Any], procedure: Procedure, vocabularies: Any, seen: set[str]
) -> dict[str, Any]:
    step = procedure.step(raw["id"])
    if step.id in seen:
        raise InvalidInput(N_("%(field)s: given twice"), field=f"acquisition.steps[{step.id}]")
    seen.add(step.id)
    where = f"steps[{step.id}]"
    actors = (
        [_resolve(vocabularies, "actor", a, f"{where}.actors") for a in raw["actors"]]
        if raw.get("actors")
        else list(step.actors)
    )
    commission = (
        _resolve(vocabularies, "commission", raw["commission"], f"{where}.commission")
        if raw.get("commission")
        else step.commission
    )
    return {
        "id": step.id,
        "position": step.position,
        "status": raw["status"],
        "date": raw.get("date"),
        "actors": actors,
        "commission": commission,
        "note": raw.get("note"),
    }


def apply_acquisition(
    session: Session,
    data: dict[str, Any],
    procedure: Procedure,
    *,
    cache: AcquisitionCache | None = None,
    bulk: list[Acquisition] | None = None,
    clock: Clock = SYSTEM_CLOCK,
    add: bool = True,
) -> Acquisition:
    """The acquisition row for a canonical dict: found by ``(mode, reference)`` or created.

    ``cache`` (per unit of work) remembers rows already found, or ``None`` for keys known
    to be absent, for bulk imports. ``bulk``: the steps of a *new* acquisition are kept
    as plain dicts in ``row.bulk_steps`` and the row is appended to ``bulk``, for the unit
    of work to insert them in one statement after the row itself (see ``Work._flush_bulk``).
    ``add=False``: a new row is not added to the session (the bulk writer inserts it with
    the others of its batch, :mod:`.bulk`). A refusal always comes before any change.
    """
    now = utcnow(clock)
    row = None
    key = (data["mode"], data["reference"])
    if data["reference"]:
        row = cache.get(key) if cache is not None else None
        # A key cached as None was looked up already (see Work.preload_acquisitions): absent.
        if row is None and not (cache is not None and key in cache):
            # No autoflush: pending rows of this unit of work are in ``cache``; flushing a
            # whole batch before each lookup would make bulk imports quadratic.
            with session.no_autoflush:
                row = session.scalars(
                    select(Acquisition).where(
                        Acquisition.mode == data["mode"], Acquisition.reference == data["reference"]
                    )
                ).first()
    if row is None:
        row = Acquisition(
            mode=data["mode"],
            procedure=data["procedure"],
            reference=data["reference"],
            created_at=now,
            updated_at=now,
        )
        if add:
            session.add(row)
        if bulk is not None:
            row.bulk_steps = {}
            bulk.append(row)
    if cache is not None and data["reference"]:
        cache[key] = row
    if row.procedure != data["procedure"]:
        raise InvalidInput(
            N_(
                "acquisition %(mode)s %(reference)r is recorded with procedure %(recorded)r, "
                "not %(given)r"
            ),
            mode=data["mode"],
            reference=data["reference"],
            recorded=row.procedure,
            given=data["procedure"],
        )
    elif data["counterpart"] and row.counterpart and row.counterpart != data["counterpart"]:
        # A shared acquisition must not be silently re-attributed to another counterpart.
        raise InvalidInput(
            N_(
                "acquisition %(mode)s %(reference)r is recorded with counterpart %(recorded)r, "
                "not %(given)r"
            ),
            mode=data["mode"],
            reference=data["reference"],
            recorded=row.counterpart,
            given=data["counterpart"],
        )
    if already_recorded(row, data):
        return row  # the row stays clean: no UPDATE, nothing for the flush to compare
    for name in ("counterpart", "started_on", "completed_on", "note"):
        if data[name]:
            setattr(row, name, data[name])
    pending = row.bulk_steps
    if pending is not None:
        for step in data["steps"]:
            kept = pending.get(step["id"])
            pending[step["id"]] = {
                **step,
                "date": step["date"] or (kept or {}).get("date"),
                "note": step["note"] or (kept or {}).get("note"),
            }
        row.current_step = current_step(row, procedure)
        row.updated_at = now
        return row
    by_id = {s.step: s for s in row.steps}
    for step in data["steps"]:
        existing = by_id.get(step["id"])
        if existing is None:
            row.steps.append(
                ProcedureStep(
                    step=step["id"],
                    position=step["position"],
                    status=step["status"],
                    date=step["date"],
                    actors=step["actors"],
                    commission=step["commission"],
                    note=step["note"],
                )
            )
        else:
            existing.status = step["status"]
            existing.date = step["date"] or existing.date
            existing.actors = step["actors"]
            existing.commission = step["commission"]
            existing.note = step["note"] or existing.note
    row.current_step = current_step(row, procedure)
    row.updated_at = now
    return row


def already_recorded(row: Acquisition, data: dict[str, Any]) -> bool:
    """True when ``row`` (recorded, its steps read by a bulk preload) already says all that
    ``data`` says: most records of an ingest name an acquisition recorded before them."""
    steps = recorded_steps(row)
    if row.bulk_steps is not None or steps is None:
        return False
    for name in ("counterpart", "started_on", "completed_on", "note"):
        if data[name] and getattr(row, name) != data[name]:
            return False
    by_id = {s["id"]: s for s in steps}
    for step in data["steps"]:
        kept = by_id.get(step["id"])
        if kept is None or (
            step["status"],
            step["date"] or kept["date"],
            step["actors"],
            step["commission"],
            step["note"] or kept["note"],
        ) != (kept["status"], kept["date"], kept["actors"], kept["commission"], kept["note"]):
            return False
    return True


def recorded_steps(row: Acquisition) -> list[dict[str, Any]] | None:
    """The preload's plain copy of ``row``'s steps, unless the ORM collection was loaded
    since (it is then the truth)."""
    return row.recorded_steps if "steps" not in row.__dict__ else None


def step_rows(row: Acquisition) -> list[dict[str, Any]]:
    """The ``procedure_steps`` rows of a new acquisition whose steps wait in ``bulk_steps``
    (inserted with the others of their unit of work, once ``row`` has its id)."""
    return [
        {
            "acquisition_id": row.id,
            "step": step["id"],
            "position": step["position"],
            "status": step["status"],
            "date": step["date"],
            "actors": step["actors"],
            "commission": step["commission"],
            "note": step["note"],
        }
        for step in (row.bulk_steps or {}).values()
    ]


def _steps_of(row: Acquisition) -> list[dict[str, Any]]:
    pending = row.bulk_steps
    if pending is not None:
        steps = [
            {k: v for k, v in s.items() if k != "position"} | {"position": s["position"]}
            for s in pending.values()
        ]
    elif (recorded := recorded_steps(row)) is not None:
        steps = recorded
    else:
        steps = [
            {
                "id": s.step,
                "position": s.position,
                "status": s.status,
                "date": s.date,
                "actors": list(s.actors or []),
                "commission": s.commission,
                "note": s.note,
            }
            for s in row.steps
        ]
    return sorted(steps, key=lambda s: s["position"])


def current_step(row: Acquisition, procedure: Procedure) -> str | None:
    """The first step of the procedure not yet done (or skipped); None when all are."""
    status = {s["id"]: s["status"] for s in _steps_of(row)}
    for step in procedure.steps:
        if status.get(step.id) not in ("done", "skipped"):
            return step.id
    return None


@overload
def acquisition_dict(row: Acquisition) -> dict[str, Any]: ...
@overload
def acquisition_dict(row: None) -> None: ...
@overload
def acquisition_dict(row: Acquisition | None) -> dict[str, Any] | None: ...


def acquisition_dict(row: Acquisition | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {
        "mode": row.mode,
        "procedure": row.procedure,
        "reference": row.reference,
        "counterpart": row.counterpart,
        "started_on": row.started_on,
        "completed_on": row.completed_on,
        "current_step": row.current_step,
        "note": row.note,
        "steps": [
            {
                "id": s["id"],
                "status": s["status"],
                "date": s["date"],
                "actors": list(s["actors"] or []),
                "commission": s["commission"],
                "note": s["note"],
            }
            for s in _steps_of(row)
        ],
    }
