"""The repository's sets (ListSets), derived from the vocabularies.

Which vocabularies become sets is data (``sets.json``): the curriculum
(``level:<cycle>:<level>:<branch>``, hierarchical with ``:`` as OAI-PMH
prescribes), the subjects (``subject:<id>``) and the collections by acquisition
mode (``collection:<mode>``). Each group's root (``level``…) is a set too, the
union of the sets below it. ``setName`` is French; ``setDescription`` is an
``oai_dc`` record with the French and Arabic names and the term's URI.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any
from xml.sax.saxutils import escape, quoteattr

OAI_DC = (
    '<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/oai_dc/ '
    'http://www.openarchives.org/OAI/2.0/oai_dc.xsd">'
)
#: Languages of the titles in a setDescription, in this order.
DESCRIPTION_LANGUAGES = ("fr", "ar", "en", "zgh")


@dataclass(frozen=True)
class OAISet:
    spec: str
    labels: Mapping[str, str]
    uri: str | None = None

    @property
    def name(self) -> str:
        return self.labels.get("fr") or self.labels.get("ar") or self.spec

    def to_xml(self) -> str:
        titles = "".join(
            f"<dc:title xml:lang={quoteattr(lang)}>{escape(self.labels[lang])}</dc:title>"
            for lang in DESCRIPTION_LANGUAGES
            if self.labels.get(lang)
        )
        ident = f"<dc:identifier>{escape(self.uri)}</dc:identifier>" if self.uri else ""
        return (
            f"<set><setSpec>{escape(self.spec)}</setSpec><setName>{escape(self.name)}</setName>"
            f"<setDescription>{OAI_DC}{titles}{ident}</oai_dc:dc></setDescription></set>\n"
        )


def _groups() -> list[dict[str, Any]]:
    text = resources.files(__package__).joinpath("sets.json").read_text(encoding="utf-8")
    return json.loads(text)["groups"]


def build_sets(vocabularies: Mapping[str, Any]) -> list[OAISet]:
    """Every set, groups first then their terms in vocabulary order (depth first)."""
    out: list[OAISet] = []
    for group in _groups():
        vocabulary = vocabularies.get(group["vocabulary"])
        if vocabulary is None:
            continue  # a vocabulary not shipped yet: no sets, no error
        out.append(OAISet(group["spec"], group["labels"], vocabulary.uri))
        for term in vocabulary:
            if group["path"]:
                parts = [t.id for t in vocabulary.path(term.id)]
            else:
                parts = [term.id]
            out.append(OAISet(":".join([group["spec"], *parts]), dict(term.labels), term.uri))
    return out


def sets_xml(vocabularies: Mapping[str, Any]) -> str:
    """The ``<set>`` elements of ListSets (the provider builds them once)."""
    return "".join(s.to_xml() for s in build_sets(vocabularies))
