"""The synthetic record generator: valid, realistic, deterministic and streaming."""

from __future__ import annotations

import collections
import inspect
import json
import random
import re
import time
import tracemalloc
from importlib import resources

import pytest

from metadata_schemas.record import levels_of, load_record, subjects_of, taxon_paths
from metadata_schemas.synthetic import (
    FIRST_YEAR,
    LAST_YEAR,
    LOTS_PER_YEAR,
    generate_acquisition,
    generate_dataset,
    generate_records,
)

TOPICS = json.loads(
    (resources.files("metadata_schemas") / "synthetic_data" / "topics.json").read_text(
        encoding="utf-8"
    )
)["topics"]


@pytest.fixture(scope="module")
def sample() -> list[dict]:
    return list(generate_records(2000, seed=11))


def test_thousand_records_are_valid_and_canonical(sample):
    for record in sample[:1000]:
        assert load_record(record) == record


def test_deterministic_for_a_seed():
    assert list(generate_records(30, seed=5)) == list(generate_records(30, seed=5))
    assert list(generate_records(30, seed=5)) != list(generate_records(30, seed=6))
    # A shorter run is a prefix of a longer one: streaming does not depend on count.
    assert list(generate_records(10, seed=5)) == list(generate_records(30, seed=5))[:10]


def test_identifiers_are_unique_per_run_and_seed(sample):
    entries = [r["general"]["identifier"][0]["entry"] for r in sample]
    assert len(set(entries)) == len(entries)
    other = next(generate_records(1, seed=12))["general"]["identifier"][0]["entry"]
    assert other not in entries


def test_streaming_generator_constant_memory():
    gen = generate_records(10**6, seed=1)
    assert inspect.isgenerator(gen)
    start = time.perf_counter()
    first = next(gen)
    assert time.perf_counter() - start < 5  # no list of a million records is built
    assert load_record(first) == first
    for _ in range(200):
        next(gen)
    tracemalloc.start()
    try:
        for _ in range(100):
            next(gen)
        _, small = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        for _ in range(1000):
            next(gen)
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Ten times more records, no more memory held: one record at a time.
    assert peak < 2_000_000 and current < small + 200_000


def test_title_languages_roughly_as_weighted(sample):
    counts = collections.Counter("+".join(sorted(r["general"]["title"])) for r in sample)
    share = {k: v / len(sample) for k, v in counts.items()}
    assert 0.35 <= share.get("ar+fr", 0) <= 0.55
    assert 0.25 <= share.get("ar", 0) <= 0.45
    assert 0.08 <= share.get("fr", 0) <= 0.25
    assert any("en" in k for k in counts) and any("zgh" in k for k in counts)
    tifinagh = [r["general"]["title"]["zgh"] for r in sample if "zgh" in r["general"]["title"]]
    assert all(any("\u2d30" <= ch <= "\u2d7f" for ch in t) for t in tifinagh)


def test_levels_and_subjects_weighted_like_a_school_catalogue(sample):
    cycles = collections.Counter(taxon_paths(r, "level")[0][0] for r in sample)
    assert cycles["primaire"] + cycles["secondaire-collegial"] > 0.6 * len(sample)
    assert cycles["secondaire-qualifiant"] > 0.15 * len(sample)
    subjects = collections.Counter(subjects_of(r)[0] for r in sample)
    top = [s for s, _ in subjects.most_common(3)]
    assert top[0] == "mathematiques" and "langue-arabe" in top
    assert len(subjects) >= 15
    assert len({levels_of(r)[0] for r in sample}) >= 30


def test_titles_come_from_curriculum_topics(sample):
    for record in sample[:300]:
        subject, level = subjects_of(record)[0], levels_of(record)[0]
        topics = [
            t for key, items in TOPICS[subject].items() if level in key.split(",") for t in items
        ]
        texts = {x for t in topics for x in t if x}
        title = " ".join(record["general"]["title"].values())
        assert any(text in title for text in texts), (subject, level, title)


def test_variety_of_types_formats_licences_and_dates(sample):
    formats = collections.Counter(r["technical"]["format"][0] for r in sample)
    assert {
        "video/mp4",
        "application/pdf",
        "text/html",
        "application/zip",
        "audio/mpeg",
        "image/png",
    } <= set(formats)
    types = {t for r in sample for t in r["educational"]["learning_resource_type"]}
    assert len(types) >= 12
    assert len({r["rights"]["licence"] for r in sample}) >= 8
    years = {int(r["lifecycle"]["contribute"][0]["date"][:4]) for r in sample}
    assert min(years) >= 2008 and max(years) <= 2026 and len(years) >= 15
    videos = [r for r in sample if r["technical"]["format"][0] == "video/mp4"]
    assert all(re.fullmatch(r"PT\d+M\d+S", r["technical"]["duration"]) for r in videos)
    roles = {c["role"] for r in sample for c in r["lifecycle"]["contribute"]}
    assert {"author", "publisher"} <= roles
    publishers = {
        c["entity"][0]
        for r in sample
        for c in r["lifecycle"]["contribute"]
        if c["role"] == "publisher"
    }
    assert "LNRN" in publishers and len(publishers) >= 10


def test_acquisition_shape_and_determinism(vocabularies):
    one = generate_acquisition(random.Random(3))
    assert one == generate_acquisition(random.Random(3))
    assert set(one) == {"mode", "reference", "counterpart", "started_on", "ended_on"}
    modes = vocabularies["acquisition_mode"]
    rng = random.Random(4)
    seen = set()
    for _ in range(300):
        acq = generate_acquisition(rng)
        assert acq["mode"] in modes
        assert acq["started_on"] <= acq["ended_on"]
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", acq["ended_on"])
        seen.add(acq["mode"])
    assert seen == {t.id for t in modes}
    achat = generate_acquisition(random.Random(1), mode="achat", year=2024)
    assert re.fullmatch(r"AO n° \d+/2024/LNRN", achat["reference"])
    assert achat["started_on"].startswith("2024-")
    with pytest.raises(ValueError, match="unknown acquisition mode"):
        generate_acquisition(random.Random(1), mode="vol")


def test_dataset_pairs_match_records():
    pairs = list(generate_dataset(50, seed=9))
    assert [r for r, _ in pairs] == list(generate_records(50, seed=9))
    for record, acquisition in pairs:
        assert acquisition["started_on"][:4] == record["lifecycle"]["contribute"][0]["date"][:4]


def test_resources_come_in_lots_one_reference_one_acquisition():
    """A reference names one acquisition (counterpart and dates), across seeds too; a
    large dataset has lots of many resources, as a tender or a CNDE production has."""
    by_reference: dict[str, dict] = {}
    for seed in (1, 2):
        for _, acquisition in generate_dataset(3000, seed=seed):
            first = by_reference.setdefault(acquisition["reference"], acquisition)
            assert acquisition == first
    modes, years_drawn = 5, LAST_YEAR - FIRST_YEAR + 1
    assert 500 < len(by_reference) <= modes * years_drawn * LOTS_PER_YEAR < 6000
    years = {ref.split("/")[1] for ref in by_reference if ref.startswith("AO")}
    assert len(years) > 3


@pytest.mark.parametrize("count", [-1, 1.5, "10", True, 10**9])
def test_bad_count_is_refused(count):
    with pytest.raises(ValueError, match="count"):
        generate_records(count)


def test_zero_records():
    assert list(generate_records(0)) == []
