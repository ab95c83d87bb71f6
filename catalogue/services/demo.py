"""``mawarid demo``: synthetic resources, published, each with complete provenance.

Records and acquisitions come from :func:`metadata_schemas.synthetic.generate_dataset`;
this module adds what the catalogue knows: every step of the acquisition's
procedure done (dates spread between the start and the end of the acquisition),
the PV of the validation commission attached to the validation step (one small
generated file per acquisition, stored by checksum like any upload), and the
lifecycle recorded through :meth:`Work.create_published` (the same checks and the
same create → submit → decide "conforme" → publish events as the one-by-one
operations, written in one go), so the demo data obeys the same rules as real data.

Ids are ``demo-<seed>-<n>``: running the same demo again skips what exists, and
an interrupted run resumes. Resources are written in batches, one transaction
each, without per-record notifications; the caller indexes them in bulk after.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from typing import Any

from .actors import SYSTEM
from .procedures import Procedure
from .resources import ResourceService, Work

#: the step whose PV carries the decision, per procedure (else the last step with that commission)
PV_DOCUMENT = "pv-commission-validation"


def demo_id(seed: Any, n: int) -> str:
    safe = re.sub(r"[^A-Za-z0-9]", "", str(seed))[:20] or "0"
    return f"demo-{safe}-{n:06d}"


def _steps(procedure: Procedure, started: str | None, ended: str | None) -> list[dict]:
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
    def __init__(self, resources: ResourceService, *, seed: Any = 0, batch_size: int = 500) -> None:
        self.resources = resources
        self.seed = seed
        self.batch_size = batch_size
        self._counterparts: dict[tuple[str, str], str] = {}
        self._pv_done: set[tuple[str, str]] = set()

    def _acquisition(self, acq: dict) -> dict:
        acq = dict(acq)
        key = (acq["mode"], acq.get("reference") or "")
        # Random references of the generator may collide across counterparts; in the real
        # catalogue that is an error (one reference, one counterpart), so keep them apart.
        known = self._counterparts.setdefault(key, acq.get("counterpart") or "")
        if known != (acq.get("counterpart") or ""):
            acq["reference"] = f"{acq['reference']} — {acq.get('counterpart')}"
        procedure = self.resources.procedures.for_mode(acq["mode"])
        acq["steps"] = _steps(procedure, acq.get("started_on"), acq.get("ended_on"))
        return acq

    def _one(self, work: Work, n: int, record: dict, acq: dict) -> str:
        rid = demo_id(self.seed, n)
        acq = self._acquisition(acq)
        year = (acq.get("ended_on") or acq.get("started_on") or "2024")[:4]
        pv = f"PV de la commission de validation n° {n % 97 + 1}/{year}"
        work.create_published(
            SYSTEM,
            record,
            acquisition=acq,
            resource_id=rid,
            reference=pv,
            note="données de démonstration / بيانات تجريبية",
            known_new=True,
        )
        key = (acq["mode"], acq["reference"])
        if key not in self._pv_done:
            procedure = self.resources.procedures.for_mode(acq["mode"])
            text = (
                f"{pv}\nAcquisition : {acq['reference']} ({acq.get('counterpart')})\n"
                "Décision : conforme\n(document de démonstration)\n"
            )
            work.attach_document(
                SYSTEM,
                rid,
                step=_validation_step(procedure),
                document_type=PV_DOCUMENT,
                filename=f"pv-validation-{n}.txt",
                data=text.encode("utf-8"),
                fsync=False,
                flush=False,
            )
            self._pv_done.add(key)
        return rid

    def _known_counterparts(self, keys: set[tuple[str, str]]) -> dict[tuple[str, str], str]:
        from sqlalchemy import select

        from ..store.models import Acquisition

        if not keys:
            return {}
        with self.resources.db.session() as session:
            rows = session.execute(
                select(Acquisition.mode, Acquisition.reference, Acquisition.counterpart).where(
                    Acquisition.reference.in_({r for _, r in keys})
                )
            )
            return {(m, r): c or "" for m, r, c in rows if (m, r) in keys}

    def run(self, count: int, *, progress: Callable[[int], None] | None = None) -> dict[str, int]:
        from metadata_schemas.synthetic import generate_dataset

        created = skipped = 0
        items: Iterator = enumerate(generate_dataset(count, seed=self.seed))
        while True:
            chunk = [item for _, item in zip(range(self.batch_size), items, strict=False)]
            if not chunk:
                break
            ids = [demo_id(self.seed, n) for n, _ in chunk]
            existing = self.resources.existing_ids(ids)
            self._counterparts.update(
                self._known_counterparts(
                    {(a["mode"], a.get("reference") or "") for _, (_, a) in chunk}
                )
            )
            with self.resources.batch(notify=False) as work:
                work.preload_acquisitions(
                    {(a["mode"], a.get("reference") or "") for _, (_, a) in chunk}
                )
                for n, (record, acq) in chunk:
                    if demo_id(self.seed, n) in existing:
                        skipped += 1
                        continue
                    self._one(work, n, record, acq)
                    created += 1
            if progress:
                progress(created + skipped)
        return {"created": created, "skipped": skipped}
