"""One gettext catalogue per language: complete, used everywhere, read in the reader's language."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from core import messages
from core.errors import MawaridError
from core.messages import (
    N_,
    Message,
    gettext,
    language_from_environment,
    ngettext,
    plural_message,
    use_language,
)

REPO = Path(__file__).resolve().parents[2]
KEYWORDS = {
    **DEFAULT_KEYWORDS,
    "N_": None,
    "Message": None,
    "plural_message": (1, 2),
    "lazy_gettext": None,
    "_l": None,
}


def _extracted() -> set[str]:
    with (REPO / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    return {
        msg if isinstance(msg, str) else msg[0]
        for _f, _l, msg, _c, _x in extract_from_dir(
            str(REPO), method_map, options_map, keywords=KEYWORDS
        )
    }


def _catalogue(lang: str):
    path = REPO / "core" / "translations" / lang / "LC_MESSAGES" / "mawarid.po"
    with path.open("rb") as fh:
        return read_po(fh, locale=lang)


@pytest.mark.parametrize("lang", messages.LANGUAGES)
def test_every_message_of_the_code_is_in_each_catalogue(lang):
    wanted = _extracted()
    assert len(wanted) > 30  # the extraction found the code's messages
    known = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalogue(lang) if m.id}
    assert wanted - known == set(), f"run bin/messages, then translate ({lang})"


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_french_and_arabic_translate_every_message(lang):
    assert messages.untranslated(lang) == []


def test_arabic_has_its_six_plural_forms():
    assert _catalogue("ar").num_plurals == 6
    for message in _catalogue("ar"):
        if isinstance(message.id, tuple):
            assert len(message.string) == 6 and all(message.string), message.id


def test_a_setting_error_reads_in_the_readers_language():
    from core.settings import ConfigurationError, Settings

    with pytest.raises(ConfigurationError) as caught:
        Settings.from_environment({"MAWARID_OAI_PAGE_SIZE": "lots"})
    error = caught.value
    assert error.message("en") == (
        "MAWARID_OAI_PAGE_SIZE='lots' cannot be used: expected a whole number above 0"
    )
    assert error.message("fr") == (
        "MAWARID_OAI_PAGE_SIZE='lots' est inutilisable : un nombre entier supérieur à 0 est attendu"
    )
    arabic = error.message("ar")
    assert "MAWARID_OAI_PAGE_SIZE" in arabic and "عدد صحيح" in arabic
    with use_language("ar"):
        assert str(error) == arabic


def test_a_missing_translation_falls_back_to_english():
    assert gettext("no such message %(x)s", "ar", x=3) == "no such message 3"


def test_plural_forms_follow_each_language():
    # gettext's own machinery with the catalogue's Plural-Forms: Arabic has six forms.
    ar = messages.translations("ar")
    forms = {ar.plural(n) for n in (0, 1, 2, 3, 11, 100)}
    assert forms == {0, 1, 2, 3, 4, 5}
    assert ngettext("%(num)d record", "%(num)d records", 1, "en") == "1 record"
    assert ngettext("%(num)d record", "%(num)d records", 5, "en") == "5 records"


def test_a_deferred_message_renders_when_read_and_nests():
    inner = Message(N_("expected a whole number above 0"))
    outer = Message(
        N_("%(name)s=%(value)r cannot be used: %(expected)s"), name="X", value="y", expected=inner
    )
    assert "nombre entier" in outer.render("fr")
    assert "عدد صحيح" in outer.render("ar")
    assert outer.to_dict("fr")["params"]["expected"] == "expected a whole number above 0"
    many = plural_message(N_("%(num)d record"), N_("%(num)d records"), 3)
    assert many.render("en") == "3 records"


def test_an_error_carries_its_code_and_field_errors():
    class Refused(MawaridError):
        code = "refused"

    error = Refused(
        N_("database error: %(detail)s"),
        detail="gone",
        errors={"general.title[ar]": [Message(N_("Catalogue"))]},
    )
    assert error.code == "refused"
    data = error.to_dict("fr")
    assert data["message"] == "erreur de la base de données : gone"
    assert data["errors"] == {"general.title[ar]": ["Catalogue"]}
    assert "general.title[ar]: Catalogue" in str(error)


@pytest.mark.parametrize(
    ("environ", "lang"),
    [
        ({"LANG": "ar_MA.UTF-8"}, "ar"),
        ({"LANG": "fr_FR.UTF-8"}, "fr"),
        ({"LANG": "en_GB.UTF-8"}, "en"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({"LANG": "de_DE.UTF-8"}, "en"),
        ({"LC_ALL": "ar_MA.UTF-8", "LANG": "fr_FR.UTF-8"}, "ar"),
        ({"LANGUAGE": "de:ar", "LANG": "fr_FR.UTF-8"}, "ar"),
        ({"LC_MESSAGES": "fr_MA", "LANG": "ar"}, "fr"),
        ({}, "fr"),
    ],
)
def test_the_cli_reader_language_comes_from_the_locale(environ, lang):
    assert language_from_environment(environ) == lang
