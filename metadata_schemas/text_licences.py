"""Licences written as text in a record's rights description (LOM 6.3).

``"Licence Creative Commons Attribution - Partage dans les mêmes conditions 4.0"``,
``"CC BY-NC-ND 3.0 FR"``, ``"رخصة المشاع الإبداعي: نسب المصنف - غير تجاري"``,
``"Tous droits réservés"``, ``"domaine public"``: :func:`licence_in_text` finds the
licence term, or ``None``. The words are data (``mappings/licence_texts.json``);
a licence URL anywhere in the text wins over words.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources
from typing import Any

from .errors import UnknownTermError
from .textnorm import fold
from .vocabularies import get_vocabularies
from .vocabulary_model import Term, Vocabulary

URL = re.compile(r"https?://[^\s<>\"')\]]+")
_CC_CODE = re.compile(
    r"\bcc(?:[\s_-]*(?:by|0|zero))(?:[\s_-]*(?:nc|nd|sa)){0,3}(?:[\s_-]*\d(?:[.,]\d)?)?\b", re.I
)
_CC_ELEMENT = re.compile(r"\b(by|nc|nd|sa)\b", re.I)


@lru_cache(maxsize=1)
def _words() -> dict[str, Any]:
    table = json.loads(
        resources.files(__package__).joinpath("mappings/licence_texts.json").read_text("utf-8")
    )

    def folded(words: list[str]) -> list[str]:
        return [f" {fold(w)} " for w in words]

    return {
        "cc": folded(table["creative_commons"]),
        "elements": {k: folded(v) for k, v in table["elements"].items()},
        "zero": folded(table["zero"]),
        "public_domain": folded(table["public_domain"]),
        "all_rights_reserved": folded(table["all_rights_reserved"]),
    }


def licence_by_url(licences: Vocabulary, url: str) -> Term | None:
    """The licence a Creative Commons (or other) licence URL names, deed or legal code."""
    known = _BY_URL.get(url)
    if known is not None and known[0] is licences:
        return known[1]
    if len(_BY_URL) > 4096:
        _BY_URL.clear()
    term = _licence_by_url(licences, url)
    _BY_URL[url] = (licences, term)
    return term


#: Licence URLs repeat in every record of a partner: their terms, remembered
#: (with the vocabulary they were looked up in).
_BY_URL: dict[str, tuple[Vocabulary, Term | None]] = {}


def _licence_by_url(licences: Vocabulary, url: str) -> Term | None:
    url = re.sub(r"(legalcode(\.[a-z-]+)?|deed\.[a-z-]+)$", "", url.strip().rstrip(".,;"))
    variants = {url, url.replace("http://", "https://", 1), url.replace("https://", "http://", 1)}
    for variant in list(variants):
        variants.add(variant.rstrip("/") + "/")
        variants.add(re.sub(r"/(\d\.\d)/[a-z]{2}/?$", r"/\1/", variant))  # ported: by-sa/3.0/fr/
    for variant in variants:
        try:
            return licences.resolve(variant)
        except UnknownTermError:
            continue
    return None


def licence_in_text(text: str) -> Term | None:
    """The licence a rights text names (by URL, CC code or words), else ``None``."""
    if not text or not text.strip():
        return None
    licences = get_vocabularies()["licence"]
    for url in URL.findall(text):
        term = licence_by_url(licences, url)
        if term is not None:
            return term
    try:
        return licences.resolve(text.strip())  # the whole text is a licence name
    except UnknownTermError:
        pass
    words = _words()
    key = f" {fold(text)} "
    code = _CC_CODE.search(text)
    named_cc = any(w in key for w in words["cc"])
    if code or named_cc:
        if (code and re.match(r"cc[\s_-]*(0|zero)", code.group(0), re.I)) or any(
            w in key for w in words["zero"]
        ):
            return licences.get("cc0-1.0")
        found = {m.lower() for m in _CC_ELEMENT.findall(code.group(0))} if code else set()
        for element, names in words["elements"].items():
            if any(n in key for n in names if len(n.strip()) > 2):
                found.add(element)
        if "nd" in found and "sa" in found:
            return None  # contradictory: leave it to a person
        parts = ["cc-by"] + [e for e in ("nc", "nd", "sa") if e in found]
        return licences.get("-".join(parts) + "-4.0")
    if any(w in key for w in words["public_domain"]):
        return licences.get("public-domain")
    if any(w in key for w in words["all_rights_reserved"]):
        return licences.get("all-rights-reserved")
    return None
