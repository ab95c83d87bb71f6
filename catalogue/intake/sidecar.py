"""``<name>.provenance.json`` beside an exported record: its acquisition and steps.

What ``mawarid export`` writes next to each record, so that a catalogue moves
between instances with its provenance (decisions are recorded again only with
``--migrate-validated``; attached files are not part of an export).
"""

from __future__ import annotations

import json
from typing import Any

MAX_SIDECAR_BYTES = 5 * 1024 * 1024


def acquisition_from_sidecar(data: bytes) -> dict[str, Any] | None:
    """The acquisition (with the steps done) of a provenance document written by the export.

    Raises ``ValueError`` naming what is wrong with the document.
    """
    if len(data) > MAX_SIDECAR_BYTES:
        raise ValueError("too large")
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"not a JSON provenance document ({exc})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("acquisition"), (dict, type(None))):
        raise ValueError("not a provenance document (no acquisition object)")
    acq = doc["acquisition"]
    if acq is None:
        return None
    out = {
        k: acq[k]
        for k in (
            "mode",
            "procedure",
            "reference",
            "counterpart",
            "started_on",
            "completed_on",
            "note",
        )
        if acq.get(k) is not None
    }
    steps = acq.get("steps") or []
    if not isinstance(steps, list):
        raise ValueError("acquisition.steps is not a list")
    out["steps"] = [
        {
            k: step[k]
            for k in ("id", "status", "date", "actors", "commission", "note")
            if step.get(k) is not None
        }
        for step in steps
        if isinstance(step, dict) and step.get("status") not in (None, "pending")
    ]
    return out
