"""Server-rendered charts: accessible, escaped, CSP-safe; CSV export safe for spreadsheets."""

from __future__ import annotations

from lxml import etree

from diffusion.charts import bar_chart, line_chart
from diffusion.csv_export import to_csv


def _svg(markup) -> etree._Element:
    return etree.fromstring(str(markup).encode())


def test_bar_chart_is_an_accessible_image_with_escaped_labels():
    svg = _svg(
        bar_chart(
            [("<script>alert(1)</script>", 5), ("الكسور", 3)],
            title="Top & co",
            desc="Barres",
            rtl=True,
        )
    )
    ns = "{http://www.w3.org/2000/svg}"
    assert svg.get("role") == "img"
    title_id, desc_id = svg.get("aria-labelledby").split()
    assert (
        svg.find(f"{ns}title").get("id") == title_id and svg.find(f"{ns}title").text == "Top & co"
    )
    assert svg.find(f"{ns}desc").get("id") == desc_id
    texts = [t.text for t in svg.iter(f"{ns}text")]
    assert "<script>alert(1)</script>" in texts and "الكسور" in texts  # as text, not markup
    assert not list(svg.iter(f"{ns}script"))
    assert all("style" not in el.attrib for el in svg.iter())
    bars = list(svg.iter(f"{ns}rect"))
    assert float(bars[0].get("width")) > float(bars[1].get("width"))


def test_line_chart_handles_one_point_and_no_point():
    assert "<circle" in str(line_chart(["2026-01"], [("Total", [4])], title="t", desc="d"))
    empty = _svg(line_chart([], [("Total", [])], title="t", desc="d"))
    assert empty.get("role") == "img"


def test_csv_has_bom_crlf_and_defuses_formulas():
    body = to_csv(("a", "b"), [('=HYPERLINK("http://x")', "الكسور"), ("+1", 2)])
    assert body.startswith(b"\xef\xbb\xbf")
    text = body.decode("utf-8-sig")
    assert text.split("\r\n")[1] == '"\'=HYPERLINK(""http://x"")",الكسور'
    assert "'+1,2" in text
