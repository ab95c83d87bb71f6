"""A tiny JSON-over-HTTP client for the REST subset common to Elasticsearch 7/8 and OpenSearch 2.

Only what the backend needs: index create/delete/settings, ``_bulk``, ``_search``,
``_count``, ``_refresh``, ``_aliases``. The official clients were not used because
each speaks one engine only (``elasticsearch-py`` 8 refuses OpenSearch servers and
``opensearch-py`` the reverse) and they bring their own transports; ``requests`` is
already installed (Sickle) and this subset is stable across both engines.

Every failure becomes an :class:`EngineError` (a :class:`~indexer.model.SearchError`)
whose message names the engine and the reason, translated like the other search errors.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from importlib import resources
from typing import Any
from urllib.parse import quote

import requests

from ..model import SearchError

_MESSAGES = json.loads(
    resources.files("indexer.elastic").joinpath("messages.json").read_text("utf-8")
)

CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 30.0
BULK_TIMEOUT = 120.0
DETAIL_CHARS = 300


class EngineError(SearchError):
    """An Elasticsearch/OpenSearch failure (``search_unavailable``, ``search_failed``…)."""

    def __init__(
        self, key: str, *, status: int | None = None, reason: str = "", **params: Any
    ) -> None:
        self.status = status
        self.reason = reason
        if status is not None:
            params["status"] = status
        super().__init__(key, **params)

    def message(self, lang: str | None = "fr") -> str:
        texts = _MESSAGES.get(self.key)
        if not texts:
            return super().message(lang)
        text = texts.get(lang) or texts["fr"]
        try:
            return text.format(**self.params)
        except (KeyError, IndexError):
            return text


def _reason(body: Any) -> tuple[str, str]:
    """(error type, reason) from an engine's error body."""
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            root = (error.get("root_cause") or [error])[0]
            return str(root.get("type", "")), str(root.get("reason", ""))[:DETAIL_CHARS]
        if error:
            return "", str(error)[:DETAIL_CHARS]
    return "", str(body)[:DETAIL_CHARS]


class ElasticClient:
    def __init__(
        self,
        base_url: str,
        *,
        engine: str = "elasticsearch",
        auth: tuple[str, str] | None = None,
        timeout: float = READ_TIMEOUT,
        verify: bool = True,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.engine = engine
        self.timeout = timeout
        self.session = requests.Session()
        self.session.auth = auth
        self.session.verify = verify
        self.session.headers["Accept"] = "application/json"

    def close(self) -> None:
        self.session.close()

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        params: dict | None = None,
        ndjson: str | None = None,
        allow: Iterable[int] = (),
        timeout: float | None = None,
    ) -> Any:
        """The decoded JSON answer; statuses in ``allow`` are returned as ``{"status": n, ...}``."""
        headers = {}
        data: bytes | None = None
        if ndjson is not None:
            data = ndjson.encode("utf-8")
            headers["Content-Type"] = "application/x-ndjson"
        elif body is not None:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            headers["Content-Type"] = "application/json"
        try:
            response = self.session.request(
                method,
                f"{self.base_url}/{path.lstrip('/')}",
                data=data,
                params=params,
                headers=headers,
                timeout=(CONNECT_TIMEOUT, timeout or self.timeout),
            )
        except requests.Timeout as exc:
            raise EngineError(
                "search_unavailable", engine=self.engine, detail=f"timeout ({type(exc).__name__})"
            ) from None
        except requests.RequestException as exc:
            raise EngineError(
                "search_unavailable",
                engine=self.engine,
                detail=f"{self.base_url}: {type(exc).__name__}",
            ) from None
        try:
            answer = response.json() if response.content else {}
        except ValueError:
            answer = {"error": response.text[:DETAIL_CHARS]}
        if response.status_code >= 400:
            if response.status_code in allow:
                return {
                    "status": response.status_code,
                    **(answer if isinstance(answer, dict) else {}),
                }
            kind, reason = _reason(answer)
            raise EngineError(
                "search_failed",
                engine=self.engine,
                status=response.status_code,
                reason=kind,
                detail=f"{kind}: {reason}" if kind else reason,
            )
        return answer

    # -- the calls used by the backend ---------------------------------------------------------

    def create_index(self, name: str, body: dict) -> None:
        self.request("PUT", quote(name), body)

    def delete_index(self, name: str) -> None:
        self.request("DELETE", quote(name), allow=(404,))

    def put_settings(self, name: str, settings: dict) -> None:
        self.request("PUT", f"{quote(name)}/_settings", {"index": settings})

    def refresh(self, name: str) -> None:
        self.request("POST", f"{quote(name)}/_refresh")

    def aliases(self, alias: str) -> list[str]:
        """Indices the alias points to (empty if it does not exist)."""
        answer = self.request("GET", f"_alias/{quote(alias)}", allow=(404,))
        return sorted(k for k in answer if k not in ("status", "error"))

    def index_exists(self, name: str) -> bool:
        response = self.request("HEAD", quote(name), allow=(404,))
        return not (isinstance(response, dict) and response.get("status") == 404)

    def indices(self, pattern: str) -> dict[str, dict]:
        """``{index: {"aliases": …, "settings": …}}`` for names matching ``pattern``."""
        return self.request(
            "GET",
            quote(pattern, safe="*"),
            params={
                "expand_wildcards": "open,closed",
                "allow_no_indices": "true",
                "ignore_unavailable": "true",
            },
        )

    def update_aliases(self, actions: list[dict]) -> None:
        """Applied atomically by the engine: readers see the old or the new state, never both."""
        self.request("POST", "_aliases", {"actions": actions})

    def bulk(
        self, lines: list[dict], *, refresh: str | None = None, conflicts_ok: bool = False
    ) -> dict:
        """``_bulk``; raises on the first failed item (404 on delete is not a failure, nor
        a version conflict (409) when ``conflicts_ok``: a newer write won, as intended)."""
        if not lines:
            return {}
        payload = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
        answer = self.request(
            "POST",
            "_bulk",
            ndjson=payload,
            timeout=BULK_TIMEOUT,
            params={"refresh": refresh} if refresh else None,
        )
        if answer.get("errors"):
            for item in answer.get("items", []):
                ((op, result),) = item.items()
                status = result.get("status", 200)
                if status >= 400 and not (
                    (op == "delete" and status == 404) or (conflicts_ok and status == 409)
                ):
                    kind, reason = _reason(result)
                    raise EngineError(
                        "search_failed",
                        engine=self.engine,
                        status=result["status"],
                        reason=kind,
                        detail=f"{op} {result.get('_id')}: {kind}: {reason}",
                    )
        return answer

    def search(self, index: str, body: dict) -> dict:
        return self.request("POST", f"{quote(index)}/_search", body)

    def msearch(self, index: str, bodies: list[dict]) -> list[dict]:
        """Several searches in one round trip; a failed one raises like a failed request."""
        payload = "".join("{}\n" + json.dumps(body, ensure_ascii=False) + "\n" for body in bodies)
        answer = self.request("POST", f"{quote(index)}/_msearch", ndjson=payload)
        responses = answer.get("responses", [])
        for response in responses:
            if "error" in response:
                kind, reason = _reason(response)
                status = int(response.get("status", 500))
                raise EngineError(
                    "search_failed",
                    engine=self.engine,
                    status=status,
                    reason=kind,
                    detail=f"{kind}: {reason}" if kind else reason,
                )
        return responses

    def count(self, index: str) -> int:
        return int(self.request("GET", f"{quote(index)}/_count")["count"])
