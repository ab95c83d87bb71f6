"""Server-rendered SVG charts: no JavaScript, no chart library, allowed by the portal's CSP.

Each chart is an ``<svg role="img">`` named by its ``<title>`` and described by
its ``<desc>`` (``aria-labelledby``), and pages always put the same figures in
a data table next to it: the table is the accessible alternative and the
source for screen readers; the chart is for the eye. Only presentation
attributes are used (no ``style``), and every text is escaped.

Right-to-left pages get mirrored bar charts (labels on the right, bars growing
to the left); time series keep time running left to right. Texts carry an explicit
``direction="ltr"`` so that ``text-anchor`` means the same on both page
directions (Arabic letters are still shaped and ordered right to left).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from markupsafe import Markup, escape

PALETTE = ("#006233", "#c1272d", "#0b5394", "#b45f06")
_ids = itertools.count(1)


def _open(width: int, height: int, title: str, desc: str, css_class: str) -> tuple[str, str]:
    n = next(_ids)
    tid, did = f"chart-{n}-title", f"chart-{n}-desc"
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {css_class}" role="img" '
        f'aria-labelledby="{tid} {did}" viewBox="0 0 {width} {height}" width="100%" '
        f'preserveAspectRatio="xMinYMin meet">'
        f'<title id="{tid}">{escape(title)}</title><desc id="{did}">{escape(desc)}</desc>'
    )
    return head, "</svg>"


def _fmt(value: float) -> str:
    return f"{int(value):,}".replace(",", "\u202f")


def bar_chart(
    rows: Sequence[tuple[str, float]],
    *,
    title: str,
    desc: str,
    rtl: bool = False,
    width: int = 760,
    bar: int = 22,
    label_width: int = 330,
) -> Markup:
    """Horizontal bars, one per ``(label, value)``, longest first as given."""
    rows = list(rows)
    height = max(1, len(rows)) * (bar + 8) + 10
    head, tail = _open(width, height, title, desc, "chart-bars")
    top = max((v for _, v in rows), default=0) or 1
    room = width - label_width - 70
    parts = [head]
    for i, (label, value) in enumerate(rows):
        y = 5 + i * (bar + 8)
        length = max(1.0, room * value / top) if value else 0.0
        text = escape(label if len(label) <= 44 else label[:43] + "…")
        if rtl:
            label_x, anchor = width - 5, "end"
            x = width - label_width - length
            value_x, value_anchor = x - 6, "end"
        else:
            label_x, anchor = label_width - 8, "end"
            x = label_width
            value_x, value_anchor = x + length + 6, "start"
        parts.append(
            f'<text x="{label_x}" y="{y + bar * 0.7:.1f}" text-anchor="{anchor}" '
            f'direction="ltr" font-size="13" fill="#1a1a1a">{text}</text>'
        )
        parts.append(
            f'<rect x="{x:.1f}" y="{y}" width="{length:.1f}" height="{bar}" '
            f'fill="{PALETTE[0]}"><title>{text}: {_fmt(value)}</title></rect>'
        )
        parts.append(
            f'<text x="{value_x:.1f}" y="{y + bar * 0.7:.1f}" text-anchor="{value_anchor}" '
            f'direction="ltr" font-size="12" fill="#333">{_fmt(value)}</text>'
        )
    if not rows:
        parts.append(
            f'<text x="{width / 2}" y="20" text-anchor="middle" font-size="13" fill="#555">—</text>'
        )
    parts.append(tail)
    return Markup("".join(parts))


def line_chart(
    periods: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    *,
    title: str,
    desc: str,
    width: int = 640,
    height: int = 240,
) -> Markup:
    """One polyline per ``(name, values)`` over ``periods`` (oldest first), with a legend."""
    left, right, top_pad, bottom = 56, 12, 28, 34
    head, tail = _open(width, height, title, desc, "chart-lines")
    parts = [head]
    peak = max((v for _, values in series for v in values), default=0) or 1
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    n = len(periods)

    def xy(i: int, v: float) -> tuple[float, float]:
        x = left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)
        return x, top_pad + plot_h * (1 - v / peak)

    for frac in (0, 0.5, 1):
        y = top_pad + plot_h * (1 - frac)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" '
            f'stroke="#ddd" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#555" direction="ltr">{_fmt(peak * frac)}</text>'
        )
    if n:
        for i in sorted({0, n // 2, n - 1}):
            x, _ = xy(i, 0)
            anchor = "start" if i == 0 and n > 1 else "end" if i == n - 1 and n > 1 else "middle"
            parts.append(
                f'<text x="{x:.1f}" y="{height - 12}" text-anchor="{anchor}" font-size="11" '
                f'fill="#555" direction="ltr">{escape(periods[i])}</text>'
            )
    for k, (name, values) in enumerate(series):
        colour = PALETTE[k % len(PALETTE)]
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(i, v) for i, v in enumerate(values)))
        if n == 1:
            x, y = xy(0, values[0])
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}"/>')
        elif n:
            parts.append(
                f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>'
            )
        parts.append(
            f'<rect x="{left + k * 190}" y="6" width="12" height="12" fill="{colour}"/>'
            f'<text x="{left + k * 190 + 18}" y="16" direction="ltr" font-size="12" '
            f'fill="#1a1a1a">{escape(name)}</text>'
        )
    parts.append(tail)
    return Markup("".join(parts))
