"""Safe defaults: the public address never comes from a request's Host header, and
``mawarid serve`` says when it listens beyond this machine without trusted hosts or a
public base URL."""

from __future__ import annotations

import re

import pytest

from core.settings import Settings
from mawarid.cli.serve import is_loopback, warnings


def test_a_forged_host_header_never_reaches_links_oai_or_the_api(make_app):
    app = make_app({"MAWARID_BASE_URL": "https://mawarid.men.gov.ma"})
    client = app.test_client()
    forged = {"Host": "evil.example"}
    identify = client.get("/oai?verb=Identify", headers=forged).get_data(as_text=True)
    assert re.search(r"<baseURL>https://mawarid\.men\.gov\.ma/oai</baseURL>", identify)
    assert "evil.example" not in identify
    api = client.get("/api/openapi.json", headers=forged).get_json()
    assert api["servers"] == [{"url": "https://mawarid.men.gov.ma"}]
    listing = client.get("/oai?verb=ListRecords&metadataPrefix=oai_dc", headers=forged)
    assert "evil.example" not in listing.get_data(as_text=True)


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost", "127.0.0.5"])
def test_no_warning_on_loopback(host, tmp_path):
    assert is_loopback(host)
    assert (
        warnings(Settings.from_environment({}, home=tmp_path), host, explicit_base_url=False) == []
    )


def test_serving_beyond_this_machine_warns_until_it_is_configured(tmp_path):
    bare = Settings.from_environment({}, home=tmp_path).replace(base_url="http://0.0.0.0:8000")
    said = [w.render("en") for w in warnings(bare, "0.0.0.0", explicit_base_url=False)]
    assert len(said) == 2
    assert "answers any Host header" in said[0] and "MAWARID_TRUSTED_HOSTS" in said[0]
    assert "MAWARID_BASE_URL is not set" in said[1] and "http://0.0.0.0:8000" in said[1]
    assert "MAWARID_TRUSTED_HOSTS" in warnings(bare, "0.0.0.0", explicit_base_url=False)[0].render(
        "ar"
    )
    configured = Settings.from_environment(
        {},
        home=tmp_path,
        MAWARID_TRUSTED_HOSTS="mawarid.men.gov.ma",
        MAWARID_BASE_URL="https://mawarid.men.gov.ma",
    )
    assert warnings(configured, "0.0.0.0", explicit_base_url=True) == []
