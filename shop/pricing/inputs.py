"""The cart as pricing takes it: frozen dataclasses the caller fills from data it has loaded.

The caller (catalog, kits, routines, promotions) has validated them already; `price()` checks
them again on every call (see `shop.pricing.intake`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from shop.pricing.money import Money

__all__ = [
    "Item",
    "KitLine",
    "OfferRule",
    "Part",
    "PricingRequest",
    "ProductLine",
    "PromoRule",
    "RoutineLine",
    "ShippingPolicy",
    "Tier",
    "UnknownCode",
]


@dataclass(frozen=True, slots=True)
class Item:
    """A product as pricing sees it; `step` is the routine step slug (cleanse, tone, ...)."""

    slug: str
    name: str
    price: Money
    step: str


@dataclass(frozen=True, slots=True)
class Part:
    """An item in a kit, as a component or a gift, with its quantity in one kit (>= 1)."""

    item: Item
    quantity: int


@dataclass(frozen=True, slots=True)
class ProductLine:
    """A cart line of one product; `id` is unique within the request and breaks ties."""

    id: str
    item: Item
    quantity: int


@dataclass(frozen=True, slots=True)
class KitLine:
    """A cart line of a fixed kit sold at `price`; gifts come free with every kit."""

    id: str
    slug: str
    name: str
    price: Money
    components: tuple[Part, ...]
    gifts: tuple[Part, ...]
    quantity: int


@dataclass(frozen=True, slots=True)
class Tier:
    """A routine discount: `percent_off` (0-100, Decimal("10") is 10 %) from `min_items` up."""

    min_items: int
    percent_off: Decimal


@dataclass(frozen=True, slots=True)
class RoutineLine:
    """A build-your-own routine, selection already validated by the caller.

    One routine is one unit of each selected product; `quantity` routines are bought.
    """

    id: str
    slug: str
    name: str
    selections: tuple[Item, ...]
    tiers: tuple[Tier, ...]
    quantity: int


@dataclass(frozen=True, slots=True)
class PromoRule:
    """A promo code with everything needed to judge it, supplied by the promotions app.

    `kind` is "percent" (value 0-100), "amount" (value in the shop currency, whole cents),
    "free_shipping" or "gift" (`gift` required). Scope: `products` (product slugs), `kits` (kit
    and routine slugs) and `steps` (step slugs); all three empty means the whole cart.
    `starts_at` is inclusive, `ends_at` exclusive. `customer_uses` counts this customer's uses
    (0 when unknown). `min_subtotal` is compared with the merchandise total after bundle
    discounts and before any promo.
    """

    code: str
    name: str
    kind: str
    value: Decimal
    gift: Item | None = None
    products: frozenset[str] = frozenset()
    kits: frozenset[str] = frozenset()
    steps: frozenset[str] = frozenset()
    applies_to_bundles: bool = True
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    usage_limit: int | None = None
    uses: int = 0
    per_customer_limit: int | None = None
    customer_uses: int = 0
    min_subtotal: Money | None = None
    combinable: bool = False
    active: bool = True


@dataclass(frozen=True, slots=True)
class OfferRule:
    """An automatic offer (a promotion without a code), supplied by the promotions app.

    `id` is the promotion's id (unique within the request; `rule` of its entries). `kind` is
    "percent" (value 0-100), "amount" (value in the shop currency, whole cents), "free_shipping",
    "gift" (`gift` required) or "buy_x_get_y" (`buy` >= 1 and `get` >= 1: in every group of
    buy + get eligible units the cheapest `get` are free). Conditions: `min_items` units across
    the eligible lines and `min_subtotal` their merchandise total after bundles, both before any
    offer or code; None means no condition. Scope (`products`, `kits`, `steps`,
    `applies_to_bundles`) reads as a code's. Offers apply in `priority` order (higher first);
    `combinable` says whether it combines with other offers and with codes (both sides must be
    combinable). `label` is what the shopper reads; empty, the engine words one from the
    conditions ("Any 3 products: 10% off"). An offer out of its dates, inactive or used up is
    skipped without a word: the shopper never asked for it.
    """

    id: str
    kind: str
    value: Decimal = Decimal(0)
    label: str = ""
    buy: int = 0
    get: int = 0
    gift: Item | None = None
    min_items: int | None = None
    min_subtotal: Money | None = None
    products: frozenset[str] = frozenset()
    kits: frozenset[str] = frozenset()
    steps: frozenset[str] = frozenset()
    applies_to_bundles: bool = True
    combinable: bool = False
    priority: int = 0
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    usage_limit: int | None = None
    uses: int = 0
    per_customer_limit: int | None = None
    customer_uses: int = 0
    active: bool = True


@dataclass(frozen=True, slots=True)
class UnknownCode:
    """A code the shopper typed that matches no promotion (rejected as `promo_not_found`)."""

    code: str


@dataclass(frozen=True, slots=True)
class ShippingPolicy:
    """Flat-rate shipping, waived from `free_over` (merchandise after discounts) if set."""

    flat: Money
    free_over: Money | None


@dataclass(frozen=True, slots=True)
class PricingRequest:
    """Everything `price()` needs; `now` must be timezone-aware. Promos are judged in order;
    `offers` are the automatic offers that may apply (their order does not matter)."""

    currency: str
    lines: tuple[ProductLine | KitLine | RoutineLine, ...]
    shipping: ShippingPolicy
    now: datetime
    promos: tuple[PromoRule | UnknownCode, ...] = ()
    offers: tuple[OfferRule, ...] = ()
