"""Harvest a partner's OAI-PMH repository into the catalogue, as drafts.

Sickle (a well-kept OAI-PMH client) does the protocol: the HTTP requests, the
resumption-token loop and the error codes. Two things are changed around it:

* every response is parsed with the project's safe parser
  (:func:`metadata_schemas.safe_xml.parse_xml`: no DTD, no entities, no
  network, no ``recover``), not with Sickle's forgiving one, and parsed once;
* OAI-PMH errors come back as the endpoint's own classes
  (:mod:`oaipmh.errors`), all under :class:`~oaipmh.errors.OAIError`.

Each ``oai_lom`` record is read with :func:`metadata_schemas.lom_xml.lom_to_record`
and created as a *draft* through the catalogue services, so it goes through
validation by a commission before anything is published. The resource id is
derived from the partner's base URL and OAI identifier, so harvesting the
same partner again never creates a record twice. One bad record is reported
and skipped; it never stops the harvest nor leaves anything half-written (each
draft is one transaction of the catalogue).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import requests
from sickle import Sickle, oaiexceptions
from sickle.response import OAIResponse

from catalogue.errors import CatalogueError, DuplicateIdentifier
from catalogue.services.actors import require
from metadata_schemas.errors import MetadataError
from metadata_schemas.lom_xml import lom_to_record
from metadata_schemas.safe_xml import parse_xml
from oaipmh.errors import BY_CODE, OAIError

log = logging.getLogger(__name__)
#: Catalog name of the general.identifier that keeps the partner's OAI identifier.
OAI_CATALOG = "oai"


class HarvestError(Exception):
    """The partner repository cannot be harvested (network, HTTP or XML failure)."""


class SafeOAIResponse(OAIResponse):
    """Sickle's response, parsed once with the safe parser."""

    _tree = None

    @property
    def xml(self):
        if self._tree is None:
            self._tree = parse_xml(self.http_response.content, source=self.http_response.url)
        return self._tree


class SafeSickle(Sickle):
    def harvest(self, **kwargs):
        try:
            response = super().harvest(**kwargs)
        except requests.RequestException as exc:
            raise HarvestError(f"{self.endpoint}: {exc}") from None
        return SafeOAIResponse(response.http_response, params=response.params)


@dataclass
class HarvestReport:
    base_url: str
    seen: int = 0
    created: list[str] = field(default_factory=list)
    already_present: list[str] = field(default_factory=list)
    deleted_skipped: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (OAI identifier, why)

    def to_dict(self) -> dict[str, Any]:
        return {
            "base_url": self.base_url,
            "seen": self.seen,
            "created": len(self.created),
            "already_present": len(self.already_present),
            "deleted_skipped": self.deleted_skipped,
            "failed": [{"identifier": i, "error": e} for i, e in self.failed],
        }


def resource_id_for(base_url: str, identifier: str) -> str:
    """A stable catalogue id for a partner record: same partner + identifier → same id."""
    digest = hashlib.sha256(f"{base_url.rstrip('/')}\n{identifier}".encode()).hexdigest()
    return f"oai-{digest[:24]}"


class OAIHarvester:
    """Imports one partner repository's ``oai_lom`` records as drafts.

    :param base_url: the partner's OAI-PMH base URL.
    :param resources: the catalogue's ``ResourceService``.
    :param actor: who creates the drafts (needs the ``create`` permission).
    :param acquisition: optional acquisition dict given to every draft (the partnership).
    :param client: a Sickle-compatible client (tests pass one bound to a local server).
    """

    def __init__(
        self,
        base_url: str,
        *,
        resources: Any,
        actor: Any,
        metadata_prefix: str = "oai_lom",
        acquisition: dict | None = None,
        client: Sickle | None = None,
        timeout: float = 60.0,
    ) -> None:
        self.base_url = base_url
        self.resources = resources
        self.actor = actor
        self.metadata_prefix = metadata_prefix
        self.acquisition = acquisition
        self.client = client or SafeSickle(base_url, max_retries=3, timeout=timeout)

    def records(
        self, *, set: str | None = None, since: str | None = None, until: str | None = None
    ) -> Iterator[Any]:
        """The partner's records (Sickle ``Record`` objects); deleted ones included."""
        args: dict[str, str] = {"metadataPrefix": self.metadata_prefix}
        if set:
            args["set"] = set
        if since:
            args["from"] = since
        if until:
            args["until"] = until
        try:
            yield from self.client.ListRecords(**args)
        except oaiexceptions.NoRecordsMatch:
            return
        except Exception as exc:  # Sickle raises its own classes, named after the codes
            raise _translate(exc) from None

    def harvest(
        self,
        *,
        set: str | None = None,
        since: str | None = None,
        until: str | None = None,
        limit: int | None = None,
        progress: Callable[[HarvestReport], None] | None = None,
    ) -> HarvestReport:
        require(self.actor, "create")  # refuse before fetching anything, not per record
        report = HarvestReport(self.base_url)
        for record in self.records(set=set, since=since, until=until):
            if limit is not None and report.seen >= limit:
                break
            report.seen += 1
            identifier = record.header.identifier
            if record.header.deleted:
                report.deleted_skipped += 1
                continue
            self._import(record, identifier, report)
            if progress:
                progress(report)
        return report

    def _import(self, record: Any, identifier: str, report: HarvestReport) -> None:
        source = f"{self.base_url} {identifier}"
        try:
            data = lom_to_record(record.xml, source=source)
        except MetadataError as exc:
            report.failed.append((identifier, _message(exc)))
            return
        except Exception as exc:  # a reader bug on odd partner XML must not stop the harvest
            log.exception("cannot read %s", source)
            report.failed.append((identifier, f"unreadable LOM record ({type(exc).__name__})"))
            return
        data = _with_oai_identifier(data, identifier)
        resource_id = resource_id_for(self.base_url, identifier)
        try:
            view = self.resources.create_draft(
                self.actor, data, acquisition=self.acquisition, resource_id=resource_id
            )
        except DuplicateIdentifier:
            report.already_present.append(resource_id)
        except (CatalogueError, MetadataError) as exc:
            report.failed.append((identifier, _message(exc)))
        else:
            report.created.append(view.id)


def _with_oai_identifier(record: dict, identifier: str) -> dict:
    general = dict(record.get("general", {}))
    ids = list(general.get("identifier", []))
    if not any(i.get("catalog") == OAI_CATALOG and i.get("entry") == identifier for i in ids):
        ids.append({"catalog": OAI_CATALOG, "entry": identifier})
    general["identifier"] = ids
    return {**record, "general": general}


def _message(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    text = str(exc)
    if errors:
        text += ": " + "; ".join(f"{k}: {', '.join(map(str, v))}" for k, v in errors.items())
    return text


def _translate(exc: Exception) -> Exception:
    """Sickle's exception → ours (OAI-PMH error classes, or HarvestError)."""
    if isinstance(exc, (OAIError, HarvestError)):
        return exc
    if isinstance(exc, MetadataError):
        return HarvestError(f"the partner sent XML that cannot be read safely: {exc}")
    if isinstance(exc, requests.RequestException):
        return HarvestError(str(exc))
    name = type(exc).__name__
    code = name[0].lower() + name[1:]
    cls = BY_CODE.get(code)
    if cls is not None:
        return cls(str(exc) or cls.__doc__.split("\n")[0])
    return HarvestError(f"{name}: {exc}")
