"""An index lost on a real node is recreated at once and rebuilt from the database by itself,
searches answering all along; a request the engine refuses is a 503 for readers, never a 400."""

from __future__ import annotations

import threading

from indexer import SearchQuery
from indexer.watch import IndexWatch


def test_a_lost_index_is_rebuilt_while_searches_are_served(make_backend, corpus):
    backend = make_backend("repair")
    backend.rebuild(iter(corpus))
    assert backend.index_state() == "ready"
    for index in backend.client.aliases(backend.alias):  # a cluster restored empty
        backend.client.delete_index(index)
    assert backend.index_state() == "missing"
    # the next search recreates an empty index behind the alias: an answer, not an error
    assert backend.search(SearchQuery(q="fractions")).total == 0
    assert backend.index_state() == "empty"

    halfway = threading.Event()
    go_on = threading.Event()

    def slow_catalogue():
        for n, resource in enumerate(corpus):
            if n == len(corpus) // 2:
                halfway.set()
                assert go_on.wait(timeout=60)
            yield resource

    watch = IndexWatch(
        backend,
        published=lambda: len(corpus),
        rebuild=lambda: backend.rebuild(slow_catalogue(), total=len(corpus)),
    )
    assert watch.check() is False and watch.check() is True
    assert halfway.wait(timeout=60)
    # while the new index fills, searches are served by the index behind the alias
    assert backend.search(SearchQuery(q="fractions")).total == 0
    assert watch.rebuilding
    go_on.set()
    watch.wait(timeout=120)
    assert watch.rebuilds == 1 and backend.index_state() == "ready"
    assert backend.count() == len(corpus)
    assert backend.search(SearchQuery(q="fractions")).total > 0


def test_a_request_the_engine_refuses_is_503_not_400(engine_url, make_backend, tmp_path):
    """The alias name taken by a plain index (an operator's mistake): readers get the
    "unavailable" page, the log gets the engine's reason."""
    import portal
    from indexer.elastic.mapping import index_body
    from tests.portal.portal_corpus import close_app, settings_for

    backend = make_backend("refused")
    backend.client.create_index(backend.alias, index_body())
    try:
        url = engine_url.rsplit("/", 1)[0] + "/" + backend.alias
        app = portal.create_app(settings_for(tmp_path, MAWARID_SEARCH_URL=url))
        try:
            response = app.test_client().get("/search?q=fractions")
            assert response.status_code == 503 and response.headers["Retry-After"]
            assert "index_conflict" not in response.get_data(as_text=True)
            assert app.test_client().get("/api/search?q=x").status_code == 503
        finally:
            close_app(app)
    finally:
        backend.client.delete_index(backend.alias)
