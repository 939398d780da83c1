"""Demo catalog and small builders for pricing tests (plain data, no database)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from shop.pricing import (
    Item,
    KitLine,
    Money,
    OfferRule,
    Part,
    PricingRequest,
    ProductLine,
    PromoRule,
    RoutineLine,
    ShippingPolicy,
    Tier,
    UnknownCode,
)

CURRENCY = "USD"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def usd(amount: str | int) -> Money:
    return Money.of(amount, CURRENCY)


def item(slug: str, price: str, step: str, name: str | None = None) -> Item:
    return Item(slug, name or slug.replace("-", " ").title(), usd(price), step)


CITRUS_WASH = item("citrus-facial-wash", "22.00", "cleanse", "Citrus Facial Wash")
ACNE_CLEANSER = item(
    "pore-refining-acne-cleanser", "20.00", "cleanse", "Pore Refining Acne Cleanser"
)
FIRMING_TONER = item("face-firming-toner", "24.00", "tone", "Face Firming Toner")
CLEAR_TONER = item("skin-clear-toner", "22.00", "tone", "Skin Clear Toner")
ADVANCED_FIRMING = item("advanced-face-firming", "38.00", "renew", "Advanced Face Firming")
SKIN_SMOOTHER = item("ceramic-skin-smoother", "28.00", "renew", "Ceramic Skin Smoother")
PORE_TREATMENT = item("enlarged-pore-treatment", "26.00", "renew", "Enlarged Pore treatment")
PRIMER = item("foundation-primer", "24.00", "prime", "Foundation Primer")
FOUNDATION = item("no-foundation-foundation", "32.00", "foundation", "No Foundation Foundation")
POWDER = item("finishing-powder", "18.00", "powder", "Finishing Powder")
SERUM_PREP = item("serum-prep", "30.00", "extra", "Serum Prep")
EYE_TREATMENT = item("high-potency-eye-treatment", "34.00", "extra", "High Potency Eye treatment")

SEVEN_PIECE_COMPONENTS = (
    CITRUS_WASH,
    ACNE_CLEANSER,
    FIRMING_TONER,
    CLEAR_TONER,
    ADVANCED_FIRMING,
    SKIN_SMOOTHER,
    PORE_TREATMENT,
)
CATALOG = (*SEVEN_PIECE_COMPONENTS, PRIMER, FOUNDATION, POWDER, SERUM_PREP, EYE_TREATMENT)
ROUTINE_TIERS = (Tier(3, Decimal(10)), Tier(5, Decimal(15)))
SHIPPING = ShippingPolicy(flat=usd("5.00"), free_over=usd("50.00"))


def product(line_id: str, of: Item, quantity: int = 1) -> ProductLine:
    return ProductLine(line_id, of, quantity)


def seven_piece(line_id: str = "kit", quantity: int = 1, price: str = "95.00") -> KitLine:
    return KitLine(
        id=line_id,
        slug="seven-piece-collection",
        name="The seven-piece collection",
        price=usd(price),
        components=tuple(Part(component, 1) for component in SEVEN_PIECE_COMPONENTS),
        gifts=(Part(SERUM_PREP, 1), Part(EYE_TREATMENT, 1)),
        quantity=quantity,
    )


def routine(
    line_id: str,
    selections: Iterable[Item],
    quantity: int = 1,
    tiers: tuple[Tier, ...] = ROUTINE_TIERS,
    slug: str = "pore-routine",
) -> RoutineLine:
    return RoutineLine(line_id, slug, "Pore routine", tuple(selections), tiers, quantity)


def promo(code: str, kind: str = "percent", value: str = "0", **options: Any) -> PromoRule:
    return PromoRule(code=code, name=code.title(), kind=kind, value=Decimal(value), **options)


def offer(offer_id: str, kind: str = "percent", value: str = "0", **options: Any) -> OfferRule:
    return OfferRule(id=offer_id, kind=kind, value=Decimal(value), **options)


def request(
    *lines: ProductLine | KitLine | RoutineLine,
    promos: Iterable[PromoRule | UnknownCode] = (),
    shipping: ShippingPolicy = SHIPPING,
    now: datetime = NOW,
    offers: Iterable[OfferRule] = (),
) -> PricingRequest:
    return PricingRequest(CURRENCY, tuple(lines), shipping, now, tuple(promos), tuple(offers))
