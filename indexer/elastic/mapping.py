"""Index settings and mappings, and the engine-neutral document → ``_source``.

Text analysis happens in Python, with the same analyzer as the Whoosh backend
(:mod:`indexer.analysis`): the text fields receive the *analysed terms* joined by
spaces and the engine only splits them on whitespace. Why not the engines' own
``arabic_normalization`` / ``arabic_stem`` / ``elision`` / ``french`` /
``asciifolding`` filters:

* they are not the same analysis: Lucene's ``arabic_stem`` strips prefixes and
  suffixes but does not unify taa marbuta and haa the way the project's
  normaliser does (``الفلسفه`` must find ``الفلسفة``), and the French ``light_french``
  stemmer does not meet English stems of the same word (``equations``). Search
  results would then differ between the embedded and the scale-out deployments, and
  every quality test would need two sets of expectations;
* the per-token script routing (a title ``"Les fractions - الكسور"`` is analysed word
  by word in its own script) needs no per-language sub-fields or query fan-out;
* these filters live in the ``analysis-common`` module, which the minimal
  distributions used in CI (Maven ``integ-test-zip``) do not ship; ``whitespace`` is core.

Only core features are used (the built-in ``whitespace`` analyzer, BM25 similarity, keyword
fields, ``terms``/``filter`` aggregations, the term suggester), so the same mapping
works on Elasticsearch 7/8 and OpenSearch 1/2. (Even a *custom* analyzer with the
``whitespace`` tokenizer needs ``analysis-common``; the built-in analyzer does not.)
"""

from __future__ import annotations

from typing import Any

from ..analysis import analyse, spelling_keys, tagged
from ..facets import FACET_FIELDS
from ..plan import K1, TEXT_FIELDS
from ..suggest import suggestion_terms

SORT_LANGS = ("fr", "ar")


def index_body(*, shards: int = 1, replicas: int = 0, building: bool = False) -> dict[str, Any]:
    """Settings and mappings of one concrete index (behind the alias)."""
    # the terms are produced by indexer.analysis (see the module docstring): the engine's
    # built-in (core) "whitespace" analyzer only splits them
    terms = {"type": "text", "analyzer": "whitespace", "similarity": "mawarid_bm25", "norms": False}
    properties: dict[str, Any] = {
        "id": {"type": "keyword"},
        # spelling keys of the words of titles and keywords: what typos are corrected to
        "words": {
            "type": "text",
            "analyzer": "whitespace",
            "norms": False,
            "index_options": "docs",
        },
        "suggest": {"type": "keyword"},
        "date": {"type": "long"},
        "hit": {"type": "object", "enabled": False},
        "snip": {"type": "object", "enabled": False},
    }
    for name in TEXT_FIELDS:
        properties[name] = dict(terms)
    for name in FACET_FIELDS:
        properties[f"f_{name}"] = {"type": "keyword"}
    for lang in SORT_LANGS:
        properties[f"sort_{lang}"] = {"type": "keyword", "index": False, "doc_values": True}
    return {
        "settings": {
            "index": {
                "number_of_shards": shards,  # one shard: exact facet counts and idf
                "number_of_replicas": 0 if building else replicas,
                "refresh_interval": "-1" if building else "1s",
                "max_result_window": 10_000,
                # while building: keep delete tombstones (see backend: writes during a rebuild)
                **({"gc_deletes": "24h"} if building else {}),
            },
            "similarity": {
                # BM25 without length normalisation: metadata texts are short (as Whoosh side)
                "mawarid_bm25": {"type": "BM25", "k1": K1, "b": 0.0},
            },
        },
        "mappings": {"dynamic": "strict", "_meta": {"mawarid": 1}, "properties": properties},
    }


def terms_text(parts: list[tuple[str, str]]) -> str:
    """``[(lang, text)]`` → its index terms, space separated, one per position (stopwords
    included, as Whoosh indexes them: phrases match them exactly)."""
    return " ".join(variants[0] for variants in analyse(tagged(parts), stopwords=True))


def to_source(doc: dict[str, Any]) -> dict[str, Any]:
    """The engine-neutral document (:mod:`indexer.documents`) as ``_source``."""
    out: dict[str, Any] = {"id": doc["id"]}
    for name in TEXT_FIELDS:
        out[name] = terms_text(doc[name])
    out["words"] = " ".join(spelling_keys(doc["title"] + doc["keywords"]))
    out["suggest"] = suggestion_terms(doc["title"]) + suggestion_terms(doc["keywords"], starts=1)
    for name, values in doc["facets"].items():
        out[f"f_{name}"] = [str(v) for v in values]
    date = doc.get("date")
    out["date"] = int(date.timestamp()) if date else 0
    for lang in SORT_LANGS:
        out[f"sort_{lang}"] = doc["sort_title"].get(lang) or ""
    out["hit"] = doc["hit"]
    out["snip"] = {"texts": [{"lang": lang, "text": text} for lang, text in doc["snippet_text"]]}
    return out
