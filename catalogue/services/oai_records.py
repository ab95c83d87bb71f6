"""The OAI-PMH tables (``oai_item``, ``oai_item_set``), kept by the catalogue.

They are written in the same transaction as the change that causes them
(publish, edit while published, withdraw), so a harvester never sees a record
the catalogue does not have, nor misses one it has. The metadata is rendered
here once, by the writers of ``metadata_schemas``, and served as stored text by
the OAI endpoint (``portal/oai``), which therefore needs no record logic.

Set specs (every prefix of a level path is stored so that a harvester may ask for
a whole cycle): ``level:<cycle>``, ``level:<cycle>:<level>``,
``level:<cycle>:<level>:<branch>``, ``subject:<id>``, ``collection:<mode>``.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from typing import Any

from lxml import etree
from sqlalchemy import delete
from sqlalchemy.orm import Session

from ..store.models import OAIItem, OAIItemSet, Resource

log = logging.getLogger(__name__)

#: column → (module, function) of the writer producing it.
WRITERS: dict[str, tuple[str, str]] = {
    "oai_dc": ("metadata_schemas.oai_dc", "record_to_oai_dc_element"),
    "oai_lom": ("metadata_schemas.lom_xml", "record_to_lom_element"),
    "scolomfr": ("metadata_schemas.scolomfr_xml", "record_to_scolomfr_element"),
}
_loaded: dict[str, Callable[..., Any]] = {}


def writer(column: str) -> Callable[..., Any] | None:
    """The writer function for ``column``, or None while its module does not exist yet."""
    fn = _loaded.get(column)
    if fn is None:
        module_name, name = WRITERS[column]
        try:
            fn = getattr(importlib.import_module(module_name), name)
        except (ImportError, AttributeError):
            return None
        _loaded[column] = fn
    return fn


def oai_identifier(repository_id: str, resource_id: str) -> str:
    return f"oai:{repository_id}:{resource_id}"


def set_specs(record: dict, acquisition_mode: str | None) -> list[str]:
    from metadata_schemas.record import subjects_of, taxon_paths

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
    record: dict,
    *,
    resource_id: str,
    provenance: dict | None,
    repository_id: str,
    base_url: str | None = None,
) -> dict[str, str | None]:
    """The three metadata formats as XML text without declaration (None if a writer is missing)."""
    out: dict[str, str | None] = {}
    for column in WRITERS:
        fn = writer(column)
        if fn is None:
            out[column] = None
            continue
        if column == "oai_dc":
            element = fn(
                record,
                identifier=resource_id,
                base_url=base_url,
                oai_identifier=oai_identifier(repository_id, resource_id),
                provenance=provenance,
            )
        else:
            element = fn(record, identifier=resource_id, provenance=provenance)
        out[column] = etree.tostring(element, encoding="unicode")
    return out


def item_rows(
    resource: Resource,
    *,
    repository_id: str,
    provenance: dict | None,
    deleted: bool = False,
    base_url: str | None = None,
) -> tuple[dict, list[dict]]:
    """The ``oai_item`` values and the ``oai_item_set`` rows of ``resource``."""
    values: dict = {
        "resource_id": resource.id,
        "identifier": oai_identifier(repository_id, resource.id),
        "datestamp": resource.datestamp,
        "deleted": deleted,
    }
    if not deleted:
        values.update(
            render(
                resource.record,
                resource_id=resource.id,
                provenance=provenance,
                repository_id=repository_id,
                base_url=base_url,
            )
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
    provenance: dict | None,
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
        session.execute(OAIItemSet.__table__.insert(), sets)
