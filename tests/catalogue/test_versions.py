"""A resource's earlier descriptions are kept when an edit replaces them (SQLite, PostgreSQL)."""

from __future__ import annotations

import copy

import pytest
from catalogue_testdata import ADMIN, INDEXER

from catalogue.errors import NotFound


def _retitled(view, fr: str) -> dict:
    edited = copy.deepcopy(view.record)
    edited["general"]["title"]["fr"] = fr
    return edited


def test_each_edit_keeps_the_description_it_replaced(resources, published, clock):
    first = resources.get(published.id)
    clock.advance(60)
    second = resources.update(
        INDEXER,
        published.id,
        _retitled(first, "Les fractions, 2e édition"),
        expected_version=first.version,
    )
    clock.advance(60)
    edited = copy.deepcopy(second.record)
    edited["general"]["description"] = {"fr": "Exercices corrigés", "ar": "تمارين مصححة"}
    resources.update(ADMIN, published.id, edited, expected_version=second.version)

    versions = resources.versions(published.id)
    assert [v.version for v in versions] == [second.version, first.version]
    assert versions[1].record == first.record  # the very first description, as it was
    assert versions[1].record["general"]["title"]["fr"] == "Les fractions 1"
    assert versions[0].record["general"]["title"]["fr"] == "Les fractions, 2e édition"
    assert (versions[1].replaced_by, versions[0].replaced_by) == ("indexer1", "admin1")
    assert versions[1].changed == ("general.title",)
    assert versions[0].changed == ("general.description",)
    assert versions[1].saved_at < versions[1].replaced_at == versions[0].saved_at
    assert (
        resources.get(published.id).record["general"]["description"]["fr"] == "Exercices corrigés"
    )


def test_saving_the_same_description_adds_no_version(resources, published):
    view = resources.get(published.id)
    resources.update(INDEXER, view.id, copy.deepcopy(view.record), expected_version=view.version)
    assert resources.versions(view.id) == []


def test_versions_of_an_unknown_resource_is_not_found(resources):
    with pytest.raises(NotFound):
        resources.versions("mw-unknown00")
