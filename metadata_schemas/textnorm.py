"""Text folding: the matching key for vocabulary terms (and the indexer's analyzer).

Partner records spell the same term many ways: ``"Mathématiques"``,
``"MATHEMATIQUES"``, ``"الرِّيَاضِيَّات"``, ``"الرياضيات"``; ``"بكالوريا"`` with an
alef after the baa or without; ``"2BAC-PC"`` or ``"2 bac pc"``. :func:`fold` maps
all of them to one key so that a lookup is a single dict access.

The steps, in order (order matters: NFKC first so that presentation forms and
ligatures become letters, accents are stripped after lower-casing):

1. NFKC (ﻻ → لا, ﬁ → fi, full-width digits → ASCII) and ``casefold``;
2. Arabic: drop tashkeel (U+064B–U+0652, U+0670 superscript alef) and tatweel
   (U+0640); unify hamza/madda/wasla alefs ``أ إ آ ٱ`` → ``ا``, ``ى`` → ``ي``,
   ``ة`` → ``ه``, ``ؤ`` → ``و``, ``ئ`` → ``ي``; Arabic-Indic digits → ASCII;
3. Latin: NFD and drop combining marks (é → e, â → a);
4. every run of whitespace or punctuation/symbols → one space, trimmed.

Tifinagh letters (U+2D30–U+2D7F) are letters and pass through unchanged.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = ["fold", "normalise_arabic", "strip_accents", "strip_arabic_diacritics"]

# Harakat, tanwin, shadda, sukun (U+064B–U+0652) and the superscript alef (U+0670),
# plus tatweel (U+0640), which is only a stretching glyph.
_ARABIC_DIACRITICS = dict.fromkeys(range(1611, 1619))
_ARABIC_DIACRITICS[0x0670] = None
_ARABIC_DIACRITICS[0x0640] = None

# Letter variants written interchangeably in practice (and by keyboards).
_ARABIC_LETTERS = {
    0x0623: "ا",  # أ alef with hamza above
    0x0625: "ا",  # إ alef with hamza below
    0x0622: "ا",  # آ alef with madda
    0x0671: "ا",  # ٱ alef wasla
    0x0649: "ي",  # ى alef maqsura
    0x0629: "ه",  # ة taa marbuta
    0x0624: "و",  # ؤ waw with hamza
    0x0626: "ي",  # ئ yaa with hamza
}
# Arabic-Indic (U+0660–) and extended/Persian (U+06F0–) digits.
_ARABIC_LETTERS.update({0x0660 + i: str(i) for i in range(10)})
_ARABIC_LETTERS.update({0x06F0 + i: str(i) for i in range(10)})

_NORMALISE_TABLE = {**_ARABIC_DIACRITICS, **_ARABIC_LETTERS}

# Anything that is not a letter, a digit or a combining mark separates words.
# (\w covers letters and digits of every script; "_" is a word char, so name it.)
_SEPARATORS = re.compile(r"[\W_]+")


def strip_arabic_diacritics(text: str) -> str:
    """Remove Arabic tashkeel and tatweel, keep every letter."""
    return text.translate(_ARABIC_DIACRITICS)


def normalise_arabic(text: str) -> str:
    """Remove tashkeel/tatweel and unify alef, yaa, taa marbuta and hamza carriers."""
    return text.translate(_NORMALISE_TABLE)


def strip_accents(text: str) -> str:
    """Drop combining marks after canonical decomposition (é → e, ç → c)."""
    decomposed = unicodedata.normalize("NFD", text)
    if decomposed.isascii():
        return decomposed
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=131_072)
def fold(text: str) -> str:
    """The case-, accent- and Arabic-diacritic-insensitive matching key of ``text``.

    >>> fold("  MATHÉMATIQUES ") == fold("mathematiques") == "mathematiques"
    True
    >>> fold("الرِّيَاضِيَّات") == fold("الرياضيات")
    True
    >>> fold("2BAC-PC")
    '2bac pc'
    """
    if not text:
        return ""
    out = unicodedata.normalize("NFKC", text).casefold()
    if not out.isascii():
        # Arabic first: NFD would split أ into ا + hamza mark, which is fine, but
        # the explicit table also covers ٱ, ى, ة which have no decomposition.
        out = strip_accents(normalise_arabic(out))
    return _SEPARATORS.sub(" ", out).strip()
