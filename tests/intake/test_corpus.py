"""The corpus of every record family (tests/intake/corpus, see its README): what comes in,
what is refused and why, and that nothing a partner wrote is dropped on the way in."""

from __future__ import annotations

import json
import zipfile

import pytest

from catalogue.intake.importer import Importer


def outcomes(report) -> dict[str, object]:
    return {o.source.split("corpus/", 1)[-1]: o for o in report.outcomes}


def record_of(resources, outcome) -> dict:
    return resources.get(outcome.resource_id).record


def test_the_whole_corpus_in_one_command(corpus, resources):
    report = Importer(resources).run([corpus])
    by_source = outcomes(report)
    refused = {s: o.reason() for s, o in by_source.items() if o.status == "refused"}
    assert refused.keys() == {"collection.xml#2", "marc21.xml", "mojibake.xml", "oai-identify.xml"}
    assert "MARC21" in refused["marc21.xml"]
    assert "mojibake" in refused["mojibake.xml"] and "CrÃ©ation" in refused["mojibake.xml"]
    assert "Identify" in refused["oai-identify.xml"]
    assert refused["collection.xml#2"] == "general.title: required"
    deleted = [s for s, o in by_source.items() if o.status == "deleted"]
    assert deleted == ["oai-listrecords-lom.xml [oai:partenaire.example.org:1002]"]
    created = [s for s, o in by_source.items() if o.status == "created"]
    assert len(created) == 20
    # The SCORM metadata file is read with its manifest, not as a record of its own.
    assert not any("course.xml" in s for s in by_source)
    assert report.exit_code == 3  # some inputs were refused
    assert report.counts()["to_review"] >= 10
    # The same corpus again: recognised, nothing duplicated.
    again = Importer(resources).run([corpus])
    assert len(again.unchanged) == 20 and again.created == [] and again.updated == []
    assert resources.count() == 20


def test_the_report_as_json_is_complete(corpus, resources):
    report = Importer(resources).run([corpus / "scolomfr-3.1.xml", corpus / "marc21.xml"])
    data = json.loads(json.dumps(report.to_dict("ar"), ensure_ascii=False))
    assert data["summary"]["imported"] == 1 and data["summary"]["refused"] == 1
    assert data["exit_code"] == 3
    scolomfr = next(r for r in data["records"] if r["source"].endswith("scolomfr-3.1.xml"))
    assert scolomfr["to_review"] and scolomfr["family"] == "lom"
    mapped = [n for n in scolomfr["notes"] if n["code"] == "mapped_crosswalk"]
    assert any(
        n["term"] == {"source": "level", "taxon": ["secondaire-collegial", "1ac"]} for n in mapped
    )
    assert all(
        "\u0600" <= ch <= "\u06ff" or not ch.isalpha() or ch.isascii()
        for ch in mapped[0]["message"][:3]
    )
    assert any("\u0600" <= ch <= "\u06ff" for ch in mapped[0]["message"])  # read in Arabic
    marc = next(r for r in data["records"] if r["source"].endswith("marc21.xml"))
    assert marc["status"] == "refused" and marc["code"] == "unsupported_format"


def test_ieee_lom_keeps_vcards_keywords_requirements_and_descriptions(corpus, resources):
    report = Importer(resources).run([corpus / "lom-ieee-full.xml"])
    record = record_of(resources, report.outcomes[0])
    author = record["lifecycle"]["contribute"][0]
    assert author["entity"] == ["Dr. Aminata Ndiaye"]
    vcard = author["vcards"]["Dr. Aminata Ndiaye"]
    for line in (
        "EMAIL;TYPE=INTERNET:a.ndiaye@open.example.org",
        "TEL;TYPE=WORK:",
        "ORG:Open Science",
    ):
        assert line in vcard
    assert author["date_description"] == {"en": "First published in the network's repository"}
    assert record["general"]["keyword"] == [
        {"en": "photosynthesis"},
        {"en": "chlorophyll"},
        {"en": "light"},
    ]
    assert record["technical"]["requirement"] == [
        {
            "or_composite": [
                {"type": "browser", "name": "any", "minimum_version": "4"},
                {"type": "operating-system", "name": "multi-os"},
            ]
        }
    ]
    assert record["technical"]["duration_description"] == {"en": "Length of the narrated animation"}
    assert record["educational"]["typical_learning_time_description"] == {"en": "One class period"}
    assert record["annotation"][0]["vcards"]["Peer reviewer 7"].endswith("END:VCARD")
    assert record["relation"][0]["kind"] == "ispartof"
    classification = record["classification"][0]
    assert classification["taxon_path"] == [{"source": "subject", "taxon": ["svt"]}]
    assert classification["original"][0]["taxa"] == [{"id": "0511", "entry": {"en": "Biology"}}]
    assert record["rights"]["licence"] == "cc-by-sa-4.0"


