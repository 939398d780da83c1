"""The catalog as the pricing service takes it: product items, the shop's currency and shipping
from settings, and the pricing request around a set of lines.

Every place that prices (quotes, the cart, checkout, kit figures, the routine builder) builds
its request here, so the settings are read in one place. They are read on every call: a read
costs well under a microsecond, and a value cached here would miss `override_settings`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal

from django.conf import settings

from shop.catalog.selectors import ProductInfo
from shop.pricing import (
    Item,
    KitLine,
    Money,
    OfferRule,
    PricingRequest,
    ProductLine,
    PromoRule,
    RoutineLine,
    ShippingPolicy,
    UnknownCode,
)

Line = ProductLine | KitLine | RoutineLine


def currency() -> str:
    """The shop's currency (`SHOP_CURRENCY`)."""
    return str(settings.SHOP_CURRENCY)


def shipping_policy(*, free: bool = False) -> ShippingPolicy:
    """The shop's shipping from settings; `free=True` for figures that leave shipping out."""
    code = currency()
    if free:
        return ShippingPolicy(flat=Money.zero(code), free_over=None)
    free_over = settings.SHOP_FREE_SHIPPING_OVER
    return ShippingPolicy(
        flat=Money.of(Decimal(str(settings.SHOP_SHIPPING)), code),
        free_over=None if free_over is None else Money.of(Decimal(str(free_over)), code),
    )


def product_item(product: ProductInfo, *, currency: str) -> Item:
    """The product as the pricing service sees it."""
    return Item(
        slug=product.slug,
        name=product.name,
        price=Money.of(product.price, currency),
        step=product.step,
    )


def product_line(product: ProductInfo, *, quantity: int, id: str, currency: str) -> ProductLine:
    """`quantity` of the product at its price."""
    return ProductLine(id=id, item=product_item(product, currency=currency), quantity=quantity)


def pricing_request(
    *,
    lines: Sequence[Line],
    promos: Sequence[PromoRule | UnknownCode] = (),
    now: datetime | None = None,
    free_shipping: bool = False,
    offers: Sequence[OfferRule] = (),
) -> PricingRequest:
    """The request that prices `lines` in the shop's currency with its shipping (or none),
    its promo codes and automatic offers (`shop.catalog.offers.catalog_offers`)."""
    return PricingRequest(
        currency=currency(),
        lines=tuple(lines),
        shipping=shipping_policy(free=free_shipping),
        now=now or datetime.now(UTC),
        promos=tuple(promos),
        offers=tuple(offers),
    )
