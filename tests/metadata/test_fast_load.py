"""The compiled loader (metadata_schemas.fast_load) gives what marshmallow gives.

``load_record`` tries the compiled loader first and falls back to the schema
itself for anything the compiled loader does not take. These tests hold the two
to the same answer: the same record for a valid input, and no record from the
compiled loader where marshmallow refuses (the errors then come from marshmallow).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError
from strategies import record_data

from metadata_schemas.families import records_in
from metadata_schemas.fast_load import prune
from metadata_schemas.lom_reader import read_lom
from metadata_schemas.record import _fast_load, _schema
from metadata_schemas.safe_xml import parse_xml
from metadata_schemas.synthetic import generate_records

SAMPLES = Path(__file__).parent / "samples"
CORPUS = Path(__file__).parent.parent / "intake" / "corpus"


def _same_answer(data) -> None:
    try:
        expected = prune(_schema.load(copy.deepcopy(data)))
    except ValidationError:
        expected = None
    try:
        got = _fast_load(copy.deepcopy(data))
    except Exception:  # any refusal sends load_record to marshmallow
        got = None
    if expected is None:
        assert got is None, "the compiled loader took a record marshmallow refuses"
    elif got is not None:  # None: the compiled loader declined; marshmallow answers (slower)
        assert json.dumps(got, sort_keys=False) == json.dumps(expected, sort_keys=False)


@pytest.mark.parametrize("name", sorted(p.name for p in SAMPLES.glob("*.json")))
def test_sample_records(name):
    data = json.loads((SAMPLES / name).read_text("utf-8"))
    _same_answer(data)
    assert _fast_load(copy.deepcopy(data)) is not None  # valid samples take the fast path


def test_synthetic_records():
    for record in generate_records(150, seed="fast-load"):
        _same_answer(record)
        assert _fast_load(copy.deepcopy(record)) == prune(_schema.load(copy.deepcopy(record)))


def test_raw_reads_of_the_intake_corpus():
    """What the LOM readers hand to validation, partner values included (many refused)."""
    seen = 0
    for path in sorted(CORPUS.rglob("*.xml")):
        root = parse_xml(path.read_bytes(), source=path.name)
        for found in records_in(root, path.name):
            if found.kind == "lom" and found.element is not None:
                raw, _notes = read_lom(found.element)
                _same_answer(raw)
                seen += 1
    assert seen > 10


_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.text(max_size=5)
    | st.sampled_from(["", "fr", "exercise", "1ac", "level", "PT1H", "2024-01-01"]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(["fr", "ar", "key", "value", "how", "source", "taxon", "x"]),
            inner,
            max_size=3,
        )
    ),
    max_leaves=8,
)


@st.composite
def damaged_records(draw):
    """A valid record with one value anywhere replaced by arbitrary JSON."""
    data = draw(record_data())
    node = data
    for _ in range(draw(st.integers(1, 4))):
        if isinstance(node, dict) and node:
            key = draw(st.sampled_from(sorted(node, key=str)))
            if draw(st.booleans()) or not isinstance(node[key], (dict, list)):
                node[key] = draw(_json)
                break
            node = node[key]
        elif isinstance(node, list) and node:
            index = draw(st.integers(0, len(node) - 1))
            if draw(st.booleans()) or not isinstance(node[index], (dict, list)):
                node[index] = draw(_json)
                break
            node = node[index]
        else:
            break
    return data


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(record_data())
def test_generated_records(data):
    _same_answer(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damaged_records())
def test_damaged_records(data):
    _same_answer(data)
