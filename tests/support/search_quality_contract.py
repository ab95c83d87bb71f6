"""Search quality every backend must give on the fixed bilingual corpus (tests/indexer/corpus.json).

Imported by tests/indexer/test_search.py (Whoosh) and tests/search_nodes/test_search_quality.py
(Elasticsearch, OpenSearch): pytest collects these tests in each importing module, where the
search/corpus_backend fixtures of that folder give the backend, so both deployments
are held to the same expected hits, facet counts, sorts, pages and snippets.
"""

from __future__ import annotations

import re

import pytest

from indexer import SearchQuery


def ids(result) -> set[str]:
    return {hit.id for hit in result.hits}


@pytest.mark.parametrize(
    "q, expected",
    [
        ("الكسور", {"c01"}),
        ("كسور", {"c01"}),  # light stemming: article dropped
        ("équations", {"c03", "c04", "c12"}),  # fr stem meets "équation" and en "equations"
        ("equation", {"c03", "c04", "c12"}),
        ("معادلات", {"c03"}),
        ("photosynthese", {"c08"}),
        ("circuits electriques", {"c10"}),
        ("chemical reactions", {"c12"}),  # English stemming
        ("ⵜⵉⴼⵉⵏⴰⵖ", {"c14"}),  # Tifinagh passes through
        ("tifinagh", {"c13", "c14"}),
        ("الفلسفه", {"c19", "c20"}),  # taa marbuta / haa
        ('"premier degré"', {"c03"}),  # quoted phrase
        ('"degré premier"', set()),
    ],
)
def test_expected_hits(search, q, expected):
    assert ids(search(q)) == expected


def test_french_query_finds_arabic_only_resources_on_the_same_node(search):
    # c01 and c05 are Arabic-only, classified 1AC / mathématiques; c06 is French
    assert ids(search("mathématiques 1AC")) == {"c01", "c05", "c06"}


def test_arabic_query_finds_french_only_resources_on_the_same_node(search):
    found = ids(search("رياضيات السنة الأولى إعدادي"))
    assert {"c01", "c05", "c06"} <= found  # c06 has no Arabic text at all
    assert "c26" not in found  # 1AC but informatique


@pytest.mark.parametrize("q", ["بكالوريا", "باكالوريا", "baccalauréat", "bac"])
def test_baccalaureate_spellings_and_alt_labels(search, q):
    assert ids(search(q)) == {"c04", "c10", "c12", "c19", "c20", "c21", "c22"}


@pytest.mark.parametrize(
    "fr, ar, expected",
    [
        ("collège", "إعدادي", 11),
        ("primaire", "ابتدائي", 8),
        ("tronc commun", "الجذع المشترك", 3),
        ("exercice", "تمارين", 8),
        ("philosophie", "الفلسفة", 2),
    ],
)
def test_curriculum_and_type_labels_in_both_languages(search, fr, ar, expected):
    assert search(fr).total == search(ar).total == expected
    assert ids(search(fr)) == ids(search(ar))


def test_title_matches_rank_above_description_matches(search):
    hits = [h.id for h in search("équations").hits]
    assert set(hits[:2]) == {"c03", "c04"} and hits[2] == "c12"


def test_and_then_or_fallback_is_reported(search):
    result = search("xyzzy fractions")
    assert result.relaxed and ids(result) == {"c02"}
    assert not search("fractions décimales").relaxed


def test_match_all_facet_counts(search):
    facets = search().to_dict()["facets"]
    counts = {name: {b["value"]: b["count"] for b in buckets} for name, buckets in facets.items()}
    assert list(facets) == [
        "cycle",
        "level",
        "subject",
        "type",
        "language",
        "format",
        "licence",
        "acquisition_mode",
        "publisher",
        "year",
    ]
    assert counts["cycle"] == {
        "prescolaire": 1,
        "primaire": 8,
        "secondaire-collegial": 11,
        "secondaire-qualifiant": 10,
    }
    assert counts["subject"]["mathematiques"] == 11 and counts["subject"]["svt"] == 3
    assert counts["language"] == {"ar": 15, "fr": 14, "en": 2, "zgh": 2}
    assert counts["format"] == {
        "application/pdf": 19,
        "text/html": 5,
        "video/mp4": 5,
        "application/epub+zip": 1,
    }
    assert counts["licence"] == {
        "cc-by-4.0": 20,
        "all-rights-reserved-ministry": 5,
        "cc-by-sa-4.0": 5,
    }
    assert counts["acquisition_mode"] == {"production": 14, "achat": 7, "don": 5, "cooperation": 4}
    assert counts["publisher"]["LNRN"] == 10 and counts["publisher"]["Éditions Atlas"] == 7
    assert counts["year"] == {
        "2024": 7,
        "2023": 6,
        "2022": 6,
        "2021": 5,
        "2020": 3,
        "2019": 2,
        "2018": 1,
    }
    assert list(counts["year"]) == ["2024", "2023", "2022", "2021", "2020", "2019", "2018"]


