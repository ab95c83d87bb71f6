"""A small bilingual corpus for the portal tests, published through the real catalogue.

Edge cases on purpose: Arabic-only and French-only titles, a deep curriculum
path (2BAC PC), a resource without an online location, an XSS payload stored in
a published title, a draft and a withdrawn resource (never public). The browser
tests load this file by path (``tests/browser/conftest.py``) to seed the live server.

``seed(runtime)`` returns ``{name: resource id}``; ``EXPECTED`` holds counts the
tests assert, so a change here shows up as a clear failing number.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from catalogue.services import SYSTEM
from catalogue.services.completeness import RULES as COMPLETENESS

XSS = '<script>alert("x")</script>'


def _record(
    title,
    *,
    levels,
    subjects,
    types=("exercise",),
    languages=("fr",),
    description=None,
    licence="cc-by-sa-4.0",
    location="https://taalimtice.ma/r/{n}",
    duration=None,
    fmt="text/html",
    keywords=(),
    contributors=None,
):
    record = {
        "general": {"title": title, "language": list(languages)},
        "educational": {
            "learning_resource_type": list(types),
            "intended_end_user_role": ["teacher", "learner"],
            "context": ["school"],
            "typical_learning_time": "PT45M",
        },
        "rights": {"cost": False, "copyright": True, "licence": licence},
        "technical": {"format": [fmt]},
        "lifecycle": {
            "version": "1.0",
            "status": "final",
            "contribute": contributors
            or [
                {"role": "author", "entity": ["Amina El Idrissi"], "date": "2024-05-01"},
                {"role": "publisher", "entity": ["Éditions Atlas"]},
            ],
        },
        "classification": [
            {
                "purpose": "educational_level",
                "taxon_path": [{"source": "level", "taxon": [lv]} for lv in levels],
            },
            {
                "purpose": "discipline",
                "taxon_path": [{"source": "subject", "taxon": [s]} for s in subjects],
            },
        ],
    }
    if description:
        record["general"]["description"] = description
    if keywords:
        record["general"]["keyword"] = [dict(k) for k in keywords]
    if location:
        record["technical"]["location"] = [location]
    if duration:
        record["technical"]["duration"] = duration
    return record


ACHAT = {
    "mode": "achat",
    "reference": "AO 12/2024/LNRN",
    "counterpart": "Éditions Atlas",
    "started_on": "2024-01-10",
    "steps": [
        {"id": "definition-besoins", "status": "done", "date": "2024-01-10"},
        {"id": "ouverture-plis", "status": "done", "date": "2024-03-02"},
    ],
}
DON = {
    "mode": "don",
    "reference": "Convention 4/2023",
    "counterpart": "Fondation Savoir",
    "steps": [{"id": "consultation-reception", "status": "done", "date": "2023-10-02"}],
}

#: name → (record, acquisition, final status)
RESOURCES = {
    "fractions": (
        _record(
            {"fr": "Les fractions au collège", "ar": "الكسور في الإعدادي"},
            levels=["1ac"],
            subjects=["mathematiques"],
            languages=["fr", "ar"],
            description={
                "fr": "Exercices progressifs sur les fractions : "
                "simplification, comparaison et addition.",
                "ar": "تمارين متدرجة حول الكسور: التبسيط والمقارنة والجمع.",
            },
            keywords=[{"fr": "fraction"}, {"ar": "كسر"}],
            duration="PT12M",
            fmt="application/pdf",
        ),
        ACHAT,
        "published",
    ),
    "equations": (
        _record(
            {"fr": "Équations du premier degré", "ar": "معادلات من الدرجة الأولى"},
            levels=["2ac"],
            subjects=["mathematiques"],
            types=["video-lesson"],
            languages=["fr", "ar"],
            fmt="video/mp4",
            duration="PT1H5M",
            description={
                "fr": "Une vidéo pour résoudre des équations.",
                "ar": "شريط لحل المعادلات.",
            },
        ),
        ACHAT,
        "published",
    ),
    "photosynthese": (
        _record(
            {"fr": "La photosynthèse", "ar": "التركيب الضوئي"},
            levels=["1ac"],
            subjects=["svt"],
            types=["simulation"],
            languages=["fr", "ar"],
            fmt="text/html",
            description={
                "fr": "Simulation interactive de la photosynthèse chez les plantes vertes.",
                "ar": "محاكاة تفاعلية للتركيب الضوئي عند النباتات الخضراء.",
            },
        ),
        DON,
        "published",
    ),
    "nahw": (
        _record(
            {"ar": "قواعد النحو: الجملة الاسمية"},
            levels=["5ap"],
            subjects=["langue-arabe"],
            languages=["ar"],
            description={"ar": "دروس وتمارين في الجملة الاسمية والمبتدأ والخبر."},
        ),
        None,
        "published",
    ),
    "lecture": (
        _record(
            {"fr": "Lecture suivie : contes du Maroc"},
            levels=["5ap"],
            subjects=["langue-francaise"],
            languages=["fr"],
            types=["narrative-text"],
            description={"fr": "Contes à lire en classe, avec questions de compréhension."},
            location=None,
        ),
        None,
        "published",
    ),
    "ondes": (
        _record(
            {"fr": "Les ondes mécaniques progressives", "ar": "الموجات الميكانيكية المتوالية"},
            levels=["2bac-pc"],
            subjects=["physique-chimie"],
            types=["exercise"],
            languages=["fr", "ar"],
            licence="cc-by-4.0",
            description={
                "fr": "Exercices corrigés sur les ondes pour le baccalauréat.",
                "ar": "تمارين محلولة حول الموجات للبكالوريا.",
            },
        ),
        ACHAT,
        "published",
    ),
    "fractions_ap": (
        _record(
            {"fr": "Fractions en 5e année primaire", "ar": "الكسور في السنة الخامسة ابتدائي"},
            levels=["5ap"],
            subjects=["mathematiques"],
            types=["exercise"],
            languages=["fr", "ar"],
            description={"fr": "Exercices sur les fractions.", "ar": "تمارين حول الكسور."},
        ),
        None,
        "published",
    ),
    "xss": (
        _record(
            {"fr": f"Titre piégé {XSS}", "ar": "عنوان"},
            levels=["1ac"],
            subjects=["mathematiques"],
            languages=["fr"],
            description={"fr": f"Description {XSS} & <b>gras</b>", "ar": f"وصف {XSS}"},
        ),
        None,
        "published",
    ),
    "draft": (
        _record(
            {"fr": "Brouillon secret sur les fractions"}, levels=["1ac"], subjects=["mathematiques"]
        ),
        None,
        "draft",
    ),
    "withdrawn": (
        _record(
            {"fr": "Ressource retirée sur les fractions", "ar": "مورد مسحوب حول الكسور"},
            levels=["1ac"],
            subjects=["mathematiques"],
            languages=["fr", "ar"],
            description={"fr": "Retirée : un doublon.", "ar": "مسحوب: نسخة مكررة."},
        ),
        None,
        "withdrawn",
    ),
}

#: Counts the tests rely on (published resources only).
EXPECTED = {
    "published": 8,
    "level:1ac": 3,  # fractions, photosynthese, xss
    "subject:mathematiques": 4,
    "1ac+mathematiques": 2,  # fractions, xss
    "cycle:primaire": 3,
}


def settings_for(home: Path, **extra: Any) -> dict[str, Any]:
    home = Path(home)
    return {
        "MAWARID_HOME": str(home),
        "MAWARID_DATABASE_URL": f"sqlite:///{home / 'mawarid.sqlite3'}",
        "MAWARID_SEARCH_URL": f"whoosh://{home / 'index'}",
        "SECRET_KEY": "test-secret-key-not-for-production",
        "TESTING": True,
        "MAWARID_BASE_URL": "http://localhost",
        **extra,
    }


def close_app(app) -> None:
    app.extensions["mawarid"].close()


def seed(runtime) -> dict[str, str]:
    """Create every resource through the catalogue's lifecycle; returns name → id.

    Records the completeness rules would refuse (one-language titles, no address: the
    edge cases above) are published as an already-validated catalogue's records are
    migrated (``create_published``, as ``import --migrate-validated``): the public
    pages must show such legacy records too. The others go create → submit → decide →
    publish.
    """
    resources = runtime.resources
    ids: dict[str, str] = {}
    for name, (record, acquisition, status) in RESOURCES.items():
        record = _fill(copy.deepcopy(record), len(ids))
        if status == "published" and not COMPLETENESS.assess(record).complete:
            ids[name] = resources.create_published(
                SYSTEM, record, acquisition=acquisition, reference=f"PV {len(ids) + 1}/2019"
            ).id
            continue
        view = resources.create_draft(SYSTEM, record, acquisition=acquisition)
        ids[name] = view.id
        if status == "draft":
            continue
        resources.submit(SYSTEM, view.id)
        resources.decide(
            SYSTEM,
            view.id,
            commission="validation",
            decision="conforme",
            reference=f"PV {len(ids)}/2025",
        )
        resources.publish(SYSTEM, view.id)
        if status == "withdrawn":
            resources.withdraw(SYSTEM, view.id, reason="doublon")
    return ids


def _fill(record: dict, n: int) -> dict:
    technical = record.get("technical", {})
    if technical.get("location"):
        technical["location"] = [u.replace("{n}", str(n)) for u in technical["location"]]
    return record
