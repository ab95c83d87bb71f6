"""URL dispatch and connection errors (no node needed: these run everywhere)."""

from __future__ import annotations

import socket

import pytest

from indexer import SearchError, SearchQuery
from indexer.elastic import open_elastic
from indexer.elastic.backend import ElasticBackend


@pytest.mark.parametrize(
    "url, base, engine, alias",
    [
        (
            "elasticsearch://127.0.0.1:9201/mawarid",
            "http://127.0.0.1:9201",
            "elasticsearch",
            "mawarid",
        ),
        ("opensearch://search.lnrn.ma/mawarid", "http://search.lnrn.ma", "opensearch", "mawarid"),
        (
            "opensearch+https://u:p%40ss@h:443/m-1?verify=false",
            "https://h:443",
            "opensearch",
            "m-1",
        ),
        (
            "https://h:9200/mawarid?replicas=1&timeout=5",
            "https://h:9200",
            "elasticsearch",
            "mawarid",
        ),
    ],
)
def test_urls_name_engine_host_and_alias(vocabularies, url, base, engine, alias):
    backend = open_elastic(url, vocabularies)  # nothing is contacted yet
    assert isinstance(backend, ElasticBackend)
    assert (backend.client.base_url, backend.client.engine, backend.alias) == (base, engine, alias)
    if "u:p" in url:
        assert (
            backend.client.session.auth == ("u", "p@ss") and backend.client.session.verify is False
        )
    backend.close()


@pytest.mark.parametrize("url", ["whoosh:///tmp/x", "elastic://x/y", "", "/abs/path", None])
def test_other_schemes_are_not_ours(vocabularies, url):
    assert open_elastic(url, vocabularies) is None


@pytest.mark.parametrize(
    "url",
    [
        "elasticsearch://h:9200/",
        "elasticsearch://h/UPPER",
        "opensearch://h/a*b",
        "http:///mawarid",
        "http://h:99999/m",
        "elasticsearch://h/m-building",
        "http://h/m?replicas=x",
    ],
)
def test_bad_urls_are_a_clear_error(vocabularies, url):
    with pytest.raises(SearchError) as err:
        open_elastic(url, vocabularies)
    assert err.value.key == "bad_url"


def test_a_node_that_is_down_is_a_clear_translated_error(vocabularies):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    backend = open_elastic(f"opensearch://127.0.0.1:{port}/mawarid", vocabularies)
    for call in (
        lambda: backend.search(SearchQuery(q="x")),
        backend.count,
        lambda: backend.suggest("fr"),
        lambda: backend.upsert([]),
    ):
        try:
            call()
        except SearchError as err:
            assert err.key == "search_unavailable"
            assert "opensearch" in err.message("fr") and "opensearch" in err.message("ar")
            assert "ne répond pas" in err.message("fr") and "لا يستجيب" in err.message("ar")
        else:
            assert call is not None and call.__name__ == "<lambda>"  # upsert([]) writes nothing
    backend.close()
