"""Step 5: shipping. A flat rate, waived by a free-shipping code or offer, or from a merchandise
total."""

from __future__ import annotations

from shop.pricing.inputs import ShippingPolicy
from shop.pricing.money import format_money
from shop.pricing.promos import Waiver
from shop.pricing.state import Applied, LineState

__all__ = ["shipping_cents"]


def shipping_cents(
    policy: ShippingPolicy, lines: list[LineState], waiver: Waiver | None, applied: Applied
) -> int:
    """What shipping costs in cents once the discounts are taken; records any waiver."""
    if not lines:
        return 0
    flat = policy.flat.cents
    if waiver is not None:
        applied.add("shipping", waiver.rule, waiver.label, flat)
        return 0
    free_over = policy.free_over
    if free_over is not None and sum(line.total for line in lines) >= free_over.cents:
        if flat:
            label = f"Free shipping over {format_money(free_over)}"
            applied.add("shipping", "free_shipping_over", label, flat)
        return 0
    return flat
