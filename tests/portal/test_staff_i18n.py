"""Every French message of the console has its Arabic translation in ``staff.po``."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

REPO = Path(__file__).resolve().parents[2]
STAFF_PO = REPO / "portal" / "translations" / "ar" / "LC_MESSAGES" / "staff.po"
METHOD_MAP = [
    ("portal/views/staff.py", "python"),
    ("portal/views/staff_support.py", "python"),
    ("portal/forms.py", "python"),
    ("portal/record_form.py", "python"),
    ("portal/auth.py", "python"),
    ("portal/templates/staff/**.html", "jinja2"),
]


def console_messages() -> set[str]:
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(REPO), method_map=METHOD_MAP, keywords=keywords
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_console_message_is_translated_into_arabic():
    with STAFF_PO.open("rb") as fh:
        catalogue = read_po(fh, locale="ar")
    translated = {m.id for m in catalogue if m.id and m.string and not m.fuzzy}
    messages = console_messages()
    assert len(messages) > 150
    missing = sorted(messages - translated)
    assert not missing, f"add these to {STAFF_PO.relative_to(REPO)}: {missing}"
