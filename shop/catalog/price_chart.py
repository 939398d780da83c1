"""The price history on admin change pages: a server-rendered SVG step chart and a table.

No script and no inline style (the Content-Security-Policy allows neither): the chart is SVG
markup with presentation attributes, drawn here from the periods of one price history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from shop.catalog import price_history

WIDTH, HEIGHT = 600, 160
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 12, 28  # room for the price and date labels


@dataclass(frozen=True, slots=True)
class Chart:
    path: str  # the step line, "M x y H x V y ..."
    top_label: Decimal
    bottom_label: Decimal
    top_y: float
    bottom_y: float
    first: datetime
    last: datetime


def step_chart(periods: list[price_history.Period], now: datetime) -> Chart | None:
    """The periods as a step line from the first change to `now` (None when there are none).
    The price axis runs from 0 to the highest price, so a cut looks as large as it is."""
    if not periods:
        return None
    first = periods[0].start
    span = max((now - first).total_seconds(), 1.0)
    highest = max(period.price for period in periods) or Decimal("1")
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(when: datetime) -> float:
        return LEFT + plot_w * min((when - first).total_seconds() / span, 1.0)

    def y(price: Decimal) -> float:
        return TOP + plot_h * (1 - float(price / highest))

    parts = [f"M{x(first):.1f} {y(periods[0].price):.1f}"]
    for period in periods:
        parts.append(f"V{y(period.price):.1f}")
        parts.append(f"H{x(period.end or now):.1f}")
    return Chart(" ".join(parts), highest, Decimal("0.00"), y(highest), y(Decimal(0)), first, now)


def render(periods: list[price_history.Period], lowest: Decimal | None) -> SafeString:
    now = timezone.now()
    context = {
        "chart": step_chart(periods, now),
        "periods": list(reversed(periods)),  # newest first in the table
        "lowest": lowest,
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right_x": WIDTH - RIGHT,
    }
    return mark_safe(  # noqa: S308 - the template escapes every value
        render_to_string("admin/price_history.html", context)
    )


class PriceHistoryAdminMixin:
    """For a model admin whose model keeps a price history (`history`, its `owner` field):
    saves from the admin are recorded as source "admin" by the signed-in user, and the
    read-only field `price_history_chart` shows the history."""

    history: type[price_history.PriceRecord] = price_history.PriceChange
    history_owner = "product"

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        with price_history.price_changes_by(source="admin", user=request.user):
            super().save_model(request, obj, form, change)  # type: ignore[misc]

    @admin.display(description="Price history")
    def price_history_chart(self, obj: Model | None) -> SafeString | str:
        if obj is None or obj.pk is None:
            return "Save to start the price history."
        rows = self.history._default_manager.filter(**{self.history_owner: obj})
        lowest = price_history.lowest_price_30d(obj, history=self.history, owner=self.history_owner)
        return render(price_history.periods(rows), lowest)
