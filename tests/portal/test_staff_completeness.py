"""Completeness rules on the console: a score on the form and the page, each missing item
named, and a record missing any of them is not submitted (rules: catalogue/completeness)."""

from __future__ import annotations

import re

import pytest
from staff_fixtures import (  # noqa: F401
    as_user,
    created_id,
    fresh_app,
    record_form,
    runtime,
    staff_app,
)

from catalogue.services.completeness import CHECKS, RULES, CompletenessRules


def _score(html: str) -> int:
    return int(re.search(r'<meter [^>]*value="(\d+)"', html).group(1))


def test_a_title_only_record_scores_low_and_cannot_be_submitted(as_user, runtime):
    idx = as_user("idx")
    created = idx.post(
        "/staff/resources/new",
        data=record_form(
            description_fr=None,
            description_ar=None,
            levels=None,
            subjects=None,
            licence=None,
            location=None,
        ),
    )
    rid = created_id(created)
    page = idx.text(f"/staff/resources/{rid}")
    assert _score(page) < 50
    for item in (
        "une description en français",
        "au moins un niveau",
        "une licence",
        "au moins une adresse (URL) ou un fichier",
    ):
        assert item in page
    refused = idx.post(f"/staff/resources/{rid}/submit", data={"note": ""}, follow_redirects=True)
    html = refused.get_data(as_text=True)
    assert "ne peut pas encore être soumise" in html and "rights.licence: une licence" in html
    assert runtime.resources.get(rid).status == "draft"

    arabic = idx.text(f"/staff/resources/{rid}?lang=ar")
    assert "وصف بالعربية" in arabic and "ترخيص" in arabic


def test_a_complete_record_scores_100_and_is_submitted(as_user, runtime):
    idx = as_user("idx")
    rid = created_id(idx.post("/staff/resources/new", data=record_form()))
    page = idx.text(f"/staff/resources/{rid}")
    assert _score(page) == 100 and "elle peut être soumise" in page
    idx.post(f"/staff/resources/{rid}/submit", data={"note": ""})
    assert runtime.resources.get(rid).status == "submitted"


def test_the_form_shows_the_score_of_what_was_typed(as_user):
    idx = as_user("idx")
    refused = idx.post("/staff/resources/new", data=record_form(size="12 Mo", licence=None))
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert 'value="Les fractions au collège"' in html  # what was typed stays
    assert _score(html) < 100 and "une licence" in html


def test_rules_are_data_per_resource_type():
    video = {"educational": {"learning_resource_type": ["video-lesson"]}}
    assert {"duration", "format"} <= set(RULES.applying(video))
    assert "duration" not in RULES.applying(
        {"educational": {"learning_resource_type": ["exercise"]}}
    )
    assert set(RULES.applying({})) <= set(CHECKS)
    with pytest.raises(ValueError, match="unknown checks"):
        CompletenessRules({"*": ["title_fr", "no-such-check"]})


def _tasks(html: str) -> dict[str, int]:
    nav = re.search(r'<nav class="tasks".*?</nav>', html, re.S).group(0)
    return {
        status: int(count)
        for status, count in re.findall(
            r'data-status="(\w+)"[^>]*>[^<]*<span class="task-count">(\d+)</span>', nav
        )
    }


def test_my_tasks_in_the_header_count_what_waits_for_me(fresh_app):
    from staff_fixtures import logged_in

    idx, val, val2 = (logged_in(fresh_app, n) for n in ("idx", "val", "val2"))
    rid = created_id(idx.post("/staff/resources/new", data=record_form()))
    assert _tasks(idx.text("/staff/"))["draft"] == 1
    assert _tasks(val.text("/staff/")) == {"submitted": 0}  # validators see what to validate
    idx.post(f"/staff/resources/{rid}/submit", data={"note": ""})
    page = val.text("/staff/?lang=ar")
    assert _tasks(page) == {"submitted": 1} and "للمصادقة" in page
    assert "submitted" not in _tasks(idx.text("/staff/"))  # indexers do not validate
    assert _tasks(val2.text("/staff/")) == {}  # a validator of another commission
    link = re.search(r'href="([^"]+)" data-status="submitted"', page).group(1)
    assert rid in val.text(link.replace("&amp;", "&"))
