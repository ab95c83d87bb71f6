"""Hostile and malformed input on the Whoosh backend: the shared cases of
tests/support/search_hostile_contract.py, plus URL and property tests."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexer import SearchError, SearchQuery, open_backend
from tests.support.search_hostile_contract import *  # noqa: F403  (the shared expectations, collected here)


def test_bad_url_is_a_clear_error(vocabularies):
    for url in ("", "whoosh://relative/path", "elastic://x", "/abs/path"):
        with pytest.raises(SearchError) as err:
            open_backend(url, vocabularies)
        assert err.value.key == "bad_url"


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    q=st.text(max_size=120),
    page=st.integers(-5, 600),
    lang=st.sampled_from(["fr", "ar", "x"]),
    values=st.lists(st.text(max_size=20), max_size=3),
)
def test_any_text_never_raises_anything_but_search_error(corpus_backend, q, page, lang, values):
    try:
        result = corpus_backend.search(
            SearchQuery(q=q, page=page, lang=lang, filters={"subject": values, "year": values})
        )
    except SearchError as exc:
        assert exc.key in {"bad_page", "page_too_deep", "bad_value"}
        return
    assert 0 <= len(result.hits) <= result.size
    result.to_dict()


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(prefix=st.text(max_size=40))
def test_any_prefix_suggests_without_error(corpus_backend, prefix):
    assert len(corpus_backend.suggest(prefix)) <= 8
