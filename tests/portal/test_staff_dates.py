"""Console dates follow each language's CLDR rules (Babel), not one hard-coded pattern."""

from __future__ import annotations

import re

from staff_fixtures import as_user, created_id, record_form, runtime, staff_app  # noqa: F401


def test_history_dates_read_in_french_and_in_arabic(as_user):
    idx = as_user("idx")
    rid = created_id(idx.post("/staff/resources/new", record_form()))
    french = idx.text(f"/staff/resources/{rid}?lang=fr")
    # "3 déc. 2026, 08:00:00 UTC": the month's French abbreviation, no ISO pattern.
    assert re.search(r"\d{1,2} [a-zéû]+\.? \d{4}, \d{2}:\d{2}:\d{2} UTC", french)
    assert not re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC", french)
    arabic = idx.text(f"/staff/resources/{rid}?lang=ar")
    assert re.search(r"\d{2}\u200f/\d{2}\u200f/\d{4}، \d{2}:\d{2}:\d{2} UTC", arabic)