def test_level_tree_nests_cycles_levels_branches(search):
    cycles = {b["value"]: b for b in search().to_dict()["facets"]["cycle"]}
    college = cycles["secondaire-collegial"]
    assert [(c["value"], c["count"]) for c in college["children"]] == [
        ("1ac", 5),
        ("2ac", 3),
        ("3ac", 3),
    ]
    assert college["labels"]["ar"] and college["labels"]["fr"]
    bac2 = next(c for c in cycles["secondaire-qualifiant"]["children"] if c["value"] == "2bac")
    assert {(g["value"], g["count"]) for g in bac2["children"]} == {("2bac-pc", 2), ("2bac-svt", 1)}
    assert bac2["count"] == 5  # 2 branch-less + 3 on branches


def test_labels_follow_the_query_language(search):
    fr = search(lang="fr").to_dict()["facets"]["subject"]
    ar = search(lang="ar").to_dict()["facets"]["subject"]
    assert fr[0]["label"] == "Mathématiques" and ar[0]["label"] == "الرياضيات"


def test_or_within_a_facet_and_across_facets(search):
    assert search(filters={"subject": ["mathematiques"]}).total == 11
    assert search(filters={"subject": ["mathematiques", "svt"]}).total == 14
    assert ids(search(filters={"subject": ["mathematiques"], "type": ["exercise"]})) == {
        "c01",
        "c03",
        "c06",
        "c29",
        "c30",
    }


def test_each_facet_counts_ignore_its_own_selection(search):
    result = search(filters={"subject": ["mathematiques"], "type": ["exercise"]})
    subject = {b.value: (b.count, b.selected) for b in result.facet("subject").buckets}
    types = {b.value: (b.count, b.selected) for b in result.facet("type").buckets}
    # subject counts: exercises of every subject; type counts: maths resources of every type
    assert subject == {
        "mathematiques": (5, True),
        "physique-chimie": (1, False),
        "langue-amazighe": (1, False),
        "langue-francaise": (1, False),
    }
    assert types == {
        "exercise": (5, True),
        "lecture": (2, False),
        "tutorial": (1, False),
        "textbook": (1, False),
        "annales": (1, False),
        "educational-game": (1, False),
    }
    language = {b.value: b.count for b in result.facet("language").buckets}
    assert language == {"ar": 3, "fr": 3}  # other facets count the full selection


def test_level_group_counts_ignore_the_whole_group(search):
    result = search(filters={"level": ["1ac"]})
    assert ids(result) == {"c01", "c05", "c06", "c15", "c26"}
    cycles = {b.value: b for b in result.facet("cycle").buckets}
    assert cycles["primaire"].count == 8  # still clickable
    one_ac = next(c for c in cycles["secondaire-collegial"].children if c.value == "1ac")
    assert one_ac.selected and one_ac.count == 5
    subject = {b.value: b.count for b in result.facet("subject").buckets}
    assert subject == {"mathematiques": 3, "langue-arabe": 1, "informatique": 1}


def test_a_cycle_and_a_level_combine_like_one_facet(search):
    """What a bucket's count promises is what clicking it gives: a level chosen inside the
    chosen cycle narrows to that level; a level of another cycle is added (OR)."""
    one_ac = ids(search(filters={"level": ["1ac"]}))
    primaire = ids(search(filters={"cycle": ["primaire"]}))
    assert ids(search(filters={"cycle": ["secondaire-collegial"], "level": ["1ac"]})) == one_ac
    both = search(filters={"cycle": ["primaire"], "level": ["1ac"]})
    assert ids(both) == primaire | one_ac and both.total == len(primaire) + len(one_ac)
    cycles = {b.value: b for b in both.facet("cycle").buckets}
    assert cycles["primaire"].selected and cycles["primaire"].count == len(primaire)


def test_filter_values_may_be_labels_or_uris(search):
    assert search(filters={"subject": ["Mathématiques"]}).total == 11
    assert search(filters={"subject": ["الرياضيات"]}).total == 11


