"""Kit and routine cart lines for the pricing service, built from kits and routines as plain
data (`kits.rules`). Quotes, carts, checkout, kit figures and the routine builder all use these,
so a kit or a routine is priced the same way everywhere."""

from __future__ import annotations

from collections.abc import Sequence

from kits.rules import KitInfo, PartInfo, RoutineInfo
from shop.catalog.pricing import product_item
from shop.catalog.selectors import ProductInfo
from shop.pricing import KitLine, Money, Part, RoutineLine, Tier


def _parts(parts: Sequence[PartInfo], currency: str) -> tuple[Part, ...]:
    return tuple(Part(product_item(p.product, currency=currency), p.quantity) for p in parts)


def kit_line(kit: KitInfo, *, quantity: int, id: str, currency: str) -> KitLine:
    """`quantity` of the kit at its kit price, with its components and gifts."""
    return KitLine(
        id=id,
        slug=kit.slug,
        name=kit.name,
        price=Money.of(kit.price, currency),
        components=_parts(kit.components, currency),
        gifts=_parts(kit.gifts, currency),
        quantity=quantity,
    )


def routine_line(
    routine: RoutineInfo,
    products: Sequence[ProductInfo],
    *,
    quantity: int,
    id: str,
    currency: str,
) -> RoutineLine:
    """`quantity` routines of the selected products, discounted by the routine's tiers.

    `products` must be a checked selection (`kits.rules.selection_check`).
    """
    return RoutineLine(
        id=id,
        slug=routine.slug,
        name=routine.name,
        selections=tuple(product_item(product, currency=currency) for product in products),
        tiers=tuple(Tier(tier.min_items, tier.percent_off) for tier in routine.tiers),
        quantity=quantity,
    )
