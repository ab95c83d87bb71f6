"""OAI-PMH rows: written with the change that causes them, in the same transaction."""

from __future__ import annotations

import pytest
from catalogue_testdata import ADMIN, INDEXER, record
from lxml import etree
from sqlalchemy import select

from catalogue.store.models import OAIItem, OAIItemSet

LOM = "{http://ltsc.ieee.org/xsd/LOM}"


def _item(services, resource_id):
    with services.db.session() as session:
        item = session.get(OAIItem, resource_id)
        sets = sorted(
            session.scalars(
                select(OAIItemSet.set_spec).where(OAIItemSet.resource_id == resource_id)
            )
        )
        return item, sets


def test_no_row_before_publication(services, validated):
    item, sets = _item(services, validated.id)
    assert item is None and sets == []


def test_publish_writes_item_sets_and_metadata(services, published):
    item, sets = _item(services, published.id)
    assert item.identifier == f"oai:mawarid.test:{published.id}"
    assert item.deleted is False
    assert item.datestamp == published.datestamp
    assert sets == [
        "collection:achat",
        "level:secondaire-collegial",
        "level:secondaire-collegial:1ac",
        "subject:mathematiques",
    ]
    lom = etree.fromstring(item.oai_lom.encode())
    assert lom.tag == f"{LOM}lom" and not item.oai_lom.startswith("<?xml")
    entries = [e.text for e in lom.iter(f"{LOM}entry")]
    assert published.id in entries  # general.identifier, catalog mawarid
    assert "PV 3/2025" in item.oai_lom  # the validation decision's reference
    assert "Éditions Atlas" in item.oai_lom  # the counterpart, in lifeCycle
    dc = etree.fromstring(item.oai_dc.encode())
    assert dc.tag == "{http://www.openarchives.org/OAI/2.0/oai_dc/}dc"
    assert "الكسور 1" in item.oai_dc
    assert item.scolomfr and "lom" in etree.fromstring(item.scolomfr.encode()).tag


def test_edit_while_published_moves_the_datestamp(services, resources, published, clock):
    clock.advance(1)  # datestamps have one-second granularity
    updated = resources.update(INDEXER, published.id, record(7), expected_version=published.version)
    assert updated.status == "published"
    item, _ = _item(services, published.id)
    assert item.datestamp == updated.datestamp > published.datestamp
    assert "Les fractions 7" in item.oai_dc


def test_withdraw_marks_the_item_deleted_and_keeps_sets(services, resources, published, clock):
    clock.advance(1)
    withdrawn = resources.withdraw(ADMIN, published.id, reason="doublon")
    item, sets = _item(services, published.id)
    assert item.deleted is True
    assert item.datestamp == withdrawn.datestamp > published.datestamp
    assert "level:secondaire-collegial" in sets


def test_a_failed_publish_writes_no_oai_row(services, resources, validated, monkeypatch):
    from catalogue.services import oai_records

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(oai_records, "render", broken)
    with pytest.raises(RuntimeError):
        resources.publish(INDEXER, validated.id)
    item, sets = _item(services, validated.id)
    assert item is None and sets == []
    assert resources.get(validated.id).status == "validated"
    assert [e.action for e in resources.history(validated.id)][-1] == "decide"


def test_completing_a_shared_acquisition_refreshes_its_published_resources(
    services, resources, clock
):
    from catalogue.services import SYSTEM

    acquisition = {"mode": "don", "reference": "CD 3/2022"}
    first = resources.create_published(SYSTEM, record(1), reference="PV 1", acquisition=acquisition)
    item, _ = _item(services, first.id)
    assert "UNICEF Maroc" not in item.oai_lom
    clock.advance(1)
    seen = []
    resources.add_listener(lambda change: seen.append((change.kind, change.resource.id)))
    second = resources.create_draft(
        INDEXER, record(2), acquisition={**acquisition, "counterpart": "UNICEF Maroc"}
    )
    item, _ = _item(services, first.id)
    assert "UNICEF Maroc" in item.oai_lom and item.datestamp > first.datestamp
    assert seen == [("updated", first.id)]
    assert resources.get(second.id).acquisition["counterpart"] == "UNICEF Maroc"
