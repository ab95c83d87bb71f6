"""Admins manage accounts and roles from the console; passwords never shown."""

from __future__ import annotations

import re

from staff_fixtures import StaffClient, as_user, runtime, staff_app  # noqa: F401


def test_admin_creates_an_account_that_can_log_in(staff_app, as_user, runtime):
    adm = as_user("adm")
    response = adm.post(
        "/staff/users",
        {
            "username": "Nadia.Idrissi",
            "display_name": "نادية الإدريسي",
            "password": "chefchaouen blue door 20",
            "confirm": "chefchaouen blue door 20",
            "roles": ["validator"],
            "commissions": ["validation"],
        },
    )
    assert response.status_code == 302
    page = adm.text("/staff/users")
    assert "nadia.idrissi" in page and "نادية الإدريسي" in page
    assert "chefchaouen blue door 20" not in page
    user = runtime.accounts.get("nadia.idrissi")
    assert user.roles == frozenset({"validator"}) and user.commissions == frozenset({"validation"})
    client = StaffClient(staff_app.test_client())
    assert client.login("nadia.idrissi", "chefchaouen blue door 20").status_code == 302


def test_bad_account_input_is_reported_and_nothing_created(as_user, runtime):
    adm = as_user("adm")
    before = {u.username for u in runtime.accounts.list()}
    response = adm.post(
        "/staff/users",
        {
            "username": "bad name!",
            "display_name": "X",
            "password": "short",
            "confirm": "other",
            "roles": ["indexer"],
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert html.count('class="field has-error"') >= 3  # username, password, confirmation
    assert 'value="short"' not in html and 'value="other"' not in html
    duplicate = adm.post(
        "/staff/users",
        {
            "username": "idx",
            "display_name": "Twin",
            "password": "ziz palm grove 21",
            "confirm": "ziz palm grove 21",
            "roles": ["admin"],
        },
    )
    assert duplicate.status_code == 422
    assert "flash-error" in duplicate.get_data(as_text=True)
    assert "ziz palm grove 21" not in duplicate.get_data(as_text=True)
    assert {u.username for u in runtime.accounts.list()} == before
    assert runtime.accounts.get("idx").roles == frozenset({"indexer"})


def test_admin_changes_roles_and_deactivates(as_user, runtime):
    runtime.accounts.create_user("karim", "argan oasis dune 13", roles=["indexer"])
    adm = as_user("adm")
    page = adm.text("/staff/users")
    assert re.search(r'<form method="post" action="/staff/users/karim/roles"', page)
    response = adm.post(
        "/staff/users/karim/roles",
        {"u-karim-roles": ["indexer", "validator"], "u-karim-commissions": ["validation"]},
    )
    assert response.status_code == 302
    user = runtime.accounts.get("karim")
    assert user.roles == frozenset({"indexer", "validator"})
    assert user.commissions == frozenset({"validation"})
    assert adm.post("/staff/users/karim/active", {"a-karim-active": "0"}).status_code == 302
    assert not runtime.accounts.get("karim").active
    karim = StaffClient(adm.client.application.test_client())
    assert karim.login("karim", "argan oasis dune 13").status_code == 401
    assert adm.post("/staff/users/karim/active", {"a-karim-active": "1"}).status_code == 302
    assert runtime.accounts.get("karim").active


def test_an_account_keeps_at_least_one_role_and_admins_cannot_lock_themselves_out(as_user, runtime):
    runtime.accounts.create_user("amal", "atlas snow meadow 14", roles=["indexer"])
    adm = as_user("adm")
    adm.post("/staff/users/amal/roles", {"u-amal-roles": []})
    assert runtime.accounts.get("amal").roles == frozenset({"indexer"})
    assert "flash-error" in adm.text("/staff/users")
    adm.post("/staff/users/adm/active", {"a-adm-active": "0"})
    assert runtime.accounts.get("adm").active


def test_unknown_user_is_a_404(as_user):
    adm = as_user("adm")
    assert adm.post("/staff/users/ghost/roles", {"u-ghost-roles": ["indexer"]}).status_code in (
        302,
        404,
    )
    assert adm.post("/staff/users/ghost/active", {"a-ghost-active": "0"}).status_code in (302, 404)