def test_ims_metadata_1_2_is_read_as_lom(corpus, resources):
    report = Importer(resources).run([corpus / "imsmd-1.2.xml"])
    assert report.outcomes[0].family == "imsmd"
    record = record_of(resources, report.outcomes[0])
    assert record["general"]["title"] == {"fr": "Les volcans du Moyen Atlas"}
    assert {"catalog": "ISBN", "entry": "978-9954-0-4321-0"} in record["general"]["identifier"]
    assert record["general"]["structure"] == "linear" and record["lifecycle"]["status"] == "final"
    assert record["lifecycle"]["contribute"][0]["entity"] == ["Youssef Amrani"]
    assert (
        "EMAIL;INTERNET:y.amrani@example.ma"
        in record["lifecycle"]["contribute"][0]["vcards"]["Youssef Amrani"]
    )
    assert record["technical"]["requirement"][0]["or_composite"][0]["name"] == "ms-windows"
    assert record["educational"]["typical_learning_time"] == "PT1H"
    assert record["educational"]["typical_age_range"] == ["12-15"]
    assert record["rights"]["licence"] == "all-rights-reserved"
    assert record["rights"]["description"] == {"fr": "Tous droits réservés."}


def test_scolomfr_3_1_concepts_languages_and_extensions(corpus, resources):
    report = Importer(resources).run([corpus / "scolomfr-3.1.xml"])
    record = record_of(resources, report.outcomes[0])
    assert record["general"]["language"] == ["fr"]
    assert record["general"]["title"] == {"fr": "Les états de l'eau"}
    assert (
        record["general"]["structure"] == "atomic" and record["general"]["aggregation_level"] == "1"
    )
    assert record["technical"]["format"] == ["video/mp4"]
    educational = record["educational"]
    assert educational["learning_resource_type"] == ["demonstration", "case-study"]
    assert educational["context"] == ["secondary-education"]
    kept = list(educational["verbatim"])
    assert len(kept) == 4 and all("xmlns:" in x for x in kept)  # activity, place, method, tool
    assert "scolomfr-voc-005-num-024" in "".join(record["general"]["verbatim"])
    levels = record["classification"][0]
    assert levels["taxon_path"] == [{"source": "level", "taxon": ["secondaire-collegial", "1ac"]}]
    assert record["classification"][1]["purpose"] == "discipline"
    assert record["classification"][1]["taxon_path"][0]["taxon"] == ["physique-chimie"]
    label = record["classification"][2]
    assert "purpose" not in label and label["original"][0]["how"] == "none"
    assert record["relation"][0]["original"][0]["value"].endswith("scolomfr-voc-009-num-011")


def test_scolomfr_1_x_and_lomfr_legacy_values(corpus, resources):
    report = Importer(resources).run([corpus / "scolomfr-1.1.xml", corpus / "lomfr-1.0.xml"])
    scolomfr, lomfr = (record_of(resources, o) for o in report.outcomes)
    assert scolomfr["educational"]["learning_resource_type"] == [
        "demonstration",
        "educational-activity",
    ]
    assert scolomfr["lifecycle"]["contribute"][1]["role"] == "graphical-designer"
    assert scolomfr["rights"]["cost"] is False  # "gratuit"
    assert scolomfr["rights"]["licence"] == "cc-by-nc-nd-4.0"
    assert scolomfr["classification"][0]["taxon_path"][0]["taxon"][-1] == "2ac"  # la 4e
    assert lomfr["general"]["language"] == ["fr"]
    assert lomfr["educational"]["learning_resource_type"] == ["lesson-plan"]
    assert lomfr["educational"]["context"] == ["primary-education"]
    assert lomfr["lifecycle"]["contribute"][1]["role"] == "unknown"  # "contributeur", proposed
    assert lomfr["classification"][0]["taxon_path"][0]["taxon"][-1] == "5ap"  # CM2


