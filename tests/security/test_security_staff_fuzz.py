"""Property-based: a logged-in editor posting arbitrary values in the record form.

Starting from a valid form, hypothesis replaces any subset of its fields with
hostile values (markup, huge strings, control and bidi characters, invalid
numbers, unknown vocabulary ids, lists where one value is expected). The answer
is a redirect to the new draft (exactly one resource more) or the form again
with errors (nothing written) — never a 500, never a raw payload.
"""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from security_support import XSS, fetch, problems, row_counts

VALID = {
    "title_fr": "Les fractions au collège",
    "title_ar": "الكسور في الإعدادي",
    "description_fr": "Une leçon vidéo sur les fractions.",
    "keywords_fr": "fraction\nnumérateur",
    "languages": ["fr", "ar"],
    "levels": ["1ac"],
    "subjects": ["mathematiques"],
    "learning_resource_type": ["video-lesson"],
    "interactivity_type": "expositive",
    "intended_end_user_role": ["learner"],
    "context": ["school"],
    "difficulty": "medium",
    "typical_age_range": "12-13",
    "typical_learning_time": "PT30M",
    "format": "video/mp4",
    "location": "https://example.org/fractions.mp4",
    "size": "123456",
    "duration": "PT12M",
    "licence": "cc-by-sa-4.0",
    "cost": "no",
    "copyright": "yes",
    "contributors-0-role": "author",
    "contributors-0-entity": "Amina Benali",
    "contributors-0-date": "2024-05-01",
}
HOSTILE = st.one_of(
    st.sampled_from(
        [
            XSS,
            "",
            " ",
            "x" * 20000,
            "\u202e\u200f",
            "ⵜⴰⵎⴰⵣⵉⵖⵜ",
            "' OR 1=1 --",
            "-1",
            "99999999999999999999",
            "javascript:alert(1)",
            "file:///etc/passwd",
            "PT-5M",
            "P99999999999Y",
            "9999-99-99",
            "\x00",
            "unknown-term",
            "__class__",
        ]
    ),
    st.text(max_size=80),
    st.lists(st.sampled_from([XSS, "1ac", "fr", "xx", ""]), max_size=4),
)


@pytest.fixture(scope="module")
def editor(tmp_path_factory, seeded_home):
    import shutil

    from security_support import make_app

    home = tmp_path_factory.mktemp("staff-fuzz") / "home"
    shutil.copytree(seeded_home[0], home)
    app = make_app(home, WTF_CSRF_ENABLED=False)  # CSRF itself is tested elsewhere
    app.extensions["mawarid"].accounts.create_user(
        "fuzz-editor", "tafraout rocks sky 18", display_name="Fuzz", roles=["indexer"]
    )
    yield app
    app.extensions["mawarid"].close()


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(changes=st.dictionaries(st.sampled_from(sorted(VALID)), HOSTILE, max_size=6))
def test_record_form_survives_hostile_values(editor, changes):
    from portal.auth import session_values

    client = editor.test_client()
    with client.session_transaction() as session:
        session.update(session_values("fuzz-editor", 0, int(time.time())))
    form = {**VALID, **changes}
    before = row_counts(editor)["resources"]
    response, error = fetch(client, "POST", "/staff/resources/new", data=form)
    assert error is None, f"{changes!r:.500} → {error}"
    assert not problems(response), (changes, problems(response))
    created = row_counts(editor)["resources"] - before
    if response.status_code in (302, 303):
        assert created == 1
        page = client.get(response.headers["Location"])
        assert page.status_code == 200 and not problems(page), problems(page)
    else:
        assert response.status_code in (200, 400, 409, 413, 422), response.status_code
        assert created == 0
