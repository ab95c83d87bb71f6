"""Every console form needs its CSRF token: without it the POST is refused (400) and nothing changes."""

from __future__ import annotations

from staff_fixtures import as_user, created_id, record_form, runtime, staff_app, staff_client  # noqa: F401


def test_create_without_token_is_refused(as_user, runtime):
    idx = as_user("idx")
    before = runtime.resources.list().total
    response = idx.post("/staff/resources/new", record_form(), token=False)
    assert response.status_code == 400
    assert runtime.resources.list().total == before


def test_a_forged_token_is_refused(as_user, runtime):
    idx = as_user("idx")
    before = runtime.resources.list().total
    response = idx.post("/staff/resources/new", record_form(csrf_token="forged.token.value"))
    assert response.status_code == 400
    assert runtime.resources.list().total == before


def test_lifecycle_actions_without_token_change_nothing(as_user, runtime):
    idx, val, _adm = as_user("idx"), as_user("val"), as_user("adm")
    rid = created_id(idx.post("/staff/resources/new", record_form()))
    version = runtime.resources.get(rid).version
    assert (
        idx.post(
            f"/staff/resources/{rid}/edit",
            record_form(title_fr="Changé", version=str(version)),
            token=False,
        ).status_code
        == 400
    )
    assert (
        idx.post(
            f"/staff/resources/{rid}/acquisition",
            {"version": str(version), "mode": "achat"},
            token=False,
        ).status_code
        == 400
    )
    assert idx.post(f"/staff/resources/{rid}/submit", token=False).status_code == 400
    view = runtime.resources.get(rid)
    assert view.status == "draft" and view.version == version and view.acquisition is None
    idx.post(f"/staff/resources/{rid}/submit")
    assert (
        val.post(
            f"/staff/resources/{rid}/decision",
            {"decision": "conforme", "reference": "PV"},
            token=False,
        ).status_code
        == 400
    )
    assert runtime.resources.get(rid).status == "submitted"
    assert len(runtime.resources.history(rid)) == 2  # create + submit, nothing else


def test_account_forms_without_token_change_nothing(as_user, runtime):
    adm = as_user("adm")
    assert (
        adm.post(
            "/staff/users",
            {
                "username": "sneaky",
                "display_name": "S",
                "password": "sneaky-password",
                "confirm": "sneaky-password",
                "roles": ["admin"],
            },
            token=False,
        ).status_code
        == 400
    )
    assert "sneaky" not in {u.username for u in runtime.accounts.list()}
    assert (
        adm.post("/staff/users/idx/roles", {"u-idx-roles": ["admin"]}, token=False).status_code
        == 400
    )
    assert (
        adm.post("/staff/users/idx/active", {"a-idx-active": "0"}, token=False).status_code == 400
    )
    user = runtime.accounts.get("idx")
    assert user.roles == frozenset({"indexer"}) and user.active


def test_logout_and_login_need_the_token(staff_client):
    staff_client.login("idx")
    assert staff_client.post("/staff/logout", token=False).status_code == 400
    assert staff_client.get("/staff/").status_code == 200  # still logged in
    response = staff_client.client.post("/staff/login", data={"username": "idx", "password": "x"})
    assert response.status_code == 400
