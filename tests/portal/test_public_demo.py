"""The public pages over the synthetic demo catalogue (``mawarid demo``), as a newcomer sees it.

The demo records exercise far more of the LOM than the hand-made corpus (every
vocabulary, long descriptions, several contributors); every page built from
them must render in both languages.
"""

from __future__ import annotations

import pytest
from portal_corpus import EXPECTED

from tests.support.cli import cli_runner


@pytest.fixture(scope="module")
def demo_client(seeded_home, tmp_path_factory):
    import shutil

    from portal_corpus import close_app, settings_for

    import portal

    home = tmp_path_factory.mktemp("demo") / "home"
    shutil.copytree(seeded_home[0], home)
    app = portal.create_app(settings_for(home))
    from mawarid.cli import main

    result = cli_runner(app).invoke(main, ["demo", "--count", "24", "--seed", "7"])
    assert result.exit_code == 0, result.output
    yield app.test_client()
    close_app(app)


def test_demo_resources_are_searchable(demo_client):
    data = demo_client.get("/api/search?size=100").get_json()
    assert data["total"] == EXPECTED["published"] + 24
    demo_ids = [h["id"] for h in data["hits"] if h["id"].startswith("demo-")]
    assert len(demo_ids) == 24


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_every_demo_page_renders(demo_client, lang):
    data = demo_client.get("/api/search?size=100").get_json()
    for n, hit in enumerate(data["hits"]):
        urls = [hit["url"]] + ([f"/resources/{hit['id']}.json", hit["api_url"]] if n < 5 else [])
        for url in urls:
            response = demo_client.get(f"{url}?lang={lang}")
            assert response.status_code == 200, (url, response.status_code)
    for name, buckets in data["facets"].items():
        for bucket in buckets[:3]:
            response = demo_client.get(f"/search?{name}={bucket['value']}&lang={lang}")
            assert response.status_code == 200, (name, bucket["value"])
    assert demo_client.get(f"/?lang={lang}").status_code == 200
