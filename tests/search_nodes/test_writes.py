"""Writes on real nodes: upsert/delete, atomic rebuild (also crashing mid-way), debris, errors."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from indexer import SearchError, SearchQuery
from indexer.elastic import open_elastic
from indexer.elastic.mapping import index_body


def found(backend, q):
    return {h.id for h in backend.search(SearchQuery(q=q, size=50)).hits}


def indices(backend) -> dict[str, list[str]]:
    """``{index: [aliases]}`` of this backend's alias family."""
    return {
        name: sorted(info.get("aliases", {}))
        for name, info in backend.client.indices(f"{backend.alias}-*").items()
    }


def test_publish_update_withdraw(backend, corpus):
    assert backend.count() == 0 and backend.search(SearchQuery()).total == 0
    c02 = corpus[1]
    assert backend.upsert([c02]) == 1
    assert found(backend, "fractions") == {"c02"} and backend.count() == 1
    backend.upsert([c02])  # idempotent
    assert backend.count() == 1

    edited = dict(
        c02.record, general={**c02.record["general"], "title": {"fr": "Les pourcentages"}}
    )
    backend.upsert([replace(c02, record=edited)])
    # the description still speaks of fractions: found once, with the new title
    result = backend.search(SearchQuery(q="fractions"))
    assert result.total == 1 and result.hits[0].title == {"fr": "Les pourcentages"}
    assert found(backend, "vidéo") == {"c02"}
    assert found(backend, "pourcentages") == {"c02"} and backend.count() == 1
    facets = backend.search(SearchQuery()).to_dict()["facets"]
    assert facets["acquisition_mode"][0]["value"] == "production"

    backend.delete(["c02"])
    assert backend.count() == 0 and found(backend, "pourcentages") == set()
    backend.delete(["c02"])  # idempotent
    assert backend.delete(["never-indexed"]) == 1 and backend.count() == 0


def test_rebuild_switches_atomically_and_drops_the_old_index(backend, corpus):
    backend.upsert(corpus[:3])
    first = set(backend.client.aliases(backend.alias))
    seen_during = []

    def stream():
        for n, resource in enumerate(corpus):
            if n == 20:  # readers keep the old index until the new one is complete
                seen_during.append((backend.count(), found(backend, "fractions")))
            yield resource

    progress = []
    assert backend.rebuild(stream(), total=len(corpus), progress=progress.append) == 30
    assert seen_during == [(3, {"c02"})]
    assert progress[-1] == 30
    assert backend.count() == 30 and found(backend, "الكسور") == {"c01"}
    family = indices(backend)
    assert len(family) == 1  # old index deleted
    ((name, aliases),) = family.items()
    assert aliases == [backend.alias] and name not in first  # no building alias left


def test_a_crash_mid_rebuild_leaves_the_old_index_serving(backend, corpus):
    backend.rebuild(iter(corpus[:10]))
    before = indices(backend)

    def crashing():
        yield from corpus[10:25]
        raise RuntimeError("catalogue connection lost")

    with pytest.raises(RuntimeError, match="connection lost"):
        backend.rebuild(crashing())
    assert backend.count() == 10 and found(backend, "fractions") == {"c02"}
    assert indices(backend) == before  # the partial index is gone
    assert backend.rebuild(iter(corpus)) == 30 and backend.count() == 30


def test_writes_during_a_rebuild_reach_the_new_index(make_backend, backend, corpus):
    other = open_elastic(f"{_url(backend)}", backend.vocabularies)  # e.g. the portal process
    try:
        backend.upsert(corpus[:2])

        def stream():
            yield from corpus[2:12]
            other.upsert([corpus[20]])  # published while `mawarid reindex` runs
            other.delete(["c03"])  # withdrawn meanwhile (the stream read it before)
            yield from corpus[12:15]

        backend.rebuild(stream())
        ids = {h.id for h in backend.search(SearchQuery(size=50)).hits}
        assert "c21" in ids and "c03" not in ids and "c01" not in ids
        assert backend.count() == 13
    finally:
        other.close()


def _url(backend) -> str:
    connection = backend.client.connection
    nodes = ",".join(h.split("://", 1)[1] for h in connection.hosts)
    return f"{connection.engine}://{nodes}/{backend.alias}"


def test_debris_of_a_killed_rebuild_is_removed_and_a_live_one_is_respected(backend, corpus):
    backend.upsert(corpus[:1])
    body = index_body(building=True)
    body["aliases"] = {backend.build_alias: {}}
    body["mappings"]["_meta"]["heartbeat"] = time.time()
    live = f"{backend.alias}-20260101t000000000000z-abcdef"
    backend.client.create_index(live, body)
    with pytest.raises(SearchError) as err:  # another process is rebuilding right now
        backend.rebuild(iter(corpus))
    assert err.value.key == "rebuild_in_progress"
    assert err.value.message("ar") != "rebuild_in_progress"
    assert backend.count() == 1

    backend.client.put_meta(live, {"heartbeat": time.time() - 3600})
    orphan = f"{backend.alias}-20250101t000000000000z-123456"
    backend.client.create_index(orphan, index_body())  # e.g. a failed delete of an old index
    assert backend.rebuild(iter(corpus)) == 30
    assert live not in indices(backend) and orphan not in indices(backend)
    assert len(indices(backend)) == 1 and backend.count() == 30


def test_an_index_in_the_way_of_the_alias_is_a_clear_error(make_backend):
    backend = make_backend("plain")
    backend.client.create_index(backend.alias, index_body())
    try:
        with pytest.raises(SearchError) as err:
            backend.count()
        assert err.value.key == "index_conflict"
        assert backend.alias in err.value.message("fr") and backend.alias in err.value.message("ar")
    finally:
        backend.client.delete_index(backend.alias)


def test_hits_survive_the_round_trip(backend, corpus):
    backend.upsert([corpus[0]])
    hit = backend.search(SearchQuery(q="الكسور", lang="ar")).hits[0].to_dict()
    assert hit["title"] == {"ar": "الكسور"} and hit["levels"] == ["1ac"] and hit["year"] == 2023


def test_autocomplete_follows_writes(backend, corpus):
    assert backend.suggest("fract") == [] and backend.suggest("رياض", lang="ar") == []
    backend.upsert([corpus[0], corpus[1]])
    assert backend.suggest("fract") == ["Les fractions décimales"]
    assert backend.suggest("رياض", lang="ar")[0] == "الرياضيات"  # curriculum label, now filled
    backend.delete(["c01", "c02"])
    assert backend.suggest("fract") == [] and backend.suggest("رياض", lang="ar") == []
