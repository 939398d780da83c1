"""`{{ breakdown|offer_notes }}`: what a shopper is told about automatic offers beside the price
summary: how far the cart is from each offer it has not reached ("Add 1 more item to get 10% off",
`offer_not_reached`) and why an offer gave way to a code (`promo_not_combinable`)."""

from __future__ import annotations

from collections.abc import Mapping

from django import template

from shop.pricing import Breakdown, PricingError, Rejection

register = template.Library()


@register.filter
def offer_notes(breakdown: object) -> list[Rejection]:
    """The breakdown's rejections of automatic offers, in its order; of a Breakdown or one
    stored as JSON (an order's); empty for anything else, so a page never breaks on it."""
    if isinstance(breakdown, Mapping):
        try:
            breakdown = Breakdown.from_dict(breakdown)
        except PricingError:
            return []
    if not isinstance(breakdown, Breakdown):
        return []
    return [r for r in breakdown.rejected if r.source == "offer"]
