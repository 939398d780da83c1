"""Charts drawn on the server as SVG: no script, no inline style (the CSP allows neither), a
title and a description for screen readers, and always a table with the same figures beside.

Bars and axis labels are placed in a fixed viewBox; the page's stylesheet colours them through
classes, so the SVG carries no style attribute.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH = 960
HEIGHT = 260
LEFT = 70  # room for the axis labels
BOTTOM = 40
TOP = 16
MAX_X_LABELS = 10


@dataclass(frozen=True)
class Bar:
    label: str
    value: Decimal | int
    text: str  # the value as the page writes it ("$1,234.00", "12")


def _nice_ceiling(value: Decimal) -> Decimal:
    """The axis maximum: the value rounded up to 1, 2 or 5 times a power of ten."""
    if value <= 0:
        return Decimal(1)
    exponent = len(str(int(value))) - 1
    base = Decimal(10) ** exponent
    for step in (1, 2, 5, 10):
        if value <= step * base:
            return step * base
    return 10 * base


def _tick(value: Decimal) -> str:
    """An axis label: "1,000", "2.50"."""
    text = f"{value:,.2f}"
    return text[:-3] if text.endswith(".00") else text


def bar_chart(*, chart_id: str, title: str, description: str, bars: Sequence[Bar]) -> SafeString:
    """A vertical bar chart of `bars` in order (one per day, say), labelled by `title` and
    `description` (aria-labelledby), with a tooltip <title> on each bar."""
    top = _nice_ceiling(Decimal(max((bar.value for bar in bars), default=0)))
    plot_w, plot_h = WIDTH - LEFT - 10, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(bars), 1)
    gap = slot * 0.2 if slot > 4 else 0
    every = max(1, -(-len(bars) // MAX_X_LABELS))
    rects = []
    labels = []
    for index, bar in enumerate(bars):
        height = float(Decimal(bar.value) / top) * plot_h
        x = LEFT + index * slot + gap / 2
        rects.append(
            (
                f"{x:.1f}",
                f"{TOP + plot_h - height:.1f}",
                f"{max(slot - gap, 0.5):.1f}",
                f"{height:.1f}",
                f"{bar.label}: {bar.text}",
            )
        )
        if index % every == 0:
            labels.append((f"{x + (slot - gap) / 2:.1f}", f"{HEIGHT - BOTTOM + 18}", bar.label))
    grid = [
        (
            f"{TOP + plot_h - plot_h * share:.1f}",
            f"{LEFT - 8}",
            f"{TOP + plot_h - plot_h * share + 4:.1f}",
            _tick(top * Decimal(share)),
        )
        for share in (0, 0.5, 1)
        if share != 0.5 or (top / 2) == int(top / 2)  # no "0.5 orders"
    ]
    return format_html(
        '<svg class="chart" id="{}" viewBox="0 0 {} {}" role="img" '
        'aria-labelledby="{}-title {}-desc" preserveAspectRatio="xMidYMid meet">'
        '<title id="{}-title">{}</title><desc id="{}-desc">{}</desc>{}{}{}</svg>',
        chart_id,
        WIDTH,
        HEIGHT,
        chart_id,
        chart_id,
        chart_id,
        title,
        chart_id,
        description,
        format_html_join(
            "",
            '<line class="chart-grid" x1="{}" x2="{}" y1="{}" y2="{}"></line>'
            '<text class="chart-axis" x="{}" y="{}" text-anchor="end">{}</text>',
            ((LEFT, WIDTH - 10, y, y, x, ty, text) for y, x, ty, text in grid),
        ),
        format_html_join(
            "",
            '<rect class="chart-bar" x="{}" y="{}" width="{}" height="{}"><title>{}</title></rect>',
            rects,
        ),
        format_html_join(
            "",
            '<text class="chart-axis" x="{}" y="{}" text-anchor="middle">{}</text>',
            labels,
        ),
    )
