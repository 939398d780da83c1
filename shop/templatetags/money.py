"""The one way a template prints money: `{% load money %}{{ amount|money }}` → "$95.00".

The rule, one for every page and email (the storefront is in English and not localised):

* The amount is printed in the shop's currency (`SHOP_CURRENCY`), with the symbol before it and
  exactly two decimals after a point: "$95.00", "€95.00", "£95.00"; a currency without a symbol
  in `shop.pricing.format_money`'s table prints its code: "CHF 95.00". An amount that is already
  a `Money` prints in its own currency, and `{{ amount|money:order.currency }}` prints a stored
  amount in the currency it was charged in (an order placed before `SHOP_CURRENCY` changed).
* A negative amount starts with a true minus sign (U+2212, as the pages showed discounts before
  this filter): "−$5.00". `money_off` prints a discount, held as a positive amount, the same way:
  `{{ adjustment.amount|money_off }}` → "−$5.00".
* It takes a `Money`, a `Decimal`, an `int` or a `str` ("95.00", as order JSON holds amounts);
  fractions of a cent are rounded half-up by `Money.rounded`. `None` and "" print nothing, and so
  does anything that is not an amount (a float, "abc"): template filters fail silently in
  Django, and a page must not break on a missing price.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from django import template

from shop.catalog.pricing import currency
from shop.pricing import Breakdown, Money, PricingError, Summary, format_money, summarize
from shop.pricing.money import check_currency

register = template.Library()

MINUS = "\u2212"


def as_money(value: object, code: object = None) -> Money | None:
    """`value` as Money in `code` or else the shop's currency (a Money keeps its own); None if
    it is no amount or `code` no currency."""
    if isinstance(value, Money):
        return value
    if value is None or isinstance(value, float | bool):
        return None
    if not isinstance(value, Decimal | int | str):
        return None
    try:
        return Money.rounded(value, currency() if code is None else check_currency(code))
    except (TypeError, ValueError):
        return None


def show(money: Money) -> str:
    """Money for a shopper: "$95.00", "−$5.00" (a true minus sign)."""
    if money.cents < 0:
        return MINUS + format_money(-money)
    return format_money(money)


@register.filter(is_safe=True)
def money(value: object, code: object = None) -> str:
    """`{{ amount|money }}`: "$95.00" in the shop's currency, "−$5.00" when negative;
    `{{ amount|money:"EUR" }}` in the currency given."""
    amount = as_money(value, code)
    return "" if amount is None else show(amount)


@register.filter(is_safe=True)
def money_off(value: object, code: object = None) -> str:
    """`{{ discount|money_off }}`: a discount held as a positive amount, shown as "−$5.00"."""
    amount = as_money(value, code)
    return "" if amount is None else show(-amount)


@register.filter
def price_summary(breakdown: object) -> Summary | None:
    """`{% with s=breakdown|price_summary %}`: the rows a shopper adds up (see
    `shop.pricing.summary`) of a Breakdown, or of one stored as JSON (an order's); None for
    anything else, so a page never breaks on it."""
    if isinstance(breakdown, Breakdown):
        return summarize(breakdown)
    if isinstance(breakdown, Mapping):
        try:
            return summarize(Breakdown.from_dict(breakdown))
        except PricingError:
            return None
    return None
