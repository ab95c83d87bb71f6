"""A facet's count is what its click gives, on every facet (hypothesis, on Whoosh).

A catalogue of 300 synthetic records (many levels, subjects, types, languages, formats,
licences, publishers, years, acquisition modes) is published once; hypothesis draws a
search (words or none, a few selected values taken from real buckets), then every
bucket of every facet of the answer is clicked: the total of the page its link opens is
the bucket's count. Selected values are removed by their link (the chips' way back).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import portal
from indexer.facets import FACET_NAMES
from tests.support.cli import invoke

# Words, and words the search understands as filters (a level, a subject: chips of their own).
WORDS = ["", "", "fractions", "الكسور", "exercices", "leçon", "mathématiques 1AC", "الرياضيات"]


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory):
    home = tmp_path_factory.mktemp("facets")
    app = portal.create_app(
        {
            "MAWARID_HOME": str(home),
            "MAWARID_DATABASE_URL": f"sqlite:///{home / 'm.sqlite3'}",
            "MAWARID_SEARCH_URL": f"whoosh://{home / 'index'}",
            "SECRET_KEY": "facets",
            "TESTING": True,
        }
    )
    rt = app.extensions["mawarid"]
    made = invoke(rt, "demo", "--count", "300", "--seed", "facets")
    assert made.exit_code == 0 and rt.search.count() == 300, made.output
    yield app.test_client()
    rt.close()


def _get(client, url: str) -> dict:
    parts = urlsplit(url)
    answer = client.get(parts.path + ("?" + parts.query if parts.query else ""))
    assert answer.status_code == 200, (url, answer.get_data(as_text=True)[:500])
    return answer.get_json()


def _buckets(data: dict):
    def walk(name, buckets):
        for b in buckets:
            yield name, b
            yield from walk(name, b.get("children") or [])

    for name in FACET_NAMES:
        yield from walk(name, data["facets"].get(name) or [])


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(words=st.sampled_from(WORDS), picks=st.lists(st.integers(0, 10_000), max_size=3))
def test_every_bucket_count_is_what_its_click_gives(catalogue, words, picks):
    data = _get(catalogue, "/api/search?size=0" + (f"&q={words}" if words else ""))
    # Narrow by a few buckets drawn from the answers themselves, as a visitor would.
    for pick in picks:
        choices = [b for _, b in _buckets(data) if not b["selected"] and b["count"]]
        if not choices:
            break
        data = _get(catalogue, choices[pick % len(choices)]["toggle_url"])
    checked = 0
    for name, bucket in _buckets(data):
        clicked = _get(catalogue, bucket["toggle_url"])
        if bucket["selected"]:
            # Taking a value away gives back at least what there was.
            assert clicked["total"] >= data["total"], (name, bucket["value"])
            continue
        assert clicked["total"] == bucket["count"], (name, bucket["value"], data["filters"])
        assert clicked["filters"].get(name) == [bucket["value"]]
        checked += 1
    assert checked or data["total"] == 0
