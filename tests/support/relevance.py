"""The relevance harness of ``bench/relevance.py``, importable by the tests (one copy of the
metrics, the judged sets and the corpus expansion)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

_PATH = Path(__file__).resolve().parents[2] / "bench" / "relevance.py"
_spec = importlib.util.spec_from_file_location("mawarid_bench_relevance", _PATH)
assert _spec and _spec.loader
harness = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = harness
_spec.loader.exec_module(harness)


def baseline(judged_set: str, engine: str) -> dict:
    return json.loads(harness.BASELINE.read_text("utf-8"))[judged_set][engine]