def test_unknown_filter_value_is_an_empty_selected_bucket(search):
    result = search(filters={"subject": ["astrologie"]})
    assert result.total == 0
    bucket = next(b for b in result.facet("subject").buckets if b.value == "astrologie")
    assert bucket.selected and bucket.count == 0
    others = {b.value: b.count for b in result.facet("subject").buckets}
    assert others["mathematiques"] == 11


def test_sort_by_date_title_and_relevance(search):
    by_date = [h.id for h in search(filters={"subject": ["mathematiques"]}, sort="date").hits]
    assert by_date[:4] == ["c30", "c29", "c23", "c21"]
    physics = {"subject": ["physique-chimie"]}
    assert [h.id for h in search(filters=physics, sort="title").hits] == ["c10", "c12", "c11"]
    # browse without words: newest first
    assert [h.id for h in search(size=3).hits] == ["c30", "c29", "c28"]


def test_pagination(search):
    pages = [search(sort="date", size=7, page=p) for p in range(1, 7)]
    assert [len(p.hits) for p in pages] == [7, 7, 7, 7, 2, 0]
    assert all(p.total == 30 for p in pages)
    seen = [h.id for p in pages for h in p.hits]
    assert len(seen) == len(set(seen)) == 30
    assert [h.id for h in pages[4].hits] == ["c02", "c01"]
    assert pages[0].to_dict()["pages"] == 5


def test_snippets_highlight_and_escape(search):
    hit = search("triangle corrigés").hits[0]
    assert hit.id == "c06"
    assert "<script>" not in hit.snippet and "&lt;script&gt;" in hit.snippet
    assert "&amp;" in hit.snippet and "&quot;<mark>corrigés</mark>&quot;" in hit.snippet
    assert set(re.findall(r"</?(\w+)", hit.snippet)) == {"mark"}
    arabic = search("الكسور").hits[0]
    assert "<mark>الكسور</mark>" in arabic.snippet
    hostile = search("script").hits[0]
    assert "<mark>script</mark>" in hostile.snippet and "<script>" not in hostile.snippet


def test_hits_carry_what_the_result_page_shows(search):
    hit = search("الكسور").hits[0].to_dict()
    assert hit["title"] == {"ar": "الكسور"} and hit["levels"] == ["1ac"]
    assert hit["subjects"] == ["mathematiques"] and hit["types"] == ["exercise"]
    assert hit["languages"] == ["ar"] and hit["year"] == 2023 and hit["score"] > 0
    no_description = search("المساحات").hits[0]
    assert no_description.id == "c30" and no_description.snippet == ""


def test_a_misspelt_query_shows_the_results_of_its_correction(search):
    result = search("phillosophie")
    assert result.corrected == "philosophie" and ids(result) == {"c19", "c20"}
    fractions = search("fractoins")
    assert fractions.corrected == "fractions" and ids(fractions) == {"c02"}
    assert search("fractions").corrected is None


def test_without_autocorrect_the_correction_is_only_suggested(search):
    result = search("fractoins", autocorrect=False)
    assert (result.total, result.corrected, result.did_you_mean) == (0, None, "fractions")


def test_suggest(corpus_backend):
    suggest = corpus_backend.suggest
    assert "Les fractions décimales" in suggest("fract")
    assert "Les fractions décimales" in suggest("les fr")
    assert suggest("الكس", lang="ar")[0] == "الكسور"
    assert "الكسور" in suggest("كسو", lang="ar")  # without the article
    assert "Mathématiques" in suggest("mathé")  # curriculum label
    assert suggest("رياض", lang="ar")[0] == "الرياضيات"
    assert {"1AC", "1AP"} <= set(suggest("1a"))
    assert suggest("zzzz") == [] and suggest("") == [] and suggest("   ") == []
    assert len(suggest("a", limit=3)) <= 3


def test_to_dict_shape(search):
    data = search("fractions").to_dict()
    assert {"total", "page", "size", "hits", "facets", "did_you_mean"} <= set(data)
    bucket = data["facets"]["subject"][0]
    assert set(bucket) == {"value", "label", "labels", "count", "selected", "children"}
    assert SearchQuery(q="x").validated().q == "x"


def test_backend_implements_the_engine_neutral_protocol(corpus_backend):
    from indexer import SearchBackend

    assert isinstance(corpus_backend, SearchBackend)
    assert corpus_backend.count() == 30
