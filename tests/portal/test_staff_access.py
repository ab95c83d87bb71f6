"""Who may reach which console route: anonymous → login page, wrong role → 403, nothing changed."""

from __future__ import annotations

from staff_fixtures import as_user, created_id, record_form, runtime, staff_app, staff_client  # noqa: F401

PUBLIC_ENDPOINTS = {"staff.login"}


def placeholder_url(rule) -> str:
    """A URL matching ``rule``, whatever its variables (ids need not exist: the guard
    must answer before any lookup)."""
    values = {}
    for name in rule.arguments:
        converter = rule._converters.get(name)
        if rule.defaults and name in rule.defaults:
            values[name] = rule.defaults[name]
        elif type(converter).__name__ in ("IntegerConverter", "FloatConverter"):
            values[name] = 1
        elif type(converter).__name__ == "AnyConverter":
            values[name] = sorted(converter.items)[0]
        else:
            values[name] = "idx"
    return rule.build(values)[1]


def staff_rules(app):
    return [
        rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/staff") and rule.endpoint not in PUBLIC_ENDPOINTS
    ]


def test_the_console_has_routes(staff_app):
    endpoints = {rule.endpoint for rule in staff_rules(staff_app)}
    # A guard test over an empty map would pass for the wrong reason.
    assert {"staff.dashboard", "staff.create", "staff.decide", "staff.users"} <= endpoints


def test_no_staff_route_is_reachable_anonymously(staff_app, staff_client):
    """Enumerates the URL map: a new /staff route that forgets its check fails here."""
    token = staff_client.token()
    checked = 0
    for rule in staff_rules(staff_app):
        url = placeholder_url(rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            data = {"csrf_token": token} if method != "GET" else None
            response = staff_client.client.open(url, method=method, data=data)
            assert response.status_code == 302, (method, url, response.status_code)
            assert "/staff/login" in response.headers["Location"], (method, url)
            checked += 1
    assert checked >= 15


def test_every_staff_view_declares_its_guard(staff_app):
    for rule in staff_rules(staff_app):
        view = staff_app.view_functions[rule.endpoint]
        assert hasattr(view, "staff_guard"), f"{rule.endpoint} has no login_required/roles_required"


def test_every_role_guard_refuses_the_other_roles(staff_app, as_user, staff_client):
    """For each guarded route (the console's and other areas' under /staff), a staff member
    without the role — or outside the commission — gets the 403 page, never the view."""
    from staff_fixtures import USERS

    checked = 0
    for rule in staff_rules(staff_app):
        guard = getattr(staff_app.view_functions[rule.endpoint], "staff_guard", None)
        if not isinstance(guard, tuple):
            continue
        _, wanted, commission = guard
        outsiders = [
            name
            for name, (roles, commissions) in USERS.items()
            if not wanted & set(roles) or (commission and commission not in commissions)
        ]
        # (a route open to every staff role has no outsider among these users)
        for name in outsiders:
            client = as_user(name)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                data = {"csrf_token": client.token()} if method != "GET" else None
                response = client.client.open(placeholder_url(rule), method=method, data=data)
                assert response.status_code == 403, (name, method, rule.rule, response.status_code)
                assert "Accès refusé" in response.get_data(as_text=True)
                checked += 1
    assert checked >= 15


def test_login_redirect_comes_back_to_the_page(staff_app, staff_client):
    response = staff_client.get("/staff/users")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/staff/login?next=/staff/users")


def test_indexer_cannot_manage_users(as_user, runtime):
    idx = as_user("idx")
    assert idx.get("/staff/users").status_code == 403
    response = idx.post(
        "/staff/users",
        {
            "username": "intruder",
            "display_name": "X",
            "password": "a-long-password",
            "confirm": "a-long-password",
            "roles": ["admin"],
        },
    )
    assert response.status_code == 403
    assert idx.post("/staff/users/idx/roles", {"u-idx-roles": ["admin"]}).status_code == 403
    assert idx.post("/staff/users/val/active", {"a-val-active": "0"}).status_code == 403
    assert "intruder" not in {u.username for u in runtime.accounts.list()}
    assert runtime.accounts.get("idx").roles == frozenset({"indexer"})
    assert runtime.accounts.get("val").active


def _submitted(idx) -> str:
    rid = created_id(idx.post("/staff/resources/new", record_form()))
    assert idx.post(f"/staff/resources/{rid}/submit").status_code == 302
    return rid


def test_indexer_cannot_decide(as_user, runtime):
    idx = as_user("idx")
    rid = _submitted(idx)
    response = idx.post(
        f"/staff/resources/{rid}/decision", {"decision": "conforme", "reference": "PV 1/2025"}
    )
    assert response.status_code == 403
    assert runtime.resources.get(rid).status == "submitted"


def test_validator_outside_the_validation_commission_cannot_decide(as_user, runtime):
    rid = _submitted(as_user("idx"))
    val2 = as_user("val2")
    page = val2.get(f"/staff/resources/{rid}").get_data(as_text=True)
    assert f'action="/staff/resources/{rid}/decision"' not in page  # no form offered
    response = val2.post(
        f"/staff/resources/{rid}/decision", {"decision": "conforme", "reference": "PV 1/2025"}
    )
    assert response.status_code == 403
    assert "commission de validation" in response.get_data(as_text=True)
    assert runtime.resources.get(rid).status == "submitted"


def test_validator_cannot_create_publish_or_withdraw(as_user, runtime):
    val = as_user("val")
    before = runtime.resources.list().total
    assert val.get("/staff/resources/new").status_code == 403
    assert val.post("/staff/resources/new", record_form()).status_code == 403
    assert runtime.resources.list().total == before
    rid = _submitted(as_user("idx"))
    assert val.post(f"/staff/resources/{rid}/publish").status_code == 403
    assert val.post(f"/staff/resources/{rid}/withdraw", {"reason": "x"}).status_code == 403
    assert runtime.resources.get(rid).status == "submitted"


def test_indexer_cannot_withdraw(as_user, runtime):
    idx = as_user("idx")
    rid = _submitted(idx)
    assert idx.post(f"/staff/resources/{rid}/withdraw", {"reason": "x"}).status_code == 403


def test_deactivation_ends_the_session_at_once(as_user, runtime):
    runtime.accounts.create_user("leaving", "quiet river stone 11", roles=["indexer"])
    leaving = as_user("leaving")
    assert leaving.get("/staff/").status_code == 200
    runtime.accounts.set_active("leaving", False)
    response = leaving.get("/staff/")
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]


def test_a_role_change_applies_without_logging_in_again(as_user, runtime):
    runtime.accounts.create_user("promoted", "bright cedar hill 12", roles=["indexer"])
    promoted = as_user("promoted")
    assert promoted.get("/staff/users").status_code == 403
    runtime.accounts.set_roles("promoted", ["indexer", "admin"])
    assert promoted.get("/staff/users").status_code == 200
