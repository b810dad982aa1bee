"""Charts drawn on the server as SVG, for pages that must work without JavaScript.

Each chart is a self-contained ``<svg role="img">`` with a ``<title>`` and a
``<desc>`` that reads out the numbers, drawn in ``currentColor`` so it takes
the colour of the text around it in light and dark themes. Every piece of
text is escaped here; the result is safe to print. Its width limit is in
``site.css`` (``svg.chart``): the Content-Security-Policy refuses ``style``
attributes.
"""

from __future__ import annotations

import itertools
from html import escape

from markupsafe import Markup

_ids = itertools.count(1)

WIDTH = 640
BAR_HEIGHT = 22
BAR_GAP = 8
LABEL_WIDTH = 220
VALUE_WIDTH = 70


def _number(value: int) -> str:
    return f"{value:,}"


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _open(title: str, desc: str, width: int, height: int, css: str) -> tuple[str, list[str]]:
    key = f"chart{next(_ids)}"
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {css}" role="img" '
        f'viewBox="0 0 {width} {height}" width="100%" '
        f'aria-label="{escape(title)}" aria-describedby="{key}-desc" '
        f'font-family="inherit" font-size="12" fill="currentColor">'
    )
    return key, [
        head,
        f'<title id="{key}-title">{escape(title)}</title>',
        f'<desc id="{key}-desc">{escape(desc)}</desc>',
    ]


def bar_chart_svg(*, title: str, items: list[tuple[str, int]], unit: str) -> Markup:
    """Horizontal bars, one per ``(label, value)``, longest first as given."""
    items = list(items)
    if items:
        desc = "; ".join(f"{label}: {_number(value)} {unit}" for label, value in items)
    else:
        desc = "No data yet."
    height = max(1, len(items)) * (BAR_HEIGHT + BAR_GAP) + BAR_GAP
    _, parts = _open(title, desc, WIDTH, height, "bar")
    top = max([value for _, value in items] or [0]) or 1
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    for row, (label, value) in enumerate(items):
        y = BAR_GAP + row * (BAR_HEIGHT + BAR_GAP)
        length = round(span * value / top, 1)
        middle = y + BAR_HEIGHT / 2 + 4
        parts.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{middle}" text-anchor="end" aria-hidden="true">'
            f"{escape(_clip(label, 32))}</text>"
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length}" height="{BAR_HEIGHT}" '
            f'fill="currentColor" fill-opacity="0.55"/>'
            f'<text x="{LABEL_WIDTH + length + 6}" y="{middle}" aria-hidden="true">'
            f"{_number(value)}</text>"
        )
    if not items:
        parts.append(f'<text x="{WIDTH / 2}" y="20" text-anchor="middle">No data yet.</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text above is escaped


def period_chart_svg(
    *, title: str, labels: list[str], series: list[tuple[str, list[int]]]
) -> Markup:
    """Grouped columns per period (month or year), one column per series; the
    first series solid, the next lighter, with a legend."""
    desc = " ".join(
        f"{name}: "
        + ", ".join(f"{lab} {_number(v)}" for lab, v in zip(labels, values, strict=False))
        + "."
        for name, values in series
    )
    height = 240
    left, bottom, top_pad = 50, 40, 30
    _, parts = _open(title, desc, WIDTH, height, "periods")
    plot_w = WIDTH - left - 10
    plot_h = height - bottom - top_pad
    peak = max([v for _, values in series for v in values] or [0]) or 1
    slot = plot_w / max(1, len(labels))
    column = max(2.0, (slot - 6) / max(1, len(series)))
    opacities = ["0.85", "0.35", "0.6"]
    # Axis and the top value.
    parts.append(
        f'<line x1="{left}" y1="{top_pad + plot_h}" x2="{WIDTH - 10}" y2="{top_pad + plot_h}" '
        f'stroke="currentColor" stroke-width="1"/>'
        f'<text x="{left - 6}" y="{top_pad + 4}" text-anchor="end" aria-hidden="true">'
        f"{_number(peak)}</text>"
        f'<text x="{left - 6}" y="{top_pad + plot_h}" text-anchor="end" aria-hidden="true">0'
        "</text>"
    )
    for index, label in enumerate(labels):
        x0 = left + index * slot + 3
        for number, (_name, values) in enumerate(series):
            value = values[index] if index < len(values) else 0
            h = round(plot_h * value / peak, 1)
            parts.append(
                f'<rect x="{round(x0 + number * column, 1)}" y="{round(top_pad + plot_h - h, 1)}" '
                f'width="{round(column, 1)}" height="{h}" fill="currentColor" '
                f'fill-opacity="{opacities[number % len(opacities)]}"/>'
            )
        parts.append(
            f'<text x="{round(x0 + (slot - 6) / 2, 1)}" y="{top_pad + plot_h + 16}" '
            f'text-anchor="middle" aria-hidden="true">{escape(label)}</text>'
        )
    # Legend.
    x = left
    for number, (name, _values) in enumerate(series):
        parts.append(
            f'<rect x="{x}" y="8" width="12" height="12" fill="currentColor" '
            f'fill-opacity="{opacities[number % len(opacities)]}"/>'
            f'<text x="{x + 16}" y="18" aria-hidden="true">{escape(name)}</text>'
        )
        x += 24 + 8 * len(name)
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text above is escaped
