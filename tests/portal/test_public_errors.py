"""Cross-cutting machinery: error pages and shapes, CSRF, rate limiting, translations.

Routes that only exist to raise an error are added to a fresh app before its
first request; everything else is the real app.
"""

from __future__ import annotations

import shutil

import pytest
from flask import abort, request
from portal_corpus import close_app, settings_for

import portal
from catalogue import errors as catalogue_errors
from core.errors import MawaridError
from core.messages import N_, current_language, gettext
from metadata_schemas.errors import RecordValidationError
from portal import i18n
from portal.extensions import csrf, limiter

ERROR_KEYS = {"type", "title", "status", "detail", "instance", "code", "errors"}


@pytest.fixture(scope="module")
def error_app(seeded_home, tmp_path_factory):
    home = tmp_path_factory.mktemp("error-app") / "home"
    shutil.copytree(seeded_home[0], home)
    app = portal.create_app(settings_for(home, PROPAGATE_EXCEPTIONS=False, MAX_CONTENT_LENGTH=1024))

    @app.get("/_test/boom")
    def boom():
        raise RuntimeError("secret internal detail")

    @app.get("/_test/catalogue/<name>")
    def catalogue_error(name):
        raise getattr(catalogue_errors, name)(f"{name} happened (message for the user)")

    @app.get("/_test/invalid-record")
    def invalid_record():
        raise RecordValidationError("invalid record", errors={"general.title[ar]": ["required"]})

    @app.post("/_test/form")
    def form():
        return {"received": request.form.get("x")}

    @app.post("/_test/upload")
    @csrf.exempt
    def upload():
        return {"size": len(request.get_data())}

    @app.get("/_test/limited")
    @limiter.limit("2/minute")
    def limited():
        return "ok"

    @app.get("/_test/refusal")
    def refusal():
        raise MawaridError(N_("unknown region: %(value)s"), value=current_language())

    @app.get("/_test/forbidden")
    def forbidden():
        abort(403)

    yield app
    close_app(app)


def test_500_is_a_page_in_the_language_without_details(error_app):
    client = error_app.test_client()
    response = client.get("/_test/boom?lang=ar")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "خطأ داخلي في الخادم" in html and 'dir="rtl"' in html
    assert "secret internal detail" not in html and "Traceback" not in html
    js = client.get("/_test/boom", headers={"Accept": "application/json"})
    assert js.status_code == 500 and set(js.get_json()) == ERROR_KEYS
    assert "secret" not in js.get_data(as_text=True)


@pytest.mark.parametrize(
    "name, status",
    [
        ("NotFound", 404),
        ("PermissionDenied", 403),
        ("WrongCommission", 403),
        ("IllegalTransition", 409),
        ("StaleVersion", 409),
        ("DuplicateIdentifier", 409),
        ("InvalidInput", 400),
        ("UnknownEntity", 404),
    ],
)
def test_catalogue_errors_become_clear_4xx(error_app, name, status):
    client = error_app.test_client()
    response = client.get(f"/_test/catalogue/{name}", headers={"Accept": "application/json"})
    assert response.status_code == status
    body = response.get_json()
    assert set(body) == ERROR_KEYS and body["status"] == status
    assert body["detail"] == f"{name} happened (message for the user)"
    page = client.get(f"/_test/catalogue/{name}")
    assert page.status_code == status and "message for the user" in page.get_data(as_text=True)


def test_metadata_errors_name_the_field(error_app):
    response = error_app.test_client().get(
        "/_test/invalid-record", headers={"Accept": "application/json"}
    )
    assert response.status_code == 400
    assert response.get_json()["errors"] == {"general.title[ar]": ["required"]}


def test_forbidden_page(error_app):
    response = error_app.test_client().get("/_test/forbidden")
    assert response.status_code == 403 and "Accès refusé" in response.get_data(as_text=True)


def test_posts_need_a_csrf_token(error_app):
    client = error_app.test_client()
    response = client.post("/_test/form", data={"x": "1"}, headers={"Accept-Language": "ar"})
    assert response.status_code == 400
    assert "رمز الأمان" in response.get_data(as_text=True)
    js = client.post("/_test/form", data={"x": "1"}, headers={"Accept": "application/json"})
    assert js.status_code == 400 and "csrf_token" in js.get_json()["errors"]


def test_oai_pmh_posts_are_exempt_from_csrf(app):
    response = app.test_client().post("/oai", data={"verb": "Identify"})
    assert response.status_code == 200
    assert b"Identify" in response.data


def test_too_large_bodies_are_413(error_app):
    response = error_app.test_client().post(
        "/_test/upload",
        data=b"x" * 5000,
        headers={"Accept": "application/json", "Content-Type": "application/octet-stream"},
    )
    assert response.status_code == 413
    assert response.get_json()["status"] == 413
    page = error_app.test_client().post(
        "/_test/upload?lang=ar",
        data=b"x" * 5000,
        headers={"Content-Type": "application/octet-stream"},
    )
    assert page.status_code == 413 and "الحجم المسموح به" in page.get_data(as_text=True)


def test_rate_limit_is_429_with_retry_after(error_app):
    client = error_app.test_client()
    statuses = [client.get("/_test/limited").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    response = client.get("/_test/limited", headers={"Accept": "application/json"})
    assert response.status_code == 429
    assert response.get_json()["status"] == 429
    assert int(response.headers["Retry-After"]) > 0
    page = client.get("/_test/limited?lang=ar")
    assert "طلبات كثيرة جدا" in page.get_data(as_text=True)


def test_405_keeps_the_allow_header(public_client):
    response = public_client.put("/search")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]
    assert "Méthode non autorisée" in response.get_data(as_text=True)


def test_pages_and_python_messages_share_one_catalogue(error_app):
    """Templates' _() (flask-babel) and core.messages read the same catalogue, in the
    request's language: a refusal raised deep in a service reads like the page around it."""

    client = error_app.test_client()
    page = client.get("/_test/refusal?lang=ar").get_data(as_text=True)
    assert gettext("Home", "ar") in page  # the layout, through flask-babel
    assert gettext("unknown region: %(value)s", "ar", value="ar") in page  # core.messages
    french = client.get("/_test/refusal?lang=fr", headers={"Accept": "application/json"}).get_json()
    assert french["detail"] == gettext("unknown region: %(value)s", "fr", value="fr")


def test_arabic_plurals(public_client):
    doc = public_client.get("/search?lang=ar&level=1ac").get_data(as_text=True)
    assert "تم العثور على 3 موارد" in doc
    one = public_client.get("/search?lang=ar&subject=svt").get_data(as_text=True)
    assert "تم العثور على مورد واحد" in one
    two = public_client.get("/search?lang=ar&level=1ac&subject=mathematiques").get_data(
        as_text=True
    )
    assert "تم العثور على موردين" in two


def test_translations_work_outside_requests(public_app):
    # Outside a request the portal speaks the reader's language of core.messages.
    from flask_babel import gettext as web_gettext

    with public_app.app_context():
        assert i18n.current_lang() == "fr"
        assert web_gettext("Home") == "Accueil"
