"""Search quality of the Whoosh backend on the fixed bilingual corpus: the shared
expectations of tests/support/search_quality_contract.py run here against Whoosh."""

from __future__ import annotations

from tests.support.search_quality_contract import *  # noqa: F403  (the shared expectations, collected here)
