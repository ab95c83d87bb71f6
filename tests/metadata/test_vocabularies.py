"""The shipped vocabularies, term resolution and the validation of vocabulary files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from metadata_schemas import textnorm
from metadata_schemas.errors import UnknownTermError, VocabularyFileError
from metadata_schemas.vocabularies import TERM_ID, get_vocabularies, load_vocabularies

SHIPPED = Path(__file__).resolve().parents[2] / "metadata_schemas" / "vocab"

CONTRACT_IDS = {
    "requirement_type",
    "requirement_name",
    "level",
    "subject",
    "language",
    "learning_resource_type",
    "interactivity_type",
    "interactivity_level",
    "semantic_density",
    "intended_end_user_role",
    "context",
    "difficulty",
    "aggregation_level",
    "structure",
    "lifecycle_status",
    "contributor_role",
    "metadata_role",
    "relation_kind",
    "classification_purpose",
    "licence",
    "region",
    "acquisition_mode",
    "actor",
    "commission",
    "document_type",
    "diffusion_channel",
}


# -- the shipped data ----------------------------------------------------------------


def test_every_contract_vocabulary_is_shipped(vocabularies):
    assert set(vocabularies) == CONTRACT_IDS


def test_every_term_has_french_and_arabic_labels_and_a_stable_uri(vocabularies):
    for vocab in vocabularies.values():
        assert vocab.labels["fr"] and vocab.labels["ar"]
        for term in vocab:
            assert TERM_ID.match(term.id), (vocab.id, term.id)
            assert term.labels["fr"].strip() and term.labels["ar"].strip(), (vocab.id, term.id)
            # Arabic labels are written in Arabic script (not a copy of the French).
            assert any("\u0600" <= ch <= "\u06ff" for ch in term.labels["ar"]), (vocab.id, term.id)
            assert term.uri == f"https://mawarid.men.gov.ma/voc/{vocab.id}/{term.id}"


def test_level_hierarchy(vocabularies):
    level = vocabularies["level"]
    assert level.hierarchical
    assert [t.id for t in level.roots()] == [
        "prescolaire",
        "primaire",
        "secondaire-collegial",
        "secondaire-qualifiant",
    ]
    assert [t.id for t in level.path("2bac-pc")] == ["secondaire-qualifiant", "2bac", "2bac-pc"]
    assert [t.id for t in level.path("tcs")] == ["secondaire-qualifiant", "tronc-commun", "tcs"]
    assert [t.id for t in level.children("primaire")] == [f"{n}ap" for n in range(1, 7)]
    assert [t.id for t in level.children("secondaire-collegial")] == ["1ac", "2ac", "3ac"]
    qualifiant = {t.id for t in level.descendants("secondaire-qualifiant")}
    assert {
        "tronc-commun",
        "1bac",
        "2bac",
        "tcs",
        "tclsh",
        "1bac-sm",
        "1bac-sex",
        "2bac-sma",
        "2bac-smb",
        "2bac-pc",
        "2bac-svt",
        "2bac-se",
        "2bac-sgc",
        "2bac-l",
        "2bac-sh",
        "2bac-charia",
        "2bac-langue-arabe",
    } <= qualifiant
    assert "1ac" not in qualifiant
    assert level.get("2bac-pc").notation == "2BAC PC"
    assert level.get("1ac").labels["ar"] == "السنة الأولى إعدادي"


def test_flat_vocabularies_have_no_hierarchy(vocabularies):
    subject = vocabularies["subject"]
    assert not subject.hierarchical
    assert [t.id for t in subject.path("svt")] == ["svt"]
    assert subject.children("svt") == []


def test_twelve_aref_regions_with_iso_codes(vocabularies):
    region = vocabularies["region"]
    assert sorted(t.notation for t in region) == [f"MA-{n:02d}" for n in range(1, 13)]
    assert region.resolve("MA-06").labels == {
        "fr": "Casablanca-Settat",
        "ar": "الدار البيضاء - سطات",
    }
    assert region.resolve("Draa-Tafilalet").id == "draa-tafilalet"


def test_lom_values_and_scolomfr_uris(vocabularies):
    lrt = vocabularies["learning_resource_type"]
    lom_values = {t.extra["lom"] for t in lrt if "lom" in t.extra}
    assert lom_values == {
        "exercise",
        "simulation",
        "questionnaire",
        "diagram",
        "figure",
        "graph",
        "index",
        "slide",
        "table",
        "narrative text",
        "exam",
        "experiment",
        "problem statement",
        "self assessment",
        "lecture",
    }
    assert lrt.get("animation").extra["origin"] == "ScoLOMFR"
    assert lrt.get("exercise").extra["origin"] == "LOMv1.0"
    assert (
        lrt.resolve("http://data.education.fr/voc/scolomfr/concept/scolomfr-voc-010-num-013").id
        == "educational-game"
    )
    roles = vocabularies["contributor_role"]
    assert roles.resolve("graphical designer").id == "graphical-designer"
    assert roles.get("graphical-designer").extra["lom"] == "graphical designer"
    assert [t.id for t in vocabularies["aggregation_level"]] == ["1", "2", "3", "4"]


def test_licences_carry_url_and_spdx(vocabularies):
    licence = vocabularies["licence"]
    by_sa = licence.get("cc-by-sa-4.0")
    assert by_sa.extra["spdx"] == "CC-BY-SA-4.0"
    assert by_sa.extra["url"] == "https://creativecommons.org/licenses/by-sa/4.0/"
    assert licence.resolve("https://creativecommons.org/licenses/by-sa/4.0").id == "cc-by-sa-4.0"
    assert licence.resolve("CC BY-NC-ND 3.0").id == "cc-by-nc-nd-4.0"
    assert licence.resolve("CC0").id == "cc0-1.0"
    assert licence.resolve("Tous droits réservés").id == "all-rights-reserved"
    assert licence.resolve("Tous droits réservés Ministère").id == "all-rights-reserved-ministry"


def test_to_dict_is_json_ready(vocabularies):
    data = vocabularies["level"].to_dict()
    json.dumps(data)
    assert data["hierarchical"] is True
    pc = next(t for t in data["terms"] if t["id"] == "2bac-pc")
    assert pc["broader"] == "2bac" and pc["labels"]["ar"]
    assert vocabularies["subject"].get("svt").to_dict()["notation"] == "SVT"


def test_term_label_falls_back_to_french_then_arabic(vocabularies):
    term = vocabularies["subject"].get("mathematiques")
    assert term.label("ar") == "الرياضيات"
    assert term.label("zgh") == "Mathématiques"
    assert term.label("en") == "Mathematics"


def test_get_vocabularies_is_cached():
    assert get_vocabularies() is get_vocabularies()


# -- resolution --------------------------------------------------------------------


def test_every_spelling_of_every_term_resolves_to_it(vocabularies):
    """Each id, URI, notation, label and alt label names its own term, in any case."""
    checked = 0
    for vocab in vocabularies.values():
        for term in vocab:
            spellings = [
                term.id,
                term.uri,
                *term.labels.values(),
                *(t for texts in term.alt_labels.values() for t in texts),
            ]
            if term.notation:
                spellings.append(term.notation)
            for text in spellings:
                assert vocab.resolve(text) is term, (vocab.id, term.id, text)
                if not text.startswith("http"):
                    assert vocab.resolve(f" {text.upper()} ") is term, (vocab.id, text)
                checked += 1
    assert checked > 1000


@pytest.mark.parametrize(
    "value",
    [
        "mathematiques",
        "https://mawarid.men.gov.ma/voc/subject/mathematiques",
        "MATH",
        "Mathématiques",
        "Mathematiques",
        "MATHÉMATIQUES",
        "  mathématiques  ",
        "الرياضيات",
        "الرِّيَاضِيَّات",
        "الريـــاضيات",
    ],
)
def test_resolve_subject_by_any_spelling(vocabularies, value):
    assert vocabularies["subject"].resolve(value).id == "mathematiques"


@pytest.mark.parametrize(
    "value,expected",
    [
        ("2BAC PC", "2bac-pc"),
        ("2bac-pc", "2bac-pc"),
        ("2 BAC PC", "2bac-pc"),
        ("1AC", "1ac"),
        ("1ère année collège", "1ac"),
        ("1ERE ANNEE COLLEGE", "1ac"),
        ("السنة الأولى إعدادي", "1ac"),
        ("السنة الاولى اعدادي", "1ac"),  # hamza-less alef
        ("السنة الأُولَى إِعْدَادِي", "1ac"),  # with harakat
        ("السنة الأولي إعدادي", "1ac"),  # yaa instead of alef maqsura
        ("السنة الثانية بكالوريا", "2bac"),
        ("السنة الثانية باكالوريا", "2bac"),  # both spellings of baccalauréat
        ("الثانية باكالوريا", "2bac"),
        ("السنة الثانيه بكالوريا", "2bac"),  # haa instead of taa marbuta
        ("الجذع المشترك العلمي", "tcs"),
        ("Tronc commun scientifique", "tcs"),
        ("التعليم الأولي", "prescolaire"),
    ],
)
def test_resolve_level_variants(vocabularies, value, expected):
    assert vocabularies["level"].resolve(value).id == expected


@pytest.mark.parametrize(
    "value,expected",
    [
        ("ar", "ar"),
        ("ara", "ar"),
        ("arabe", "ar"),
        ("العربية", "ar"),
        ("ar-MA", "ar"),
        ("fre", "fr"),
        ("fra", "fr"),
        ("Français", "fr"),
        ("fr-FR", "fr"),
        ("Tamazight", "zgh"),
        ("ⵜⴰⵎⴰⵣⵉⵖⵜ", "zgh"),
        ("zgh-Tfng", "zgh"),
        ("eng", "en"),
        ("fr-CA", "fr"),
        ("ar-Arab-EG", "ar"),
        ("en-AU", "en"),
        ("none", "zxx"),
    ],
)
def test_resolve_language_codes_and_names(vocabularies, value, expected):
    assert vocabularies["language"].resolve(value).id == expected


def test_resolve_lom_spellings(vocabularies):
    assert vocabularies["learning_resource_type"].resolve("narrative text").id == "narrative-text"
    assert vocabularies["learning_resource_type"].resolve("Exercice").id == "exercise"
    assert vocabularies["learning_resource_type"].resolve("تمرين").id == "exercise"
    assert (
        vocabularies["classification_purpose"].resolve("educational level").id
        == "educational_level"
    )
    assert vocabularies["relation_kind"].resolve("isPartOf").id == "ispartof"


def test_unknown_term_raises_with_suggestions(vocabularies):
    with pytest.raises(UnknownTermError) as info:
        vocabularies["subject"].resolve("Mathematiqes")
    err = info.value
    assert err.vocabulary == "subject" and err.value == "Mathematiqes"
    assert err.suggestions[0] == "mathematiques"
    assert len(err.suggestions) <= 3
    assert "'Mathematiqes'" in str(err) and "'subject'" in str(err) and "mathematiques" in str(err)


def test_unknown_term_without_close_match_has_no_suggestion(vocabularies):
    with pytest.raises(UnknownTermError) as info:
        vocabularies["licence"].resolve("zzzz qqqq")
    assert info.value.suggestions == []


@pytest.mark.parametrize("value", [None, 3, ["fr"], "", "   "])
def test_non_string_or_empty_values_are_unknown(vocabularies, value):
    with pytest.raises(UnknownTermError):
        vocabularies["language"].resolve(value)


def test_subtag_fallback_only_where_the_data_asks_for_it(vocabularies):
    with pytest.raises(UnknownTermError):
        vocabularies["language"].resolve("xx-FR")
    with pytest.raises(UnknownTermError):  # subject has no resolve_subtags
        vocabularies["subject"].resolve("svt-lycee")


def test_hierarchy_calls_on_unknown_term_raise(vocabularies):
    with pytest.raises(UnknownTermError):
        vocabularies["level"].path("7ac")
    with pytest.raises(UnknownTermError):
        vocabularies["level"].descendants("7ac")


# -- text folding ---------------------------------------------------------------------


def test_fold_rules():
    fold = textnorm.fold
    assert fold("  MATHÉMATIQUES ") == "mathematiques"
    assert fold("Sciences de l’ingénieur") == fold("sciences de l'ingenieur")
    assert fold("2BAC-PC") == fold("2bac  —  pc") == "2bac pc"
    assert fold("أإآٱا") == "ااااا"
    assert fold("مستوى") == fold("مستوي")
    assert fold("مدرسة") == fold("مدرسه")
    assert fold("مؤسسة") == fold("موسسه")
    assert fold("قراءة") == fold("قراءه")
    assert fold("ـــعربي") == "عربي"
    assert fold("١٢٣") == "123"
    assert fold("ⵜⴰⵎⴰⵣⵉⵖⵜ") == "ⵜⴰⵎⴰⵣⵉⵖⵜ"
    assert fold("") == ""


def test_arabic_helpers_are_separate():
    assert textnorm.strip_arabic_diacritics("الرِّيَاضِيَّات") == "الرياضيات"
    assert textnorm.strip_arabic_diacritics("أسرة") == "أسرة"  # letters kept
    assert textnorm.normalise_arabic("أسرة") == "اسره"


# -- bad vocabulary files ---------------------------------------------------------------


def _vocab(terms: list[dict], **overrides) -> dict:
    doc = {
        "id": "sample",
        "uri": "https://mawarid.men.gov.ma/voc/sample",
        "labels": {"fr": "Exemple", "ar": "مثال"},
        "hierarchical": True,
        "lom_source": None,
        "terms": terms,
    }
    doc.update(overrides)
    return doc


def _term(term_id: str, fr: str, ar: str, **extra) -> dict:
    return {"id": term_id, "labels": {"fr": fr, "ar": ar}, **extra}


def _write(folder: Path, doc: dict | str, name: str = "sample.json") -> Path:
    folder.mkdir(exist_ok=True)
    text = doc if isinstance(doc, str) else json.dumps(doc, ensure_ascii=False)
    (folder / name).write_text(text, encoding="utf-8")
    return folder


def _error(folder: Path) -> VocabularyFileError:
    with pytest.raises(VocabularyFileError) as info:
        load_vocabularies(folder)
    return info.value


def test_a_good_folder_loads(tmp_path):
    folder = _write(
        tmp_path / "v", _vocab([_term("a", "Alpha", "ألف"), _term("b", "Bêta", "باء", broader="a")])
    )
    vocabs = load_vocabularies(folder)
    assert [t.id for t in vocabs["sample"].path("b")] == ["a", "b"]
    assert vocabs["sample"].resolve("beta").id == "b"


def test_copy_of_shipped_folder_loads(tmp_path):
    folder = tmp_path / "vocab"
    shutil.copytree(SHIPPED, folder)
    assert set(load_vocabularies(folder)) == CONTRACT_IDS


def test_bad_json_names_file_and_line(tmp_path):
    err = _error(_write(tmp_path / "v", '{"id": "sample",\n "uri": }'))
    assert err.record == "sample.json"
    assert "invalid JSON at line 2" in str(err)


def test_missing_arabic_label_names_term(tmp_path):
    err = _error(
        _write(
            tmp_path / "v",
            _vocab([_term("a", "Alpha", "ألف"), {"id": "b", "labels": {"fr": "Bêta"}}]),
        )
    )
    assert str(err).startswith("sample.json: ")
    assert "term 'b'" in str(err) and "Arabic" in str(err)


def test_unknown_broader_names_term(tmp_path):
    err = _error(_write(tmp_path / "v", _vocab([_term("a", "Alpha", "ألف", broader="zz")])))
    assert "term 'a'" in str(err) and "'zz' does not exist" in str(err)


def test_cycle_names_term(tmp_path):
    err = _error(
        _write(
            tmp_path / "v",
            _vocab(
                [
                    _term("a", "Alpha", "ألف", broader="c"),
                    _term("b", "Bêta", "باء", broader="a"),
                    _term("c", "Gamma", "جيم", broader="b"),
                ]
            ),
        )
    )
    assert "cycle" in str(err) and "term 'a'" in str(err) and err.record == "sample.json"


def test_duplicate_id_names_term(tmp_path):
    err = _error(
        _write(tmp_path / "v", _vocab([_term("a", "Alpha", "ألف"), _term("a", "Autre", "آخر")]))
    )
    assert "term 'a': duplicate id" in str(err)


def test_duplicate_uri_names_both_terms(tmp_path):
    uri = "https://mawarid.men.gov.ma/voc/sample/x"
    err = _error(
        _write(
            tmp_path / "v",
            _vocab([_term("a", "Alpha", "ألف", uri=uri), _term("b", "Bêta", "باء", uri=uri)]),
        )
    )
    assert "term 'b'" in str(err) and "'a'" in str(err)


def test_labels_colliding_after_folding_are_rejected(tmp_path):
    err = _error(
        _write(tmp_path / "v", _vocab([_term("a", "Élève", "تلميذ"), _term("b", "eleve", "طالب")]))
    )
    assert "term 'b'" in str(err) and "term 'a'" in str(err) and "collides" in str(err)
    err = _error(
        _write(tmp_path / "w", _vocab([_term("a", "Alpha", "مدرسة"), _term("b", "Bêta", "مدرسه")]))
    )
    assert "collides" in str(err)


@pytest.mark.parametrize("bad_id", ["Bad", "é", "-a", "a b", "a/b", ""])
def test_bad_term_id(tmp_path, bad_id):
    err = _error(_write(tmp_path / "v", _vocab([_term(bad_id, "Alpha", "ألف")])))
    assert "bad id" in str(err)


def test_broader_in_flat_vocabulary(tmp_path):
    err = _error(
        _write(
            tmp_path / "v",
            _vocab(
                [_term("a", "Alpha", "ألف"), _term("b", "Bêta", "باء", broader="a")],
                hierarchical=False,
            ),
        )
    )
    assert "not hierarchical" in str(err)


def test_file_name_must_match_id(tmp_path):
    err = _error(_write(tmp_path / "v", _vocab([_term("a", "Alpha", "ألف")]), name="other.json"))
    assert err.record == "other.json" and "file name" in str(err)


def test_unknown_keys_and_missing_terms(tmp_path):
    assert "unknown key" in str(
        _error(_write(tmp_path / "v", _vocab([_term("a", "Alpha", "ألف", colour="red")])))
    )
    assert "'terms'" in str(_error(_write(tmp_path / "w", _vocab([]))))
    assert "missing key 'uri'" in str(_error(_write(tmp_path / "x", {"id": "sample"})))


def test_not_utf8(tmp_path):
    folder = tmp_path / "v"
    folder.mkdir()
    (folder / "sample.json").write_bytes('{"id": "é"}'.encode("latin-1"))
    assert "not UTF-8" in str(_error(folder))


def test_empty_or_missing_folder(tmp_path):
    assert "no vocabulary files" in str(_error(tmp_path))
    assert "not found" in str(_error(tmp_path / "nope"))


def test_one_bad_file_among_good_ones_stops_loading(tmp_path):
    folder = tmp_path / "vocab"
    shutil.copytree(SHIPPED, folder)
    doc = json.loads((folder / "subject.json").read_text(encoding="utf-8"))
    del doc["terms"][3]["labels"]["ar"]
    (folder / "subject.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    err = _error(folder)
    assert err.record == "subject.json" and f"term {doc['terms'][3]['id']!r}" in str(err)
