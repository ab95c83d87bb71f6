"""The metadata formats the repository disseminates (ListMetadataFormats).

Each format names the ``oai_item`` column holding its pre-rendered metadata
element: the catalogue renders a record in every format when the record changes,
so serving a page never renders XML.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.messages import N_
from metadata_schemas import lom_xml, scolomfr_xml
from oaipmh.errors import CannotDisseminateFormat


def _schema_of(schema_location: str) -> str:
    # The writers own their xsi:schemaLocation ("namespace URL"); ListMetadataFormats agrees.
    return schema_location.split()[-1]


@dataclass(frozen=True)
class MetadataFormat:
    prefix: str
    schema: str
    namespace: str
    column: str
    #: The catalogue renders this format for every record (its column is never NULL on a
    #: live row), so lists need not test the column: counts then stay index-only reads.
    always: bool = True


#: Every format, in the order ListMetadataFormats lists them.
FORMATS: dict[str, MetadataFormat] = {
    f.prefix: f
    for f in (
        MetadataFormat(
            "oai_dc",
            "http://www.openarchives.org/OAI/2.0/oai_dc.xsd",
            "http://www.openarchives.org/OAI/2.0/oai_dc/",
            "oai_dc",
        ),
        MetadataFormat("oai_lom", _schema_of(lom_xml.SCHEMA_LOCATION), lom_xml.LOM_NS, "oai_lom"),
        # ScoLOMFR is an application profile of LOM: same namespace, its own schema.
        MetadataFormat(
            "scolomfr",
            _schema_of(scolomfr_xml.SCHEMA_LOCATION),
            lom_xml.LOM_NS,
            "scolomfr",
            always=False,
        ),
    )
}


def get_format(prefix: str) -> MetadataFormat:
    try:
        return FORMATS[prefix]
    except KeyError:
        raise CannotDisseminateFormat(
            N_("metadataPrefix %(prefix)r is not disseminated here; formats: %(formats)s"),
            prefix=prefix,
            formats=", ".join(FORMATS),
        ) from None
