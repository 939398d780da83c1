"""`{% load kit_claims %}`: a kit's "was" price (`kit|kit_was_price`, as products have theirs)
and whether its value claim is backed (`{% kit_raised_parts kit as raised %}`: the parts priced
above their 30-day low, empty when the claim is backed; `kit_info|claim_backed`; kits.claims),
for pages whose view does not work them out itself (the home page, the product page)."""

from __future__ import annotations

from decimal import Decimal

from django import template

from kits import claims
from kits.models import Kit, KitPriceChange
from kits.rules import KitInfo
from shop.catalog import price_history
from shop.templatetags.reference_prices import reference

register = template.Library()


@register.filter
def kit_was_price(kit: Kit) -> Decimal | None:
    lowest = price_history.lowest_price_30d(kit, history=KitPriceChange, owner="kit")
    return reference(kit.price_amount, lowest)


@register.filter
def claim_backed(kit: KitInfo) -> bool:
    """`{% if offer.kit|claim_backed %}`: no part of the kit costs more than its 30-day low."""
    return not claims.raised_parts([kit])[kit.id]


@register.simple_tag
def kit_raised_parts(kit: Kit) -> tuple[claims.RaisedPart, ...]:
    return claims.raised_parts_of(kit)
