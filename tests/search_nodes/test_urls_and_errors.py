"""URL dispatch and connection errors (no node needed: these run everywhere)."""

from __future__ import annotations

import socket

import pytest

from core.settings import ConfigurationError, Settings
from indexer import SearchError, SearchQuery, SearchUnavailable
from indexer.elastic import open_elastic
from indexer.elastic.backend import ElasticBackend


@pytest.mark.parametrize(
    "url, hosts, engine, alias",
    [
        (
            "elasticsearch://127.0.0.1:9201/mawarid",
            ("http://127.0.0.1:9201",),
            "elasticsearch",
            "mawarid",
        ),
        (
            "opensearch://search.lnrn.ma/mawarid",
            ("http://search.lnrn.ma",),
            "opensearch",
            "mawarid",
        ),
        ("opensearch+https://h:443/m-1", ("https://h:443",), "opensearch", "m-1"),
        (
            "https://n1:9200,n2:9200, n3:9200/mawarid",
            ("https://n1:9200", "https://n2:9200", "https://n3:9200"),
            "elasticsearch",
            "mawarid",
        ),
        ("opensearch://[::1]:9200,[::1]:9200/m", ("http://[::1]:9200",), "opensearch", "m"),
    ],
)
def test_urls_name_engine_nodes_and_alias(vocabularies, url, hosts, engine, alias):
    backend = open_elastic(url, vocabularies)  # nothing is contacted yet
    assert isinstance(backend, ElasticBackend)
    connection = backend.client.connection
    assert (connection.hosts, connection.engine, backend.alias) == (hosts, engine, alias)
    backend.close()


def test_credentials_tls_and_budgets_come_from_settings(vocabularies, tmp_path):
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    settings = Settings.from_environment(
        {
            "MAWARID_HOME": str(tmp_path),
            "MAWARID_SEARCH_USERNAME": "mawarid",
            "MAWARID_SEARCH_PASSWORD": "s3cret",
            "MAWARID_SEARCH_CA_CERTS": str(ca),
            "MAWARID_SEARCH_TIMEOUT": "1.5",
            "MAWARID_SEARCH_RETRIES": "5",
            "MAWARID_SEARCH_REPLICAS": "2",
        }
    )
    backend = open_elastic("opensearch+https://a:9200,b:9200/m", vocabularies, settings=settings)
    connection = backend.client.connection
    assert (connection.username, connection.password, connection.ca_certs) == (
        "mawarid",
        "s3cret",
        ca,
    )
    assert (connection.search_timeout, connection.retries, backend.replicas) == (1.5, 5, 2)
    assert "s3cret" not in repr(backend.client.connection.label)
    backend.close()


def test_an_api_key_is_for_elasticsearch_only(vocabularies, tmp_path):
    settings = Settings.from_environment(
        {"MAWARID_HOME": str(tmp_path), "MAWARID_SEARCH_API_KEY": "aWQ6a2V5"}
    )
    backend = open_elastic("elasticsearch://h:9200/m", vocabularies, settings=settings)
    assert backend.client.connection.api_key == "aWQ6a2V5"
    with pytest.raises(ConfigurationError) as err:
        open_elastic("opensearch://h:9200/m", vocabularies, settings=settings)
    assert "MAWARID_SEARCH_USERNAME" in err.value.message("fr")


@pytest.mark.parametrize("url", ["whoosh:///tmp/x", "elastic://x/y", "", "/abs/path", None])
def test_other_schemes_are_not_ours(vocabularies, url):
    assert open_elastic(url, vocabularies) is None


@pytest.mark.parametrize(
    "url, says",
    [
        ("elasticsearch://h:9200/", "alias"),
        ("elasticsearch://h/UPPER", "alias"),
        ("opensearch://h/a*b", "alias"),
        ("http:///mawarid", "host:port"),
        ("http://h:99999/m", "host:port"),
        ("http://a:9200,,b:9200/m", "host:port"),
        ("elasticsearch://h/m-building", "alias"),
        ("http://h/m?replicas=1", "settings"),
        ("opensearch+https://u:p%40ss@h:443/m", "settings"),
    ],
)
def test_bad_urls_are_a_clear_error(vocabularies, url, says):
    with pytest.raises(SearchError) as err:
        open_elastic(url, vocabularies)
    assert err.value.key == "bad_url"
    assert says in err.value.message("en")
    assert "p%40ss" not in err.value.message("en")  # a password is never echoed


def test_a_cluster_that_is_down_is_unavailable_fast_and_says_nothing_internal(vocabularies):
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
        except SearchUnavailable as err:
            assert err.key == "search_unavailable" and err.retry_after > 0
            assert "Connection" in err.cause and str(port) in err.cause  # for the log
            for lang in ("fr", "ar", "en"):
                assert str(port) not in err.message(lang) and "127.0.0.1" not in err.message(lang)
        else:
            assert call is not None and call.__name__ == "<lambda>"  # upsert([]) writes nothing
    backend.close()
