"""Hostile and malformed queries every backend must survive: a correct (maybe empty) result
or a SearchError, never a crash. Imported by tests/indexer/test_bad_input.py (Whoosh) and
tests/search_nodes/test_hostile_input.py (Elasticsearch, OpenSearch).
"""

from __future__ import annotations

import pytest

from indexer import SearchError, SearchQuery
from indexer.model import MAX_QUERY_CHARS, MAX_RESULT_WINDOW


@pytest.mark.parametrize(
    "q",
    [
        "",
        "   ",
        '"',
        '"unbalanced',
        "(((",
        ")",
        "*",
        "?",
        "AND",
        "OR NOT",
        "a AND",
        ":",
        "title:x",
        "~",
        "x~2",
        "^",
        "x^9",
        "[",
        "[a TO z]",
        "{",
        "\\",
        "/",
        "'",
        "l'",
        "''",
        "--",
        "\x00",
        "\ue000en",
        "<script>alert(1)</script>",
        "ـــ",
        "ً",
        "'; DROP TABLE resources; --",
        "%00",
        "😀",
    ],
)
def test_syntax_characters_are_text(search, q):
    result = search(q)
    assert result.total >= 0
    assert isinstance(result.to_dict(), dict)


def test_empty_query_browses_everything(search):
    assert search("").total == search("  ").total == 30
    assert search("").empty_reason is None


@pytest.mark.parametrize("q", ['"', "???", "...", "« »", "-", "ـــ", "😀"])
def test_a_query_of_marks_only_is_an_empty_state_not_the_catalogue(search, q):
    result = search(q)
    assert (result.total, result.hits, result.empty_reason) == (0, [], "marks")
    assert result.to_dict()["empty_reason"] == "marks"


def test_query_syntax_words_do_not_change_meaning(search):
    assert {h.id for h in search("fractions AND").hits} == {"c02"}
    assert {h.id for h in search("fractions*").hits} == {"c02"}
    assert {h.id for h in search("(fractions)").hits} == {"c02"}


def test_huge_query_is_a_clear_error(search):
    with pytest.raises(SearchError) as err:
        search("x" * (MAX_QUERY_CHARS + 1))
    assert err.value.key == "query_too_long"
    assert "500" in err.value.message("fr") and "500" in err.value.message("ar")


def test_many_words_are_capped(search):
    assert search(" ".join(["fractions"] * 45)).total == 1  # 45 words (cap 32), 449 chars


@pytest.mark.parametrize(
    "kwargs, key",
    [
        ({"page": 0}, "bad_page"),
        ({"page": -3}, "bad_page"),
        ({"page": "abc"}, "bad_page"),
        ({"page": True}, "bad_page"),
        ({"size": -1}, "bad_size"),
        ({"size": 10_000}, "bad_size"),
        ({"page": 10_000, "size": 100}, "page_too_deep"),
        ({"sort": "popularity"}, "bad_sort"),
        ({"filters": {"colour": ["red"]}}, "unknown_facet"),
        ({"filters": {"subject": [str(i) for i in range(60)]}}, "too_many_values"),
        ({"filters": {"subject": ["x" * 500]}}, "bad_value"),
        ({"filters": {"subject": [None]}}, "bad_value"),
    ],
)
def test_bad_parameters_raise_search_error_with_a_key(search, kwargs, key):
    with pytest.raises(SearchError) as err:
        search("", **kwargs)
    assert err.value.key == key
    for lang in ("fr", "ar", "en"):
        assert err.value.message(lang) and "{" not in err.value.message(lang)


def test_page_beyond_the_end_is_empty_not_an_error(search):
    result = search("mathématiques", page=50, size=20)
    assert result.total == 11 and result.hits == []
    assert MAX_RESULT_WINDOW >= 50 * 20


def test_size_zero_gives_counts_and_facets_only(search):
    result = search("mathématiques", size=0)
    assert result.total == 11 and result.hits == [] and result.pages == 0
    assert result.facet("subject").buckets[0].count == 11


def test_string_numbers_and_unknown_language_are_accepted(search):
    result = search("fractions", page="1", size="5", lang="xx")
    assert result.total == 1 and result.query.lang == "fr"


def test_from_args_parses_request_parameters():
    query = SearchQuery.from_args(
        {
            "q": ["  les   fractions "],
            "level": ["1ac", "2ac", "1ac"],
            "page": ["2"],
            "sort": ["date"],
            "ignored": ["x"],
        }
    )
    assert query.q == "les fractions" and query.page == 2 and query.sort == "date"
    assert query.filters == {"level": ["1ac", "2ac"]}


def test_suggest_takes_anything(corpus_backend):
    for prefix in ("", "\x00", "*", "(", "ال", "x" * 10_000, None, 42):
        assert isinstance(corpus_backend.suggest(prefix), list)
