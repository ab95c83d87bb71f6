"""A full rebuild written as ordered segments by worker processes (indexer.whoosh_bulk)
answers exactly like the same documents written as one segment by one process."""

from __future__ import annotations

import concurrent.futures
import dataclasses
import multiprocessing
from datetime import datetime, timedelta

import pytest

from indexer import IndexableResource, SearchQuery, open_backend
from indexer.whoosh_bulk import SegmentLoader, default_procs
from metadata_schemas.synthetic import generate_dataset

SYNTHETIC = 1500
CHUNK = 400  # small segments so the test has several, written by two workers


@pytest.fixture(scope="module")
def resources(corpus):
    base = datetime(2024, 1, 1)
    # a shared date every 50 records: ties that only document order can break
    synthetic = [
        IndexableResource(
            id=f"s{n:05d}",
            record=record,
            acquisition_mode=acq["mode"],
            published_at=base + timedelta(days=n // 50),
            updated_at=base + timedelta(days=n // 50),
        )
        for n, (record, acq) in zip(
            range(SYNTHETIC), generate_dataset(SYNTHETIC, seed=11), strict=False
        )
    ]
    return list(corpus) + synthetic


def _backend(path, vocabularies, resources, procs, chunk):
    backend = open_backend(f"whoosh://{path}", vocabularies)
    backend.rebuild_procs, backend.rebuild_chunk_docs = procs, chunk
    assert backend.rebuild(iter(resources), total=len(resources)) == len(resources)
    return backend


def _build_in_fresh_process(path, resources, procs, chunk):
    """Runs in a spawned interpreter: a rebuild only forks its workers from a process
    with no other threads, and the test process has the threads of earlier tests."""
    from metadata_schemas.vocabularies import get_vocabularies

    backend = _backend(path, get_vocabularies(), resources, procs, chunk)
    try:
        return backend.last_rebuild_segments, backend.last_rebuild_worker_cpu
    finally:
        backend.close()


@pytest.fixture(scope="module")
def pair(tmp_path_factory, vocabularies, resources):
    single = _backend(tmp_path_factory.mktemp("single"), vocabularies, resources, 1, 10**9)
    multi_path = tmp_path_factory.mktemp("multi")
    with concurrent.futures.ProcessPoolExecutor(
        1, mp_context=multiprocessing.get_context("spawn")
    ) as pool:
        segments, worker_cpu = pool.submit(
            _build_in_fresh_process, multi_path, resources, 2, CHUNK
        ).result()
    multi = open_backend(f"whoosh://{multi_path}", vocabularies)
    multi.last_rebuild_segments, multi.last_rebuild_worker_cpu = segments, worker_cpu
    yield single, multi
    single.close()
    multi.close()


def _queries(resources):
    title = next(r.record["general"]["title"] for r in resources if r.id.startswith("s"))
    fr_word = next(w for w in title.get("fr", "mathématiques").split() if len(w) > 4)
    ar_word = next((w for w in title.get("ar", "").split() if len(w) > 3), "الرياضيات")
    return [
        SearchQuery(),
        SearchQuery(sort="title"),
        SearchQuery(sort="title", lang="ar"),
        SearchQuery(sort="date"),
        SearchQuery(q="fractions"),
        SearchQuery(q="الكسور", lang="ar"),
        SearchQuery(q=fr_word),
        SearchQuery(q=ar_word, lang="ar"),
        SearchQuery(q=f"{fr_word} {ar_word}"),
        SearchQuery(q="mathématiques 1AC"),
        SearchQuery(q='"les fractions"'),
        SearchQuery(q="fracitons"),
        SearchQuery(q=fr_word, page=3, size=10),
        SearchQuery(filters={"subject": ["mathematiques"]}),
        SearchQuery(filters={"cycle": ["secondaire-collegial"], "level": ["1ac"]}),
        SearchQuery(q=fr_word, filters={"language": ["fr", "ar"], "type": ["exercise"]}),
        SearchQuery(page=40, size=25),
        SearchQuery(page=400, size=20),
    ]


def _view(result):
    return {
        "total": result.total,
        "relaxed": result.relaxed,
        "did_you_mean": result.did_you_mean,
        "hits": [(h.id, round(h.score, 4), h.snippet, h.title) for h in result.hits],
        "facets": [dataclasses.asdict(f) for f in result.facets],
    }


def test_parallel_segmented_rebuild_gives_the_same_answers(pair, resources):
    single, multi = pair
    assert single.last_rebuild_segments == 1
    assert multi.last_rebuild_segments == -(-len(resources) // CHUNK)
    assert multi.last_rebuild_worker_cpu > 0  # segments really written by workers
    assert multi.count() == single.count() == len(resources)
    for query in _queries(resources):
        assert _view(multi.search(query)) == _view(single.search(query)), query
    for prefix in ("fra", "math", "الك", "رياض"):
        assert multi.suggest(prefix) == single.suggest(prefix)


def test_hits_and_facet_counts_are_real(pair):
    """Guard against both sides being equally empty."""
    _single, multi = pair
    result = multi.search(SearchQuery(q="fractions", size=50))
    assert result.total > 0 and result.hits
    counts = {f.name: sum(b.count for b in f.buckets) for f in result.facets}
    assert counts["language"] >= result.total


def test_a_segmented_index_takes_updates_and_deletes(tmp_path, vocabularies, resources):
    backend = _backend(tmp_path / "ix", vocabularies, resources[:900], 2, 300)
    first = resources[450]  # in the second segment
    renamed = dataclasses.replace(
        first,
        record={
            **first.record,
            "general": {**first.record["general"], "title": {"fr": "Zygomorphie des orchidées"}},
        },
    )
    backend.upsert([renamed])
    backend.delete([resources[10].id])
    assert backend.count() == 899
    assert [h.id for h in backend.search(SearchQuery(q="zygomorphie")).hits] == [first.id]
    assert resources[10].id not in {
        h.id for h in backend.search(SearchQuery(q=resources[10].id)).hits
    }
    backend.close()


def test_a_worker_failure_leaves_the_previous_index_serving(tmp_path, vocabularies, resources):
    backend = _backend(tmp_path / "ix", vocabularies, resources[:50], 2, 300)

    def broken():
        yield from resources[:700]  # two chunks handed to the workers, then:
        raise RuntimeError("catalogue went away")

    with pytest.raises(RuntimeError):
        backend.rebuild(broken())
    assert backend.count() == 50
    assert not list((tmp_path / "ix").glob("build-*"))
    backend.close()


def test_loader_rejects_a_zero_chunk(tmp_path):
    with pytest.raises(ValueError):
        SegmentLoader(None, tmp_path, chunk_docs=0)


def test_procs_come_from_the_settings():
    from core.settings import ConfigurationError, Settings

    assert default_procs(Settings.from_environment({"MAWARID_INDEX_PROCS": "3"}).index_procs) == 3
    assert 1 <= default_procs(Settings.from_environment({}).index_procs) <= 4
    with pytest.raises(ConfigurationError, match="MAWARID_INDEX_PROCS"):
        Settings.from_environment({"MAWARID_INDEX_PROCS": "many"})
