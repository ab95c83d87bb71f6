"""Acquisition procedures, as data: one JSON file per procedure in ``catalogue/procedures``.

A file names the acquisition mode it belongs to (a term of the ``acquisition_mode``
vocabulary) and its ordered steps; each step names the actors involved (vocabulary
``actor``), the commission that meets at that step if any (``commission``) and the
documents it is expected to produce (``document_type``)::

    {"id": "achat", "mode": "achat", "labels": {"fr": "...", "ar": "..."},
     "steps": [{"id": "definition-besoins", "labels": {"fr": "...", "ar": "..."},
                "actors": ["lnrn", "igap"], "commission": "definition-besoins",
                "documents": ["feuille-de-route"]}]}

Every value is checked against the vocabularies when the files are loaded, and
stored as the term id (a label such as ``"IGAP"`` is accepted and resolved), so
the LNRN can adjust a procedure without touching code and a typo stops start-up
with :class:`~catalogue.errors.UnknownEntity` naming the file and the step.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.messages import N_
from metadata_schemas.errors import UnknownTermError

from ..errors import UnknownEntity, unknown_term

FOLDER = Path(__file__).resolve().parent.parent / "procedures"
_STEP_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_LANGS = ("fr", "ar")


@dataclass(frozen=True)
class Step:
    id: str
    position: int
    labels: dict[str, str]
    actors: tuple[str, ...]
    commission: str | None
    documents: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "labels": dict(self.labels),
            "actors": list(self.actors),
            "commission": self.commission,
            "documents": list(self.documents),
        }


@dataclass(frozen=True)
class Procedure:
    id: str
    mode: str
    labels: dict[str, str]
    steps: tuple[Step, ...]

    def step(self, step_id: str) -> Step:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise UnknownEntity(
            N_("unknown step %(step)r in procedure %(procedure)r: expected one of %(choices)s"),
            step=step_id,
            procedure=self.id,
            choices=", ".join(s.id for s in self.steps),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "mode": self.mode,
            "labels": dict(self.labels),
            "steps": [s.to_dict() for s in self.steps],
        }


class Procedures(Mapping[str, Procedure]):
    """Procedures by id; ``for_mode(mode)`` gives a mode's default procedure."""

    def __init__(self, procedures: dict[str, Procedure]) -> None:
        self._by_id = procedures

    def __getitem__(self, key: str) -> Procedure:
        return self._by_id[key]

    def __iter__(self):
        return iter(self._by_id)

    def __len__(self) -> int:
        return len(self._by_id)

    def get_procedure(self, procedure_id: str) -> Procedure:
        try:
            return self._by_id[procedure_id]
        except KeyError:
            raise UnknownEntity(
                N_("unknown acquisition procedure %(procedure)r: expected one of %(choices)s"),
                procedure=procedure_id,
                choices=", ".join(sorted(self._by_id)),
            ) from None

    def for_mode(self, mode: str) -> Procedure:
        """The procedure whose id is the mode, else the first one of that mode."""
        if mode in self._by_id and self._by_id[mode].mode == mode:
            return self._by_id[mode]
        for procedure in self._by_id.values():
            if procedure.mode == mode:
                return procedure
        raise UnknownEntity(N_("no acquisition procedure for mode %(mode)r"), mode=mode)


def _resolve(vocabularies: Any, vocabulary: str, value: Any, where: str) -> str:

    try:
        return vocabularies[vocabulary].resolve(value).id
    except KeyError:
        raise UnknownEntity(
            N_("%(field)s: the vocabulary %(vocabulary)r is missing"),
            field=where,
            vocabulary=vocabulary,
        ) from None
    except UnknownTermError as exc:
        raise unknown_term(where, exc) from None


def _labels(data: Any, where: str) -> dict[str, str]:
    if not isinstance(data, dict) or any(
        not isinstance(data.get(lang), str) or not data[lang].strip() for lang in _LANGS
    ):
        raise UnknownEntity(N_("%(field)s: labels need a French and an Arabic text"), field=where)
    return {k: v.strip() for k, v in data.items() if isinstance(v, str) and v.strip()}


def parse_procedure(data: Any, *, source: str, vocabularies: Any) -> Procedure:
    if not isinstance(data, dict):
        raise UnknownEntity(N_("%(file)s: a procedure file holds one JSON object"), file=source)
    proc_id = data.get("id") or Path(source).stem
    if not isinstance(proc_id, str) or not _STEP_ID.match(proc_id):
        raise UnknownEntity(N_("%(file)s: bad procedure id %(id)r"), file=source, id=proc_id)
    mode = _resolve(vocabularies, "acquisition_mode", data.get("mode"), f"{source}: mode")
    labels = _labels(data.get("labels"), f"{source}: labels")
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise UnknownEntity(
            N_("%(file)s: a procedure needs a non-empty list of steps"), file=source
        )
    steps: list[Step] = []
    seen: set[str] = set()
    for position, raw in enumerate(raw_steps):
        if not isinstance(raw, dict):
            raise UnknownEntity(
                N_("%(file)s: step %(number)d is not an object"), file=source, number=position + 1
            )
        step_id = raw.get("id")
        where = f"{source}: step {step_id!r}"
        if not isinstance(step_id, str) or not _STEP_ID.match(step_id):
            raise UnknownEntity(
                N_("%(file)s: step %(number)d has a bad id %(id)r"),
                file=source,
                number=position + 1,
                id=step_id,
            )
        if step_id in seen:
            raise UnknownEntity(N_("%(field)s appears twice"), field=where)
        seen.add(step_id)
        unknown_keys = set(raw) - {"id", "labels", "actors", "commission", "documents", "note"}
        if unknown_keys:
            raise UnknownEntity(
                N_("%(field)s: unknown keys %(names)s"),
                field=where,
                names=", ".join(sorted(unknown_keys)),
            )
        actors = tuple(
            _resolve(vocabularies, "actor", a, f"{where}: actor") for a in raw.get("actors") or []
        )
        if not actors:
            raise UnknownEntity(N_("%(field)s: names no actor"), field=where)
        commission = raw.get("commission")
        if commission is not None:
            commission = _resolve(vocabularies, "commission", commission, f"{where}: commission")
        documents = tuple(
            _resolve(vocabularies, "document_type", d, f"{where}: document")
            for d in raw.get("documents") or []
        )
        steps.append(
            Step(
                id=step_id,
                position=position,
                labels=_labels(raw.get("labels"), where),
                actors=actors,
                commission=commission,
                documents=documents,
            )
        )
    return Procedure(id=proc_id, mode=mode, labels=labels, steps=tuple(steps))


def load_procedures(vocabularies: Any, folder: Path | str | None = None) -> Procedures:
    """Load and check every ``*.json`` file of ``folder`` (default: the shipped procedures)."""
    folder = Path(folder) if folder else FOLDER
    procedures: dict[str, Procedure] = {}
    for path in sorted(folder.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise UnknownEntity(
                N_("%(file)s: not a readable JSON file (%(error)s)"), file=path.name, error=str(exc)
            ) from None
        procedure = parse_procedure(data, source=path.name, vocabularies=vocabularies)
        if procedure.id in procedures:
            raise UnknownEntity(
                N_("%(file)s: procedure id %(id)r is used twice"), file=path.name, id=procedure.id
            )
        procedures[procedure.id] = procedure
    if not procedures:
        raise UnknownEntity(N_("no acquisition procedure in %(folder)s"), folder=str(folder))
    return Procedures(procedures)
