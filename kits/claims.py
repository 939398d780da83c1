"""Whether a kit's "$X value" claim is backed by its parts' price history.

A kit's value (and the savings and gift worth shown with it) is the sum of its parts' regular
prices. A part whose price was raised within the last 30 days makes that sum larger than the
history backs: raising a component the week before a promotion would inflate "$180 value" the
same way an inflated "was" price would. The decision (docs/API.md, "Price history"):

* the admin refuses to activate a kit while a part's price is above its 30-day low (a field
  error on the change page and in the list; a kit created active is saved inactive, with an
  error message), and its change page says which parts and why;
* the storefront shows no value, savings or gift-worth claim for such a kit, only its price,
  until the raise is 30 days old or the price comes back down.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from kits import selectors
from kits.models import Kit
from kits.rules import KitInfo
from shop.catalog import price_history
from shop.catalog.pricing import currency
from shop.pricing import Money, format_money


@dataclass(frozen=True, slots=True)
class RaisedPart:
    """A kit part priced above the lowest price it had in the last 30 days."""

    name: str
    price: Decimal
    lowest: Decimal
    gift: bool

    def describe(self) -> str:
        role = "gift" if self.gift else "component"
        price, lowest = (format_money(Money.of(p, currency())) for p in (self.price, self.lowest))
        return f"{self.name} ({role}) costs {price}, above its 30-day low of {lowest}"


def raised_parts(
    kits: Sequence[KitInfo], *, now: datetime | None = None
) -> dict[int, tuple[RaisedPart, ...]]:
    """For each kit id, its parts priced above their 30-day low (none: its claim is backed).
    One query for all the kits' parts."""
    when = now or timezone.now()
    ids = {part.product.id for kit in kits for part in (*kit.components, *kit.gifts)}
    lows = price_history.lows_until(price_history.PriceChange, "product", ids, when) if ids else {}
    found: dict[int, tuple[RaisedPart, ...]] = {}
    for kit in kits:
        found[kit.id] = tuple(
            RaisedPart(part.product.name, part.product.price, lows[part.product.id], gift)
            for parts, gift in ((kit.components, False), (kit.gifts, True))
            for part in parts
            if part.product.id in lows and part.product.price > lows[part.product.id]
        )
    return found


def raised_parts_of(kit: Kit) -> tuple[RaisedPart, ...]:
    """One kit's raised parts (its parts are read unless prefetched, then one query)."""
    info = selectors.kit_info_of(kit)
    return raised_parts([info])[info.id]


def refusal(raised: Sequence[RaisedPart]) -> str:
    """Why a kit with these raised parts may not be activated."""
    reasons = "; ".join(part.describe() for part in raised)
    return (
        f"Its value claim is not backed by the price history: {reasons}. Activate it once the "
        "raise is 30 days old, or when the price is back at its 30-day low."
    )
