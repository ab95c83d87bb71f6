"""The acquisition's compiled loader keeps marshmallow's rules (acquisition_schema._FAST)."""

from __future__ import annotations

import datetime as dt

from hypothesis import example, given, settings
from hypothesis import strategies as st

from catalogue.services import acquisition_schema
from metadata_schemas.fast_load import Slow

texts = st.one_of(st.none(), st.just(""), st.text(max_size=12), st.integers(0, 5))
dates = st.one_of(
    st.none(),
    st.just(""),
    st.dates().map(str),
    st.dates(),
    st.datetimes(),
    st.sampled_from(["2021-02-30", "31/12/2020", "2024-05-01T10:00:00"]),
)
steps = st.one_of(
    st.sampled_from(["cps", "approbation"]),
    st.fixed_dictionaries(
        {"id": st.sampled_from(["cps", "veille", " approbation "])},
        optional={
            "status": st.sampled_from(["done", "pending", "skipped", "finished", ""]),
            "date": dates,
            "actors": st.one_of(st.none(), st.lists(texts, max_size=3), st.just("lnrn")),
            "commission": texts,
            "note": texts,
            "documents": st.just([{"filename": "pv.pdf"}]),
            "surprise": st.just(1),
        },
    ),
)
acquisitions = st.fixed_dictionaries(
    {"mode": st.one_of(st.sampled_from(["achat", " don ", ""]), texts)},
    optional={
        "procedure": texts,
        "reference": st.one_of(texts, st.just("AO  7/2021 ")),
        "counterpart": texts,
        "started_on": dates,
        "completed_on": dates,
        "ended_on": dates,
        "note": st.one_of(texts, st.just("x" * 5001)),
        "steps": st.one_of(st.none(), st.lists(steps, max_size=4), st.just("cps")),
        "current_step": texts,
        "unexpected": st.just(True),
    },
)


def _kept(value):
    """What a caller reads of a loaded acquisition: empty values and absent keys alike."""
    if isinstance(value, dict):
        return {k: _kept(v) for k, v in value.items() if v not in (None, "", [], {})}
    if isinstance(value, list):
        return [_kept(v) for v in value]
    return value


@settings(max_examples=1500, deadline=None)
@given(acquisitions)
@example({"mode": "", "steps": [{"id": "cps", "actors": [None]}]})  # a gap among the names
@example({"mode": "achat", "steps": [{"id": "cps", "actors": ["lnrn", "  "]}]})
def test_the_fast_path_accepts_only_what_marshmallow_accepts_and_gives_the_same(data):
    try:
        slow = acquisition_schema._SCHEMA.load(dict(data))
    except Exception:
        slow = None
    try:
        fast = acquisition_schema._FAST(dict(data))
    except (Slow, acquisition_schema.ValidationError):
        fast = None
    if fast is not None:  # what the fast path accepts, marshmallow accepts the same way
        assert slow is not None
        assert _kept(fast) == _kept(slow)


def test_a_tidy_acquisition_takes_the_fast_path_and_a_bad_one_is_named_field_by_field():
    tidy = {
        "mode": "achat",
        "reference": " AO 12/2024/LNRN ",
        "started_on": dt.date(2024, 1, 10),
        "steps": ["cps", {"id": "approbation", "date": "2024-03-01T09:00:00"}],
    }
    fast = acquisition_schema._FAST(dict(tidy))
    assert fast["reference"] == "AO 12/2024/LNRN" and fast["started_on"] == "2024-01-10"
    assert fast["steps"] == [
        {"id": "cps", "status": "done"},
        {"id": "approbation", "status": "done", "date": "2024-03-01"},
    ]
    try:
        acquisition_schema.load({**tidy, "steps": [{"id": "cps", "status": "finished"}]})
    except acquisition_schema.InvalidAcquisition as exc:
        assert list(exc.errors) == ["acquisition.steps[0].status"]
    else:
        raise AssertionError("a step status outside the list was accepted")
