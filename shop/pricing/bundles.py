"""Step 2: bundles. A kit line comes down to the kit's price, a routine takes its reached tier."""

from __future__ import annotations

from collections.abc import Sequence

from shop.pricing.inputs import KitLine, RoutineLine, Tier
from shop.pricing.money import format_percent, percent_of_cents
from shop.pricing.outputs import Rejection
from shop.pricing.state import Applied, LineState

__all__ = ["apply_bundles"]


def apply_bundles(lines: list[LineState], applied: Applied, rejected: list[Rejection]) -> None:
    """Take each kit's and routine's bundle discount off its line; hint at the next tier."""
    for line in lines:
        source = line.source
        if isinstance(source, KitLine):
            cents = line.subtotal - source.price.cents * line.quantity
            if cents > 0:  # a kit priced at or above its value costs its value
                label = f"{source.name} price"
                line.take("bundle", source.slug, label, cents)
                applied.add("bundle", source.slug, label, cents)
        elif isinstance(source, RoutineLine) and source.tiers:
            count = len(source.selections)
            reached, upcoming = _tiers(source.tiers, count)
            if reached is not None:
                cents = percent_of_cents(line.subtotal, reached.percent_off)
                if cents:
                    rule = f"{source.slug}:{reached.min_items}"
                    percent = format_percent(reached.percent_off)
                    label = f"Routine {percent}% off ({reached.min_items}+ products)"
                    line.take("bundle", rule, label, cents)
                    applied.add("bundle", rule, label, cents)
            if upcoming is not None:
                hint = Rejection(
                    source="bundle",
                    rule=f"{source.slug}:{upcoming.min_items}",
                    code="tier_not_reached",
                    reason=f"Add {_more_products(upcoming.min_items - count)} to reach "
                    f"{format_percent(upcoming.percent_off)}% off",
                )
                if hint not in rejected:
                    rejected.append(hint)


def _tiers(tiers: Sequence[Tier], count: int) -> tuple[Tier | None, Tier | None]:
    """The highest tier reached with `count` products, and the next one up."""
    reached: Tier | None = None
    upcoming: Tier | None = None
    for tier in tiers:
        if tier.min_items <= count:
            if reached is None or tier.min_items > reached.min_items:
                reached = tier
        elif upcoming is None or tier.min_items < upcoming.min_items:
            upcoming = tier
    return reached, upcoming


def _more_products(count: int) -> str:
    return "1 more product" if count == 1 else f"{count} more products"
