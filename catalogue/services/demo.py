"""``mawarid demo``: synthetic resources, published, each with complete provenance.

Records and acquisitions come from :func:`metadata_schemas.synthetic.generate_dataset`;
this module adds what the catalogue knows: every step of the acquisition's
procedure done (dates spread between the start and the end of the acquisition),
the PV of the validation commission attached to the validation step of each
acquisition (a small generated file per PV, stored once by checksum like any upload), and the
lifecycle recorded through the bulk path (:mod:`.bulk`: the same checks and the
same create → submit → decide "conforme" → publish events as the one-by-one
operations, written in one go), so the demo data obeys the same rules as real data.

Ids are ``demo-<seed>-<n>``: running the same demo again skips what exists, and
an interrupted run resumes. Resources are written in batches, one transaction
each; the caller brings the search index up to date from the index journal after.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import select

from ..store.models import Acquisition
from .actors import SYSTEM
from .bulk import Attachment, BulkReport, Incoming, Publication
from .prepare import Preparer
from .procedures import Procedure
from .resources import ResourceService

#: the step whose PV carries the decision, per procedure (else the last step with that commission)
PV_DOCUMENT = "pv-commission-validation"
DEMO_NOTE = "données de démonstration / بيانات تجريبية"


def demo_id(seed: Any, n: int) -> str:
    safe = re.sub(r"[^A-Za-z0-9]", "", str(seed))[:20] or "0"
    return f"demo-{safe}-{n:06d}"


def _steps(procedure: Procedure, started: str | None, ended: str | None) -> list[dict[str, Any]]:
    start = dt.date.fromisoformat(started) if started else dt.date(2020, 1, 1)
    end = dt.date.fromisoformat(ended) if ended else start + dt.timedelta(days=180)
    span = max((end - start).days, 0)
    count = len(procedure.steps)
    return [
        {
            "id": step.id,
            "status": "done",
            "date": (start + dt.timedelta(days=span * i // max(count - 1, 1))).isoformat(),
        }
        for i, step in enumerate(procedure.steps)
    ]


def _validation_step(procedure: Procedure) -> str:
    for step in procedure.steps:
        if PV_DOCUMENT in step.documents:
            return step.id
    return procedure.steps[-1].id


class Demo:
    def __init__(
        self,
        resources: ResourceService,
        *,
        seed: Any = 0,
        batch_size: int = 500,
        preparer: Preparer | None = None,
    ) -> None:
        self.resources = resources
        self.seed = seed
        self.batch_size = batch_size
        self.preparer = preparer
        self._counterparts: dict[tuple[str, str], str] = {}
        self._pv_done: set[tuple[str, str]] = set()
        self._shared: dict[tuple[str, str], dict[str, Any]] = {}

    def _acquisition(self, acq: dict[str, Any]) -> dict[str, Any]:
        acq = dict(acq)
        key = (acq["mode"], acq.get("reference") or "")
        # Random references of the generator may collide across counterparts; in the real
        # catalogue that is an error (one reference, one counterpart), so keep them apart.
        known = self._counterparts.setdefault(key, acq.get("counterpart") or "")
        if known != (acq.get("counterpart") or ""):
            acq["reference"] = f"{acq['reference']} — {acq.get('counterpart')}"
        # One tender has one history: the generator's dates of its first resource, not a
        # new draw per resource (which would re-date the shared acquisition each time).
        shared = self._shared.get((acq["mode"], acq.get("reference") or ""))
        if shared is not None:
            return shared
        procedure = self.resources.procedures.for_mode(acq["mode"])
        acq["steps"] = _steps(procedure, acq.get("started_on"), acq.get("ended_on"))
        self._shared[(acq["mode"], acq.get("reference") or "")] = acq
        return acq

    def _incoming(self, n: int, record: dict[str, Any], raw: dict[str, Any]) -> Incoming:
        acq = self._acquisition(raw)
        year = (acq.get("ended_on") or acq.get("started_on") or "2024")[:4]
        key = (acq["mode"], acq["reference"])
        attachments: tuple[Attachment, ...] = ()
        if key not in self._pv_done:
            self._pv_done.add(key)
            procedure = self.resources.procedures.for_mode(acq["mode"])
            # One PV decides on many resources: its file is the same for every acquisition
            # it names (stored once, by checksum), as in a real commission.
            text = f"{_pv(n, year)}\nDécision : conforme\n(document de démonstration)\n"
            attachments = (
                Attachment(
                    step=_validation_step(procedure),
                    document_type=PV_DOCUMENT,
                    filename=f"pv-validation-{n}.txt",
                    data=text.encode("utf-8"),
                ),
            )
        return Incoming(
            source=demo_id(self.seed, n),
            record=record,
            resource_id=demo_id(self.seed, n),
            acquisition=acq,
            attachments=attachments,
            reference=_pv(n, year),
        )

    def _known_counterparts(self, keys: set[tuple[str, str]]) -> dict[tuple[str, str], str]:
        if not keys:
            return {}
        with self.resources.db.session() as session:
            rows = session.execute(
                select(Acquisition.mode, Acquisition.reference, Acquisition.counterpart).where(
                    Acquisition.reference.in_({r for _, r in keys})
                )
            )
            return {(m, r): c or "" for m, r, c in rows if r is not None and (m, r) in keys}

    def _items(self, count: int) -> Iterator[Incoming]:
        # Imported when a demo runs: the generator's data files stay out of other commands.
        from metadata_schemas.synthetic import generate_dataset

        items: Iterator[tuple[int, tuple[dict[str, Any], dict[str, Any]]]] = enumerate(
            generate_dataset(count, seed=self.seed)
        )
        while chunk := [item for _, item in zip(range(self.batch_size), items, strict=False)]:
            self._counterparts.update(
                self._known_counterparts(
                    {(a["mode"], a.get("reference") or "") for _, (_, a) in chunk}
                )
            )
            for n, (record, acq) in chunk:
                yield self._incoming(n, record, acq)

    def run(self, count: int, *, progress: Callable[[int], None] | None = None) -> dict[str, int]:
        """Publish ``count`` synthetic resources (those already there are skipped)."""
        writer = self.resources.bulk(
            actor=SYSTEM,
            publication=Publication(
                _pv(0, "2024"), by=SYSTEM, submit_note=DEMO_NOTE, decide_note=DEMO_NOTE
            ),
            preparer=self.preparer,
            fsync_documents=False,  # generated files: a crash only loses demo data
        )

        handled = 0

        def done(batch: BulkReport) -> None:
            nonlocal handled
            handled += batch.count
            if progress:
                progress(handled)

        report = writer.run(self._items(count), batch_size=self.batch_size, progress=done)
        if report.refused:  # generated records are valid: a refusal is a bug, say it
            source, error = report.refused[0]
            raise RuntimeError(f"demo record {source} refused: {error}")
        return {"created": len(report.created), "skipped": len(report.skipped)}


def _pv(n: int, year: str) -> str:
    return f"PV de la commission de validation n° {n % 97 + 1}/{year}"