def test_normetic_labels_ages_and_rights_in_words(corpus, resources):
    report = Importer(resources).run([corpus / "normetic-1.2.xml"])
    record = record_of(resources, report.outcomes[0])
    educational = record["educational"]
    assert educational["learning_resource_type"] == ["exercise", "educational-activity"]
    assert educational["interactivity_type"] == "active"
    assert educational["context"] == ["primary-education"]
    assert educational["typical_age_range"] == ["9-11", "7-90"]
    texts = [o["text"] for o in educational["original"] if o["key"] == "typical_age_range"]
    assert {"fr": "de 9 à 11 ans"} in texts and {"en": "Age 7 to 90"} in texts
    assert (
        record["rights"]["licence"] == "all-rights-reserved" and record["rights"]["cost"] is False
    )
    assert "ADR;TYPE=WORK" in record["lifecycle"]["contribute"][0]["vcards"]["Marie Tremblay"]
    assert record["general"]["original"][0]["value"] == "fr-CA"  # the spelling, kept


def test_content_packages_inline_and_by_location(corpus, resources, tmp_path):
    package = tmp_path / "algebre.zip"
    with zipfile.ZipFile(package, "w") as archive:
        for path in (corpus / "scorm-1.2-package").rglob("*"):
            if path.is_file():
                archive.write(path, path.relative_to(corpus / "scorm-1.2-package"))
    report = Importer(resources).run(
        [package, corpus / "scorm-2004-inline.xml", corpus / "imscp-imsmd.xml"]
    )
    assert [o.status for o in report.outcomes] == ["created"] * 3
    scorm12, scorm2004, imscp = (record_of(resources, o) for o in report.outcomes)
    assert scorm12["general"]["title"] == {"fr": "Équations du premier degré à une inconnue"}
    assert scorm12["classification"][0]["taxon_path"][0]["taxon"][-1] == "2ac"
    assert scorm2004["general"]["title"] == {"ar": "الجهاز الهضمي", "fr": "L'appareil digestif"}
    assert scorm2004["educational"]["typical_age_range"] == ["11-12"]
    assert scorm2004["rights"]["licence"] == "cc-by-sa-4.0"
    assert imscp["educational"]["learning_resource_type"] == ["figure"]


def test_oai_pmh_responses_and_dublin_core(corpus, resources):
    report = Importer(resources).run(
        [corpus / "oai-getrecord-oai_dc.xml", corpus / "oai_dc-standalone.xml"]
    )
    getrecord, standalone = (record_of(resources, o) for o in report.outcomes)
    assert getrecord["general"]["title"] == {
        "fr": "La respiration cellulaire",
        "ar": "التنفس الخلوي",
    }
    assert getrecord["general"]["language"] == ["fr"]
    assert getrecord["lifecycle"]["contribute"][1] == {
        "role": "publisher",
        "entity": ["Académie régionale d'exemple"],
        "date": "2024-11-02",
    }
    assert {"source": "subject", "taxon": ["svt"]} in getrecord["classification"][0]["taxon_path"]
    assert getrecord["rights"]["licence"] == "cc-by-sa-4.0"
    assert getrecord["educational"]["original"][0]["value"] == "InteractiveResource"
    assert standalone["general"]["language"] == ["ar"]
    assert standalone["rights"]["licence"] == "cc-by-nc-4.0"
    levels = [c for c in standalone["classification"] if c["purpose"] == "educational_level"]
    assert levels[0]["taxon_path"][0]["taxon"][-1] == "1ac"
    # The OAI identifier identifies the record: importing the response again updates it.
    ids = {o.resource_id for o in report.outcomes}
    again = Importer(resources).run([corpus / "oai-getrecord-oai_dc.xml"])
    assert again.outcomes[0].resource_id in ids and again.outcomes[0].status == "unchanged"


