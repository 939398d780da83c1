"""The one "was" price a page may show: the 30-day low, and only when the price is below it.

`{% load reference_prices %}{{ product|was_price }}` → the product's `lowest_price_30d` when its
current price is lower, else None. The EU's Omnibus rule (and the US FTC's guides on former
prices) let a shop announce a reduction only against the lowest price of the 30 days before it;
any other "was" figure is one the price history does not back.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from shop.catalog import price_history

register = template.Library()


def reference(price: Decimal, lowest: Decimal | None) -> Decimal | None:
    """`lowest` when `price` is a reduction against it, else None."""
    return lowest if lowest is not None and price < lowest else None


@register.filter
def was_price(product: Any) -> Decimal | None:
    lowest = price_history.lowest_price_30d(
        product, history=price_history.PriceChange, owner="product"
    )
    return reference(product.price_amount, lowest)
