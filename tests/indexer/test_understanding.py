"""Query understanding: the levels, subjects and types teachers name, and what a search does
with them (filters for a query of curriculum words only, boosts otherwise)."""

from __future__ import annotations

import pytest

from indexer.facets import GROUP_OF
from indexer.plan import CLASSIFIED_BOOST, TYPE_BOOST, make_plan
from indexer.querytext import parse, read_words
from indexer.understanding import CurriculumPhrases


@pytest.fixture(scope="module")
def phrases(vocabularies):
    return CurriculumPhrases(vocabularies)


def read(phrases, q):
    words = read_words(q)
    return [
        (m.kind, m.values, " ".join(words[i].raw for i in m.words)) for m in phrases.read(words)
    ]


@pytest.mark.parametrize(
    "q, level",
    [
        ("1AC", "1ac"),
        ("1 AC", "1ac"),
        ("1ASC", "1ac"),  # année secondaire collégiale
        ("1ère année collège", "1ac"),
        ("1 ère année du collège", "1ac"),
        ("première année collège", "1ac"),
        ("الأولى إعدادي", "1ac"),
        ("الاولى اعدادي", "1ac"),  # without hamza
        ("السنة الأولى من التعليم الثانوي الإعدادي", "1ac"),
        ("7ème année", "1ac"),  # the former numbering of the collège
        ("CM2", "5ap"),  # the former French names of the primary years
        ("CE1", "2ap"),
        ("السادس ابتدائي", "6ap"),
        ("المستوى الخامس", "5ap"),
        ("٥ ابتدائي", "5ap"),
        ("6ème année primaire", "6ap"),
        ("TCS", "tcs"),
        ("tronc commun", "tronc-commun"),
        ("جذع مشترك علمي", "tcs"),
        ("اولى باك", "1bac"),
        ("1 bac", "1bac"),
        ("2BAC PC", "2bac-pc"),
        ("الثانية باك علوم فيزيائية", "2bac-pc"),
        ("terminale", "2bac"),
        ("التعليم الأولي", "prescolaire"),
        ("maternelle", "prescolaire"),
        ("lycée", "secondaire-qualifiant"),
    ],
)
def test_levels_named_the_ways_teachers_name_them(phrases, q, level):
    found = read(phrases, q)
    assert found == [("level", (level,), q)]


def test_bac_names_both_years_and_sm_both_streams(phrases):
    assert read(phrases, "bac") == [("level", ("1bac", "2bac"), "bac")]
    assert read(phrases, "باك")[0][1] == ("1bac", "2bac")
    assert read(phrases, "2bac sm")[0][1] == ("2bac-sma", "2bac-smb")


@pytest.mark.parametrize(
    "q, subject",
    [
        ("maths", "mathematiques"),
        ("الرياضيات", "mathematiques"),
        ("SVT", "svt"),
        ("sciences naturelles", "svt"),
        ("PC", "physique-chimie"),
        ("الفيزياء", "physique-chimie"),
        ("philo", "philosophie"),
        ("الاجتماعيات", "histoire-geographie"),
        ("اجتماعيات", "histoire-geographie"),
        ("histoire géo", "histoire-geographie"),
        ("التربية الإسلامية", "education-islamique"),
        ("éveil scientifique", "activite-scientifique"),
        ("ⵜⴰⵎⴰⵣⵉⵖⵜ", "langue-amazighe"),
    ],
)
def test_subjects_and_their_nicknames(phrases, q, subject):
    assert read(phrases, q) == [("subject", (subject,), q)]


@pytest.mark.parametrize(
    "q",
    [
        "الأولى",  # an ordinal alone names no level
        "La Seconde Guerre mondiale",
        "Les nombres de 0 à 10",
        "chapitre 4",
        "التنشئة الاجتماعية",  # social, not social studies
        "year",  # English labels are not phrases of the catalogue
        "Primary education",
        "Mathematics",
    ],
)
def test_ordinary_words_name_no_curriculum_term(phrases, q):
    assert read(phrases, q) == []


def plan_of(phrases, q, **kwargs):
    return make_plan(parse(q), phrases, groups=GROUP_OF, **kwargs)


def test_a_query_of_curriculum_words_only_filters(phrases):
    plan = plan_of(phrases, "maths 2bac")
    assert plan.clauses == [] and plan.boosts == []
    assert plan.filters == {"subject": ["mathematiques"], "level": ["2bac"]}
    assert [u.applied for u in plan.understood] == ["filter", "filter"]


def test_with_other_words_the_named_level_ranks_first_and_the_rest_is_text(phrases):
    plan = plan_of(phrases, "fractions 5AP")
    assert [c.positions[0][0] for c in plan.clauses] == ["fraction"]
    assert plan.filters == {}
    assert [(b.field, b.values, b.weight) for b in plan.boosts] == [
        ("level", ("5ap",), CLASSIFIED_BOOST)
    ]


def test_an_everyday_subject_word_stays_a_word(phrases):
    alone = plan_of(phrases, "histoire")
    assert len(alone.clauses) == 1 and alone.boosts[0].values == ("histoire-geographie",)
    assert alone.filters == {}
    with_level = plan_of(phrases, "histoire 5AP")
    assert {b.field for b in with_level.boosts} == {"subject", "level"}
    # beside a topic it is an adjective: the French protectorate, not French lessons
    protectorate = plan_of(phrases, "الحماية الفرنسية")
    assert protectorate.boosts == [] and len(protectorate.clauses) == 2


def test_a_type_ranks_first_without_being_required(phrases):
    plan = plan_of(phrases, "exercices SVT 2AC")
    assert plan.filters == {"subject": ["svt"], "level": ["2ac"]}
    assert len(plan.optional) == 1 and plan.boosts[0].weight == TYPE_BOOST
    alone = plan_of(phrases, "vidéo")  # a type alone: searched as a word (labels find it)
    assert alone.boosts == [] and alone.filters == {} and len(alone.clauses) == 1


def test_user_filters_and_removed_chips_are_not_read_again(phrases):
    # the user filters the level group: "2bac" is a word again, "maths" only ranks
    chosen = plan_of(phrases, "maths 2bac", user_filters={"cycle": ["primaire"]})
    assert chosen.filters == {} and [b.values for b in chosen.boosts] == [("mathematiques",)]
    literal = plan_of(phrases, "maths 2bac", literal=["level"])
    assert literal.filters == {} and {b.field for b in literal.boosts} == {"subject"}
    assert [c.positions[0] for c in literal.clauses] == [["2bac"]]
