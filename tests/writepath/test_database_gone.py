"""The database gone (PostgreSQL unreachable) or locked (SQLite): a clear message, 503
for the web, nothing half-written, and recovery by itself when the cause goes away."""

from __future__ import annotations

import os
import sqlite3

import pytest
from argon2 import PasswordHasher
from catalogue_testdata import record
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from catalogue.errors import StoreUnavailable, store_unavailable
from catalogue.services import Actor
from core.clock import FrozenClock
from mawarid.runtime import build_runtime
from portal import create_app
from tests.support.cli import invoke
from tests.support.settings import settings_of
from tests.support.tcp_proxy import Proxy

LEAD = Actor("lead", frozenset({"indexer", "validator"}), frozenset({"validation"}))


def test_postgresql_gone_then_back(_postgres_server, tmp_path):
    if _postgres_server is None:
        if os.environ.get("CI"):
            pytest.fail("CI is set but MAWARID_TEST_POSTGRES_URL is not")
        pytest.skip("MAWARID_TEST_POSTGRES_URL not set")
    _db, database_url = _postgres_server
    url = make_url(database_url)
    proxy = Proxy((url.host or "127.0.0.1", url.port or 5432))
    port = proxy.start()
    config = {
        "MAWARID_HOME": str(tmp_path / "home"),
        "MAWARID_DATABASE_URL": url.set(host="127.0.0.1", port=port).render_as_string(
            hide_password=False
        ),
        "MAWARID_OAI_REPOSITORY_ID": "mawarid.test",
    }
    runtime = build_runtime(settings_of(config), clock=FrozenClock())
    runtime.accounts.hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    rid = runtime.resources.create_published(LEAD, record(1), reference="PV 1").id
    app = create_app({"TESTING": True, "SECRET_KEY": "gone", **config}, runtime=runtime)
    client = app.test_client()
    assert client.get(f"/resources/{rid}").status_code == 200

    proxy.cut()
    for path in (f"/resources/{rid}", "/oai?verb=ListIdentifiers&metadataPrefix=oai_dc"):
        page = client.get(path)
        assert page.status_code == 503, (path, page.status_code)
        assert "Traceback" not in page.get_data(as_text=True)
    api = client.get(f"/api/resources/{rid}")
    assert api.status_code == 503 and "injoignable" in api.get_json()["detail"]
    assert api.get_json()["code"] == "unavailable" and api.headers["Retry-After"]
    result = invoke(runtime, "publish", rid, catch_exceptions=True)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "le serveur de base de données est injoignable" in result.output

    proxy.port = port
    proxy.start()  # the server is back on the same address: the pool reconnects by itself
    assert client.get(f"/resources/{rid}").status_code == 200
    assert runtime.resources.count(status="published") == 1
    runtime.close()
    proxy.cut()


def test_a_locked_sqlite_database_is_a_clear_refusal(tmp_path):
    path = tmp_path / "locked.sqlite3"
    holder = sqlite3.connect(path, timeout=0.1, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN IMMEDIATE")  # another process writing for too long
    other = sqlite3.connect(path, timeout=0.1, isolation_level=None)
    with pytest.raises(sqlite3.OperationalError) as caught:
        other.execute("INSERT INTO t VALUES (1)")
    error = store_unavailable(OperationalError("INSERT", {}, caught.value))
    assert isinstance(error, StoreUnavailable)
    assert error.message("en") == (
        "The catalogue database cannot be used now (it is locked by another process): "
        "nothing was changed."
    )
    assert "مقفلة" in error.message("ar")
    holder.execute("ROLLBACK")
    other.execute("INSERT INTO t VALUES (1)")  # the lock gone, the write goes through
