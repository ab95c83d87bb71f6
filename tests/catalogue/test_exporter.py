"""Export: streamed in pages, one file per resource plus its provenance, atomic files."""

from __future__ import annotations

import json

import pytest
from catalogue_testdata import ACHAT, record

from catalogue.errors import InvalidInput
from catalogue.services import SYSTEM
from catalogue.services.exporter import export


def test_export_pages_through_published_resources(resources, tmp_path):
    ids = [
        resources.create_published(SYSTEM, record(n), reference="PV 2/2024", acquisition=ACHAT).id
        for n in range(5)
    ]
    draft = resources.create_draft(SYSTEM, record(99))
    report = export(resources, tmp_path / "out", format="json", batch=2)
    assert report.written == 5 and report.files == 10
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == sorted([f"{i}.json" for i in ids] + [f"{i}.provenance.json" for i in ids])
    assert not any(name.startswith(".") for name in names)  # no temporary leftovers
    prov = json.loads((tmp_path / "out" / f"{ids[0]}.provenance.json").read_text(encoding="utf-8"))
    assert prov["summary"]["validated"]["reference"] == "PV 2/2024"
    everything = export(resources, tmp_path / "all", format="lom", status=None, batch=4)
    assert everything.written == 6
    assert (tmp_path / "all" / f"{draft.id}.xml").read_bytes().startswith(b"<?xml")


def test_unknown_format(resources, tmp_path):
    with pytest.raises(InvalidInput, match="format"):
        export(resources, tmp_path, format="marc21")
