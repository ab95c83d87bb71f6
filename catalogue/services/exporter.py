"""``mawarid export --format lom|lom-strict|scolomfr|oai_dc|json --out DIR``: one file per resource.

For each resource: ``<id>.xml`` (LOM with the provenance in ``lifeCycle`` contributes
and ``metaMetadata``; strict LOM; ScoLOMFR; or simple Dublin Core) or ``<id>.json``
(the record with its id and status), plus ``<id>.provenance.json`` (the full
provenance document). What a format cannot hold is listed per resource in
``left-out.json`` (record paths): Dublin Core and strict LOM leave things out, LOM
leaves nothing out.
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

from lxml import etree

from metadata_schemas.lom_xml import export_lom
from metadata_schemas.oai_dc import export_oai_dc
from metadata_schemas.scolomfr_xml import export_scolomfr

from ..errors import InvalidInput
from .oai_records import oai_identifier
from .provenance import last_decision, provenance_document, provenance_summary
from .resources import ResourceService

FORMATS = ("lom", "lom-strict", "scolomfr", "oai_dc", "json")


@dataclass
class ExportReport:
    written: int = 0
    files: int = 0
    out: str = ""
    errors: list[tuple[str, str]] = field(default_factory=list)
    #: resource id → record paths the format could not hold.
    left_out: dict[str, list[str]] = field(default_factory=dict)


def _write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _json_bytes(value) -> bytes:
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
            f"unknown export format {format!r}: expected one of {', '.join(FORMATS)}"
        )
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    report = ExportReport(out=str(out))
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
                if format == "oai_dc":
                    written = export_oai_dc(
                        row.record,
                        identifier=row.id,
                        base_url=resources.base_url,
                        oai_identifier=oai_identifier(resources.repository_id, row.id),
                        provenance=summary,
                    )
                elif format == "scolomfr":
                    written = export_scolomfr(row.record, identifier=row.id, provenance=summary)
                else:
                    written = export_lom(
                        row.record,
                        identifier=row.id,
                        provenance=summary,
                        strict=format == "lom-strict",
                    )
                if written.left_out:
                    report.left_out[row.id] = written.left_out
                body = etree.tostring(
                    written.element, xml_declaration=True, encoding="UTF-8", pretty_print=True
                )
                name = f"{row.id}.xml"
            _write_atomic(out / name, body)
            _write_atomic(out / f"{row.id}.provenance.json", _json_bytes(document))
            report.written += 1
            report.files += 2
        if progress:
            progress(report.written)
    if report.left_out:
        _write_atomic(out / "left-out.json", _json_bytes(report.left_out))
        report.files += 1
    return report
