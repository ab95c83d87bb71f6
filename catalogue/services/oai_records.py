"""The OAI-PMH tables (``oai_item``, ``oai_item_set``), kept by the catalogue.

They are written in the same transaction as the change that causes them
(publish, edit while published, withdraw), so a harvester never sees a record
the catalogue does not have, nor misses one it has. The metadata is rendered
here once, by the writers of ``metadata_schemas``, and served as stored text by
the OAI endpoint (``portal/oai``), which therefore needs no record logic.

Set specs (every prefix of a level path is stored so that a harvester may ask for
a whole cycle): ``level:<cycle>``, ``level:<cycle>:<level>``,
``level:<cycle>:<level>:<branch>``, ``subject:<id>``, ``collection:<mode>``.

Rendering is the costly part of a publication (three XML documents per record);
:mod:`.prepare` runs it in worker processes for bulk ingests, with these same
functions, so a record renders to the same bytes either way.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import delete, insert
from sqlalchemy.orm import Session

from metadata_schemas.oai_dc import record_to_oai_dc_text
from metadata_schemas.record import subjects_of, taxon_paths
from metadata_schemas.scolomfr_xml import lom_and_scolomfr_texts

from ..store.models import OAIItem, OAIItemSet, Resource, table_of

log = logging.getLogger(__name__)


def oai_identifier(repository_id: str, resource_id: str) -> str:
    return f"oai:{repository_id}:{resource_id}"


def set_specs(record: dict[str, Any], acquisition_mode: str | None) -> list[str]:
    specs: list[str] = []
    for path in taxon_paths(record, "level"):
        for end in range(1, len(path) + 1):
            spec = "level:" + ":".join(path[:end])
            if spec not in specs:
                specs.append(spec)
    for subject in subjects_of(record):
        spec = f"subject:{subject}"
        if spec not in specs:
            specs.append(spec)
    if acquisition_mode:
        specs.append(f"collection:{acquisition_mode}")
    return specs


def render(
    record: dict[str, Any],
    *,
    resource_id: str,
    provenance: dict[str, Any] | None,
    repository_id: str,
    base_url: str | None = None,
) -> dict[str, str]:
    """The three metadata formats as XML text without declaration, by column (what
    ``etree.tostring(…, encoding="unicode")`` gives of each format's element)."""
    dublin_core = record_to_oai_dc_text(
        record,
        identifier=resource_id,
        base_url=base_url,
        oai_identifier=oai_identifier(repository_id, resource_id),
        provenance=provenance,
    )
    lom, scolomfr = lom_and_scolomfr_texts(record, identifier=resource_id, provenance=provenance)
    return {"oai_dc": dublin_core, "oai_lom": lom, "scolomfr": scolomfr}


def item_values(
    resource_id: str,
    datestamp: Any,
    *,
    repository_id: str,
    deleted: bool,
    rendered: dict[str, str] | None,
) -> dict[str, Any]:
    """The ``oai_item`` row of a resource (``rendered``: its formats, None when deleted)."""
    values: dict[str, Any] = {
        "resource_id": resource_id,
        "identifier": oai_identifier(repository_id, resource_id),
        "datestamp": datestamp,
        "deleted": deleted,
    }
    if rendered is not None:  # a deleted record keeps no metadata of its own
        values.update(rendered)
    return values


def item_rows(
    resource: Resource,
    *,
    repository_id: str,
    provenance: dict[str, Any] | None,
    deleted: bool = False,
    base_url: str | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The ``oai_item`` values and the ``oai_item_set`` rows of ``resource``."""
    rendered = (
        None
        if deleted
        else render(
            resource.record,
            resource_id=resource.id,
            provenance=provenance,
            repository_id=repository_id,
            base_url=base_url,
        )
    )
    values = item_values(
        resource.id,
        resource.datestamp,
        repository_id=repository_id,
        deleted=deleted,
        rendered=rendered,
    )
    mode = resource.acquisition.mode if resource.acquisition else None
    # A deleted record keeps its sets: selective harvesters must learn of the deletion too.
    sets = [
        {"resource_id": resource.id, "set_spec": spec} for spec in set_specs(resource.record, mode)
    ]
    return values, sets


def write_item(
    session: Session,
    resource: Resource,
    *,
    repository_id: str,
    provenance: dict[str, Any] | None,
    deleted: bool = False,
    base_url: str | None = None,
) -> None:
    """Insert or refresh the OAI row and sets of ``resource`` at ``resource.datestamp``."""
    values, sets = item_rows(
        resource,
        repository_id=repository_id,
        provenance=provenance,
        deleted=deleted,
        base_url=base_url,
    )
    item = session.get(OAIItem, resource.id)
    if item is None:
        session.add(OAIItem(**values))
    else:
        for key, value in values.items():
            setattr(item, key, value)
    session.flush()
    session.execute(delete(OAIItemSet).where(OAIItemSet.resource_id == resource.id))
    if sets:
        session.execute(insert(table_of(OAIItemSet)), sets)
