"""Elasticsearch 7/8 and OpenSearch 2 behind :class:`indexer.model.SearchBackend`.

``indexer.open_backend`` hands ``elasticsearch://``, ``opensearch://`` and
``http(s)://`` URLs to :func:`indexer.elastic.register.open_elastic`.
Modules: :mod:`.client` (REST subset over ``requests``), :mod:`.mapping`
(settings, mappings, documents), :mod:`.backend` (the backend).
"""

from __future__ import annotations

from .register import open_elastic

__all__ = ["open_elastic"]
