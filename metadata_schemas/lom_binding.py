"""What the LOM reader and the LOM writers share: the binding data and its names.

The mapping between record keys and LOM elements (``mappings/lom.json``), the
namespace, the catalogue's own identifier catalogs, and the language tags
partners write. The reader (:mod:`.lom_reader`) and the writers
(:mod:`.lom_xml`, :mod:`.scolomfr_xml`) both build on this module and never on
each other.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources
from typing import Any

from .errors import UnknownTermError
from .record_fields import LANGSTRING_LANGUAGES
from .vocabularies import get_vocabularies


def _data(name: str) -> Any:
    return json.loads(
        resources.files(__package__).joinpath(f"mappings/{name}.json").read_text("utf-8")
    )


MAPPING: dict[str, Any] = _data("lom")
LANGS: dict[str, Any] = _data("languages")
SCOLOMFR: dict[str, Any] = _data("scolomfr")

LOM_NS: str = MAPPING["namespace"]
CATALOG: str = MAPPING["catalog"]
ACQUISITION_CATALOG: str = MAPPING["acquisition_catalog"]
PROVENANCE_PROPERTY: str = MAPPING["provenance_vcard_property"]
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
LOM_SOURCE = "LOMv1.0"
#: Elements of Mawarid's own, written in LOM's extension points (strict-LOM export).
EXTENSION_NS = "https://mawarid.men.gov.ma/xsd/lom-extension"
#: ``{namespace}``: a LOM element's qualified name is this + its local name.
LOM_PREFIX = f"{{{LOM_NS}}}"
_Q = LOM_PREFIX

#: The first line Mawarid writes in ``rights/description``: ``"<licence label> <URL>"``.
LICENCE_LINE = re.compile(r"^(?P<label>.*) <(?P<url>[a-z]+://\S+)>$")
NO_LANGUAGE = frozenset(LANGS["no_language"])


def q(name: str) -> str:
    """Qualified LOM element name."""
    return _Q + name


def local(tag: Any) -> str:
    """The local name of an element tag (``{ns}name`` → ``name``)."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def group_specs(fields: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The specs of a group by LOM element name (for readers dispatching children)."""
    return {spec["element"]: spec for spec in fields}


@lru_cache(maxsize=4096)
def langstring_language(tag: str | None) -> str | None:
    """A LangString ``language`` attribute as a record key: ``fr-FR``, ``fre``,
    ``http://id.loc.gov/vocabulary/iso639-2/fre`` → ``fr``. ``None`` when the tag
    says "no language" (or is missing); the tag itself when it names a language
    Mawarid does not know (kept with the text)."""
    if tag is None:
        return None
    code = tag.strip()
    if not code or code.lower() in NO_LANGUAGE:
        return None
    lowered = code.lower().replace("_", "-")
    for candidate in (lowered, lowered.split("-")[0]):
        if candidate in LANGSTRING_LANGUAGES:
            return candidate
        if candidate in LANGS["langstring"]:
            return str(LANGS["langstring"][candidate])
    try:
        return get_vocabularies()["language"].resolve(code).id
    except UnknownTermError:
        return code


def scolomfr_reverse() -> dict[tuple[str, str], Any]:
    """(vocabulary, ScoLOMFR URI) → term id or rights boolean (``mappings/scolomfr.json``)."""
    return _scolomfr_reverse()


@lru_cache(maxsize=1)
def _scolomfr_reverse() -> dict[tuple[str, str], Any]:
    out: dict[tuple[str, str], Any] = {}
    for vocabulary, terms in SCOLOMFR["overrides"].items():
        for term_id, uri in terms.items():
            if uri:
                out[(vocabulary, uri)] = term_id
    for key, values in SCOLOMFR["rights"].items():
        for lom_value, uri in values.items():
            out[(key, uri)] = lom_value == "yes"
    return out


def licence_url(term: Any) -> str:
    return str(term.extra.get("url") or term.uri)
