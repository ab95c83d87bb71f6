"""End to end with the real catalogue: its index journal feeds the index (published resources
only); ``mawarid reindex`` rebuilds it."""

from __future__ import annotations

import json

import pytest
from indexer_corpus import CORPUS

from indexer import SearchQuery
from tests.support.cli import invoke
from tests.support.records import complete


@pytest.fixture
def app(tmp_path):
    from portal import create_app

    app = create_app(
        {
            "MAWARID_HOME": str(tmp_path),
            "SECRET_KEY": "test",
            "TESTING": True,
            "MAWARID_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "MAWARID_SEARCH_URL": f"whoosh://{tmp_path / 'index'}",
        }
    )
    yield app
    app.extensions["mawarid"].close()


def _publish(resources, actor, item):
    view = resources.create_draft(actor, complete(item["record"]), resource_id=f"lnrn-{item['id']}")
    resources.submit(actor, view.id)
    resources.decide(
        actor, view.id, commission="validation", decision="conforme", reference="PV 1/2025"
    )
    return resources.publish(actor, view.id)


def test_catalogue_events_reach_the_index_and_reindex_rebuilds(app):
    from catalogue.services.actors import SYSTEM

    runtime = app.extensions["mawarid"]
    items = [
        i
        for i in json.loads(CORPUS.read_text("utf-8"))["resources"]
        if i["id"] in ("c01", "c02", "c08")
    ]
    published = [_publish(runtime.resources, SYSTEM, item) for item in items]
    assert runtime.search.count() == 3
    assert [h.id for h in runtime.search.search(SearchQuery(q="الكسور")).hits] == [published[0].id]

    runtime.resources.withdraw(SYSTEM, published[1].id, reason="doublon")
    assert runtime.search.count() == 2
    assert runtime.search.search(SearchQuery(q="fractions")).total == 0

    result = invoke(app, "reindex")
    assert result.exit_code == 0, result.output
    assert "2 ressources indexées" in result.output
    assert runtime.search.count() == 2
    assert {h.id for h in runtime.search.search(SearchQuery()).hits} == {
        published[0].id,
        published[2].id,
    }


def test_drafts_and_their_edits_never_reach_the_index(app):
    from catalogue.services.actors import SYSTEM

    runtime = app.extensions["mawarid"]
    items = {i["id"]: i for i in json.loads(CORPUS.read_text("utf-8"))["resources"]}
    published = _publish(runtime.resources, SYSTEM, items["c01"])
    record = complete(items["c02"]["record"])
    draft = runtime.resources.create_draft(SYSTEM, record, resource_id="lnrn-c02")
    edited = dict(record, general={**record["general"], "title": {"fr": "Les pourcentages"}})
    runtime.resources.update(SYSTEM, draft.id, edited, expected_version=draft.version)
    assert runtime.resources.get(draft.id).status == "draft"

    def indexed() -> set[str]:
        return {h.id for h in runtime.search.search(SearchQuery()).hits}

    assert indexed() == {published.id}
    assert runtime.search.search(SearchQuery(q="pourcentages")).total == 0
    result = invoke(app, "reindex")
    assert result.exit_code == 0, result.output
    assert "1 ressource indexée" in result.output
    assert indexed() == {published.id}
