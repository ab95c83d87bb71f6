"""Highlighted snippets: safe HTML, the only tags being our own ``<mark>``.

Every piece of record text is escaped with :func:`html.escape` *before* it is
joined with ``<mark>``/``</mark>``, so a description containing
``<script>`` shows as text. Matching uses the index analyzer, so ``fractions``
highlights ``Fraction`` and ``الكسور`` highlights ``كسور``.
"""

from __future__ import annotations

from html import escape

from .analysis import tokens, variants

SNIPPET_CHARS = 240
SCAN_CHARS = 5_000  # matches further into a long description are not worth the time


def highlight(
    text: str, terms: set[str], lang: str = "fr", *, width: int = SNIPPET_CHARS
) -> str | None:
    """A fragment of ``text`` around the first matches, or None if nothing matches."""
    # Scan lazily: stop at the end of the window that follows the first match.
    matches: list[tuple[int, int]] = []
    limit = None
    for raw, start, stop in tokens(text[:SCAN_CHARS]):
        if limit is not None and start > limit:
            break
        if terms.intersection(variants(raw, lang, True, False)):
            matches.append((start, stop))
            if limit is None:
                limit = start + width
    if not matches:
        return None
    first = matches[0][0]
    begin = max(0, first - width // 3)
    if begin:
        space = text.rfind(" ", 0, begin)
        begin = space + 1 if space >= 0 and begin - space < 30 else begin
    end = min(len(text), begin + width)
    if end < len(text):
        space = text.find(" ", end)
        end = space if 0 <= space < end + 30 else end
    out = ["…" if begin else ""]
    cursor = begin
    for start, stop in matches:
        if start < begin or stop > end:
            continue
        out.append(escape(text[cursor:start]))
        out.append("<mark>" + escape(text[start:stop]) + "</mark>")
        cursor = stop
    out.append(escape(text[cursor:end]))
    out.append("…" if end < len(text) else "")
    return "".join(out)


def plain(text: str, width: int = SNIPPET_CHARS) -> str:
    if len(text) <= width:
        return escape(text)
    cut = text[:width].rsplit(" ", 1)[0]
    return escape(cut) + "…"


def snippet(texts: list[tuple[str, str]], terms: set[str], lang: str) -> str:
    """From ``[(lang, text)]`` descriptions: the first highlighted fragment, the user's
    language first; else the start of the description in that language."""
    ordered = sorted(texts, key=lambda item: item[0] != lang)
    if terms:
        for text_lang, text in ordered:
            fragment = highlight(text, terms, text_lang)
            if fragment:
                return fragment
    return plain(ordered[0][1]) if ordered else ""
