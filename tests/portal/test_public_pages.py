"""The public pages: home, browse, search, resource pages, in French and Arabic."""
from __future__ import annotations

import re

import portal_corpus
from portal_corpus import EXPECTED


def test_home_lists_cycles_and_levels_with_counts(public_client):
    page = public_client.get("/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<html lang="fr" dir="ltr">' in html
    assert "Enseignement primaire" in html
    assert "1re année du cycle secondaire collégial" in html