def test_arabic_record_ages_licence_and_role(corpus, resources):
    report = Importer(resources).run([corpus / "lom-arabic.xml"])
    outcome = report.outcomes[0]
    record = record_of(resources, outcome)
    assert record["general"]["title"] == {"ar": "حكايات للأطفال"}
    assert record["lifecycle"]["contribute"][0]["role"] == "author"
    assert record["educational"]["typical_age_range"] == ["6-12"]
    assert record["rights"]["licence"] == "cc-by-nc-sa-4.0"
    proposed = next(n for n in outcome.notes if n.code == "levels_from_age")
    assert proposed.term == ["primaire", "secondaire-collegial"]  # ages 6 to 12
    assert {"source": "level", "taxon": ["primaire"]} in record["classification"][0]["taxon_path"]


@pytest.mark.parametrize(
    "name, data, reason",
    [
        ("deep.xml", b"<a>" * 300 + b"</a>" * 300, "line"),
        (
            "huge-number.xml",
            b'<lom xmlns="http://ltsc.ieee.org/xsd/LOM"><general><title><string language="fr">T</string></title></general><technical><size>'
            + b"9" * 400
            + b"</size></technical></lom>",
            None,
        ),
        (
            "latin1-declared-utf8.xml",
            '<?xml version="1.0" encoding="UTF-8"?><lom><general><title><string>Élève</string></title></general></lom>'.encode(
                "latin-1"
            ),
            "line 1",
        ),
        ("empty.xml", b"", "empty document"),
        ("not-xml.xml", b"%PDF-1.4 binary", "not well-formed"),
    ],
)
def test_bad_input_loses_one_record_with_its_reason(tmp_path, resources, name, data, reason):
    (tmp_path / name).write_bytes(data)
    good = tmp_path / "good.jsonl"
    good.write_text(
        json.dumps({"general": {"title": {"fr": "Bonne notice"}}}) + "\n", encoding="utf-8"
    )
    report = Importer(resources).run([tmp_path / name, good])
    bad = next(o for o in report.outcomes if o.source == name)
    if reason is None:  # kept as written, not refused
        assert bad.status == "created"
        record = resources.get(bad.resource_id).record
        assert record["technical"]["original"][0]["value"] == "9" * 400
    else:
        assert bad.status == "refused" and reason in bad.reason()
    assert any(o.status == "created" and o.source.startswith("good.jsonl") for o in report.outcomes)


def test_an_ims_ld_package_is_one_resource_its_parts_stay_inside(corpus, resources):
    report = Importer(resources).run([corpus / "imsld-package.xml"])
    [outcome] = report.outcomes
    assert outcome.status == "created" and outcome.family == "ims-cp"
    record = record_of(resources, outcome)
    assert record["general"]["title"] == {"fr": "Les solutions aqueuses : ions et conductivité"}
    parts = next(n for n in outcome.notes if n.code == "components")
    assert parts.params == {"count": 2} and not parts.review
    # A file name with spaces is an address once escaped; the partner's spelling is kept.
    assert record["technical"]["location"] == [
        "http://lecons.example.org/contenus/Les%20solutions%20aqueuses%20-%20s%C3%A9ance%201.ubz"
    ]
    assert record["technical"]["original"][0]["how"] == "spelling"


def test_a_package_nobody_described_comes_in_titled_by_its_manifest(tmp_path, resources):
    # ADL SCORM 1.2 CAM §2.3.2: <metadata> is optional; the organization has a title.
    package = tmp_path / "golf"
    package.mkdir()
    (package / "imsmanifest.xml").write_text(
        """<?xml version="1.0"?>
<manifest identifier="com.example.golf.cp" version="1"
          xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
          xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <organizations default="org">
    <organization identifier="org">
      <title>Le golf expliqué</title>
      <item identifier="i1" identifierref="r1"><title>Les règles</title></item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="r1" type="webcontent" adlcp:scormtype="sco" href="regles.html"/>
  </resources>
</manifest>""",
        encoding="utf-8",
    )
    report = Importer(resources).run([package])
    [outcome] = report.outcomes
    assert outcome.status == "created" and outcome.to_review
    assert any(n.code == "made_from_manifest" for n in outcome.notes)
    assert record_of(resources, outcome)["general"]["title"] == {"fr": "Le golf expliqué"}
    # Its manifest identifier makes it the same resource when the package comes again.
    again = Importer(resources).run([package])
    assert [o.status for o in again.outcomes] == ["unchanged"]
