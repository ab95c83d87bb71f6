"""The OpenAPI document states exactly the bounds the server enforces, and never echoes
the request's Host header.

For every query parameter the document bounds (``minimum``/``maximum``, ``enum``,
``maxLength``, ``maxItems``), the server is asked at the bound (accepted) and just past it
(refused with a 400 naming the parameter): a bound the document states but the server
does not keep, or the reverse, fails here.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

#: Parameters whose values are free text (a repeated long value is accepted as such).
FREE = {"q", "publisher", "format"}


def _operations(doc):
    for path, item in doc["paths"].items():
        for param in item["get"]["parameters"]:
            if param["in"] == "query":
                yield path, param


@pytest.fixture
def doc(public_client):
    return public_client.get("/api/openapi.json").get_json()


@pytest.fixture
def concrete(public_app, corpus):
    """A real URL for each templated path."""
    runtime = public_app.extensions["mawarid"]
    term = next(iter(runtime.vocabularies["subject"].terms))
    values = {"rid": next(iter(corpus.values())), "vid": "subject", "term_id": term}

    def url(path: str) -> str:
        for name, value in values.items():
            path = path.replace("{" + name + "}", value)
        return path

    return url


def _base(path: str) -> dict[str, str]:
    return {"q": "fractions"} if path == "/api/suggest" else {}


def _get(client, path, params):
    pairs = [(k, x) for k, v in params.items() for x in (v if isinstance(v, list) else [v])]
    return client.get(f"{path}?{urlencode(pairs)}")


def test_the_document_states_bounds_for_every_bounded_parameter(doc):
    stated = {(path, p["name"]): p["schema"] for path, p in _operations(doc)}
    search = {name: schema for (path, name), schema in stated.items() if path == "/api/search"}
    assert search["page"]["minimum"] == 1 and search["page"]["maximum"] == 500
    assert search["size"]["minimum"] == 0 and search["size"]["maximum"] == 100
    assert search["lang"]["enum"] == ["fr", "ar", "en", "zgh"]
    assert search["sort"]["enum"] == ["relevance", "date", "title"]
    assert search["q"]["maxLength"] == 500
    assert search["level"]["maxItems"] == 30 and search["level"]["items"]["maxLength"] == 200
    assert stated[("/api/suggest", "limit")]["maximum"] == 20
    assert all("enum" in s for (_p, name), s in stated.items() if name == "lang")


def test_the_server_keeps_exactly_the_stated_bounds(doc, public_client, concrete):
    checked = 0
    for path, param in _operations(doc):
        name, schema = param["name"], param["schema"]
        url = concrete(path)

        def accepted(value, *, name=name, url=url, path=path):
            response = _get(public_client, url, {**_base(path), name: value})
            assert response.status_code == 200, (url, name, str(value)[:40], response.get_json())

        def refused(value, *, name=name, url=url, path=path):
            response = _get(public_client, url, {**_base(path), name: value})
            assert response.status_code == 400, (url, name, str(value)[:40], response.status_code)
            assert name in response.get_json()["errors"], response.get_json()

        if "minimum" in schema:
            accepted(schema["minimum"])
            accepted(schema["maximum"])
            refused(schema["minimum"] - 1)
            refused(schema["maximum"] + 1)
            checked += 1
        if "enum" in schema:
            for value in schema["enum"]:
                accepted(value)
            refused("xx")
            checked += 1
        if "maxLength" in schema:
            if name in FREE:
                accepted("a" * schema["maxLength"])
            refused("a" * (schema["maxLength"] + 1))
            checked += 1
        if schema.get("type") == "array" and "maxItems" in schema:
            items = schema["items"]
            if name in FREE and "maxLength" in items:
                accepted(["a" * items["maxLength"]] * schema["maxItems"])
                refused(["a" * (items["maxLength"] + 1)])
            refused(["x"] * (schema["maxItems"] + 1))
            checked += 1
    assert checked > 20  # every operation's lang, the search bounds, the facets


def test_the_servers_url_never_comes_from_the_host_header(public_app, public_client):
    base = public_app.extensions["mawarid"].settings.public_base_url()
    doc = public_client.get("/api/openapi.json", headers={"Host": "evil.example"}).get_json()
    assert doc["servers"] == [{"url": base}]
    assert "evil.example" not in str(doc)
