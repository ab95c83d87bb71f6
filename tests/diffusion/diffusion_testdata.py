"""Records, actors and user agents shared by the diffusion tests (imported by name:
module names must be unique across the whole test tree)."""

from __future__ import annotations

from pathlib import Path

from catalogue.services import SYSTEM, Actor

INDEXER = Actor("indexeur", frozenset({"indexer"}), frozenset())
VALIDATOR_ONLY = Actor("valideur", frozenset({"validator"}), frozenset({"validation"}))

ACHAT = {
    "mode": "achat",
    "reference": "AO 7/2025/LNRN",
    "counterpart": "Éditions Atlas",
    "started_on": "2025-01-10",
    "steps": [{"id": "definition-besoins", "status": "done", "date": "2025-01-10"}],
}

CHROME_UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36"
)
#: A real crawler user agent, listed by COUNTER (pattern "bot" and "Googlebot").
GOOGLEBOT_UA = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


def make_record(
    title_fr: str,
    title_ar: str,
    *,
    level: str = "1ac",
    subject: str = "mathematiques",
    keywords: list[dict] | None = None,
) -> dict:
    general = {
        "title": {"fr": title_fr, "ar": title_ar},
        "language": ["fr", "ar"],
        "description": {"fr": f"Ressource : {title_fr}", "ar": f"مورد: {title_ar}"},
    }
    if keywords:
        general["keyword"] = keywords
    return {
        "general": general,
        "rights": {"licence": "cc-by-sa-4.0"},
        "technical": {
            "format": ["text/html"],
            "location": ["https://example.org/r/" + title_fr.split()[0]],
        },
        "classification": [
            {"purpose": "educational_level", "taxon_path": [{"source": "level", "taxon": [level]}]},
            {"purpose": "discipline", "taxon_path": [{"source": "subject", "taxon": [subject]}]},
        ],
    }


def publish(resources, record: dict, resource_id: str):
    resources.create_draft(SYSTEM, record, acquisition=ACHAT, resource_id=resource_id)
    resources.submit(SYSTEM, resource_id)
    resources.decide(
        SYSTEM, resource_id, commission="validation", decision="conforme", reference="PV 1/2025"
    )
    return resources.publish(SYSTEM, resource_id)


def settings_for(home: Path) -> dict:
    return {
        "MAWARID_HOME": str(home),
        "MAWARID_DATABASE_URL": f"sqlite:///{home / 'm.sqlite3'}",
        "SECRET_KEY": "test-secret-key-for-diffusion",
        "MAWARID_USAGE_FLUSH_SECONDS": 30,
        "MAWARID_OAI_REPOSITORY_ID": "mawarid.test",
    }


def seed_corpus(resources) -> None:
    """Three published resources (maths 1AC, maths 2AC, physics 1BAC) and one draft."""
    publish(
        resources,
        make_record("Les fractions", "الكسور", keywords=[{"ar": "كسر"}, {"fr": "fraction"}]),
        "res-fractions",
    )
    publish(resources, make_record("Les équations", "المعادلات", level="2ac"), "res-equations")
    publish(
        resources,
        make_record("La lumière", "الضَّوْء", level="1bac-sex", subject="physique-chimie"),
        "res-lumiere",
    )
    resources.create_draft(
        SYSTEM, make_record("Brouillon", "مسودة"), acquisition=ACHAT, resource_id="res-draft"
    )
