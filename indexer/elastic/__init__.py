"""Elasticsearch 8 and OpenSearch 2 behind :class:`indexer.model.SearchBackend`.

``indexer.open_backend`` hands ``elasticsearch://``, ``opensearch://`` and
``http(s)://`` URLs to :func:`indexer.elastic.register.open_elastic`. Modules:
:mod:`.register` (the URL), :mod:`.connection` (settings → the engine's official client),
:mod:`.client` (requests with time budgets and retries), :mod:`.outage` (a cluster down:
logged once, fail fast), :mod:`.mapping` (settings,
mappings, documents), :mod:`.backend` (index lifecycle), :mod:`.query` (searching).
"""

from __future__ import annotations

from .register import open_elastic

__all__ = ["open_elastic"]
