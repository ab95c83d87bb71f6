"""The catalogue's refusals are messages: one English id with its parameters, read in the
reader's language (Arabic and French here), with a stable code."""

from __future__ import annotations

import pytest
from catalogue_testdata import ACHAT, INDEXER, VALIDATOR, record

from catalogue.errors import IllegalTransition, InvalidInput, MawaridError, PermissionDenied
from core.messages import use_language


def test_a_catalogue_validation_error_reads_in_arabic(resources):
    view = resources.create_draft(INDEXER, record())
    resources.submit(INDEXER, view.id)
    with pytest.raises(InvalidInput) as caught:
        resources.decide(
            VALIDATOR, view.id, commission="validation", decision="conforme", reference="PV " * 100
        )
    error = caught.value
    assert isinstance(error, MawaridError) and error.code == "invalid_input"
    assert error.message("en") == "reference: too long (299 characters, at most 200)"
    assert error.message("fr") == "reference : trop long (299 caractères, au plus 200)"
    assert error.message("ar") == "reference: طويل جدا (299 حرفا، الحد الأقصى 200)"
    with use_language("ar"):
        assert str(error) == error.message("ar")
    assert error.to_dict("ar") == {"code": "invalid_input", "message": error.message("ar")}


def test_labels_inside_a_refusal_are_translated_too(resources):
    view = resources.create_draft(INDEXER, record(), acquisition=ACHAT)
    with pytest.raises(IllegalTransition) as caught:
        resources.publish(INDEXER, view.id)
    arabic = caught.value.message("ar")
    assert "مسودة" in arabic and "نشر" in arabic and view.id in arabic  # "draft", "publish"
    assert "« brouillon »" in caught.value.message("fr")
    with pytest.raises(PermissionDenied) as denied:
        resources.withdraw(INDEXER, view.id, reason="x")
    assert "سحب مورد" in denied.value.message("ar")  # "withdraw a resource"
    assert denied.value.params["user"] == INDEXER.username
