"""What the XML writers' tests share: the sample records and one provenance summary."""

from __future__ import annotations

import json
from pathlib import Path

from metadata_schemas.record import load_record

SAMPLES = Path(__file__).parent / "samples"
PROVENANCE = {
    "mode": "don",
    "reference": "Convention 7/2024",
    "counterpart": "UNICEF Maroc",
    "validated": {"date": "2025-01-02", "commission": "validation", "reference": "PV 3/2025"},
    "published": {"date": "2025-01-05T10:00:00Z", "by": "LNRN"},
}


def sample(name: str) -> dict:
    return load_record(json.loads((SAMPLES / f"{name}.json").read_text("utf-8")))
