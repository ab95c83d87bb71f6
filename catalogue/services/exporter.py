"""``mawarid export --format lom|oai_dc|json --out DIR``: one file per resource, streamed.

For each resource: ``<id>.xml`` (LOM with the provenance in ``lifeCycle`` contributes
and ``metaMetadata``, or simple Dublin Core) or ``<id>.json`` (the record with its
id and status), plus ``<id>.provenance.json`` (the full provenance document).
Resources are read in batches (keyset paging), so memory does not grow with the
catalogue; each file is written to a temporary name and renamed, so an interrupted
export never leaves a truncated file under a final name.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

from core.messages import N_
from metadata_schemas.lom_xml import record_to_lom_element
from metadata_schemas.oai_dc import record_to_oai_dc_element

from ..errors import InvalidInput
from .oai_records import oai_identifier
from .provenance import last_decision, provenance_document, provenance_summary
from .resources import ResourceService

FORMATS = ("lom", "oai_dc", "json")


@dataclass
class ExportReport:
    written: int = 0
    files: int = 0
    out: str = ""
    errors: list[tuple[str, str]] = field(default_factory=list)


def _write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _json_bytes(value: Any) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def export(
    resources: ResourceService,
    out: str | Path,
    *,
    format: str = "lom",
    status: str | None = "published",
    batch: int = 500,
    progress: Callable[[int], None] | None = None,
) -> ExportReport:
    """Write every resource with ``status`` (all when None) to ``out``."""
    if format not in FORMATS:
        raise InvalidInput(
            N_("unknown export format %(value)r: expected one of %(choices)s"),
            value=format,
            choices=", ".join(FORMATS),
        )
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    report = ExportReport(out=str(folder))
    for session, rows in resources.batches(status=status, batch=batch):
        for row in rows:
            summary = provenance_summary(row, last_decision(session, row.id))
            document = provenance_document(
                session, row, procedures=resources.procedures, vocabularies=resources.vocabularies
            )
            if format == "json":
                body = _json_bytes(
                    {
                        "id": row.id,
                        "status": row.status,
                        "version": row.version,
                        "record": row.record,
                        "acquisition": document["acquisition"]
                        and {k: v for k, v in document["acquisition"].items() if k != "steps"},
                    }
                )
                name = f"{row.id}.json"
            else:
                if format == "lom":
                    element = record_to_lom_element(
                        row.record, identifier=row.id, provenance=summary
                    )
                else:
                    element = record_to_oai_dc_element(
                        row.record,
                        identifier=row.id,
                        base_url=resources.base_url,
                        oai_identifier=oai_identifier(resources.repository_id, row.id),
                        provenance=summary,
                    )
                body = etree.tostring(
                    element, xml_declaration=True, encoding="UTF-8", pretty_print=True
                )
                name = f"{row.id}.xml"
            _write_atomic(folder / name, body)
            _write_atomic(folder / f"{row.id}.provenance.json", _json_bytes(document))
            report.written += 1
            report.files += 2
        if progress:
            progress(report.written)
    return report
