"""Fast constructors of the dataclasses built in hot loops: the engine's outputs, and the cart
lines a caller builds for every item of every quote.

A frozen dataclass's __init__ assigns every field through object.__setattr__ (1.3 us for a
three-field line), and a cart of a few kits builds dozens of these objects: that alone cost as
much as all the pricing arithmetic.
These functions build the very same objects through the slots' own setters. `_setters` refuses
to load if a field list here no longer matches its dataclass, and the tests check that both ways
of building give equal objects.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from typing import Any

from shop.pricing.money import Money
from shop.pricing.types import (
    Adjustment,
    ComponentShare,
    Item,
    KitLine,
    Part,
    PricedLine,
    ProductLine,
    RoutineLine,
    Tier,
)

__all__ = [
    "new_adjustment",
    "new_component_share",
    "new_kit_line",
    "new_priced_line",
    "new_product_line",
    "new_routine_line",
]

_new = object.__new__
_Setter = Callable[[Any, Any], None]


def _setters(cls: type, names: tuple[str, ...]) -> tuple[_Setter, ...]:
    if tuple(field.name for field in fields(cls)) != names:
        raise RuntimeError(f"the fast constructor of {cls.__name__} is out of date")
    return tuple(cls.__dict__[name].__set__ for name in names)


_adjustment_source, _adjustment_rule, _adjustment_label, _adjustment_amount = _setters(
    Adjustment, ("source", "rule", "label", "amount")
)
_share_product, _share_quantity, _share_allocated, _share_gift, _share_units = _setters(
    ComponentShare, ("product", "quantity", "allocated", "gift", "unit_allocations")
)
(
    _line_id,
    _line_kind,
    _line_ref,
    _line_name,
    _line_quantity,
    _line_unit_price,
    _line_subtotal,
    _line_adjustments,
    _line_total,
    _line_components,
    _line_gift,
) = _setters(
    PricedLine,
    (
        "id",
        "kind",
        "ref",
        "name",
        "quantity",
        "unit_price",
        "subtotal",
        "adjustments",
        "total",
        "components",
        "gift",
    ),
)


_product_id, _product_item, _product_quantity = _setters(ProductLine, ("id", "item", "quantity"))
(
    _kit_id,
    _kit_slug,
    _kit_name,
    _kit_price,
    _kit_components,
    _kit_gifts,
    _kit_quantity,
) = _setters(KitLine, ("id", "slug", "name", "price", "components", "gifts", "quantity"))
(
    _routine_id,
    _routine_slug,
    _routine_name,
    _routine_selections,
    _routine_tiers,
    _routine_quantity,
) = _setters(RoutineLine, ("id", "slug", "name", "selections", "tiers", "quantity"))


def new_product_line(id: str, item: Item, quantity: int) -> ProductLine:
    """`ProductLine(id, item, quantity)`, built faster."""
    line: ProductLine = _new(ProductLine)
    _product_id(line, id)
    _product_item(line, item)
    _product_quantity(line, quantity)
    return line


def new_kit_line(
    id: str,
    slug: str,
    name: str,
    price: Money,
    components: tuple[Part, ...],
    gifts: tuple[Part, ...],
    quantity: int,
) -> KitLine:
    """`KitLine(...)` with the same positional arguments, built faster."""
    line: KitLine = _new(KitLine)
    _kit_id(line, id)
    _kit_slug(line, slug)
    _kit_name(line, name)
    _kit_price(line, price)
    _kit_components(line, components)
    _kit_gifts(line, gifts)
    _kit_quantity(line, quantity)
    return line


def new_routine_line(
    id: str,
    slug: str,
    name: str,
    selections: tuple[Item, ...],
    tiers: tuple[Tier, ...],
    quantity: int,
) -> RoutineLine:
    """`RoutineLine(...)` with the same positional arguments, built faster."""
    line: RoutineLine = _new(RoutineLine)
    _routine_id(line, id)
    _routine_slug(line, slug)
    _routine_name(line, name)
    _routine_selections(line, selections)
    _routine_tiers(line, tiers)
    _routine_quantity(line, quantity)
    return line


def new_adjustment(source: str, rule: str, label: str, amount: Money) -> Adjustment:
    """`Adjustment(source, rule, label, amount)`, built faster."""
    adjustment: Adjustment = _new(Adjustment)
    _adjustment_source(adjustment, source)
    _adjustment_rule(adjustment, rule)
    _adjustment_label(adjustment, label)
    _adjustment_amount(adjustment, amount)
    return adjustment


def new_component_share(
    product: str, quantity: int, allocated: Money, gift: bool, unit_allocations: tuple[Money, ...]
) -> ComponentShare:
    """`ComponentShare(product, quantity, allocated, gift, unit_allocations)`, built faster."""
    share: ComponentShare = _new(ComponentShare)
    _share_product(share, product)
    _share_quantity(share, quantity)
    _share_allocated(share, allocated)
    _share_gift(share, gift)
    _share_units(share, unit_allocations)
    return share


def new_priced_line(
    id: str,
    kind: str,
    ref: str,
    name: str,
    quantity: int,
    unit_price: Money,
    subtotal: Money,
    adjustments: tuple[Adjustment, ...],
    total: Money,
    components: tuple[ComponentShare, ...],
    gift: bool,
) -> PricedLine:
    """`PricedLine(...)` with the same positional arguments, built faster."""
    line: PricedLine = _new(PricedLine)
    _line_id(line, id)
    _line_kind(line, kind)
    _line_ref(line, ref)
    _line_name(line, name)
    _line_quantity(line, quantity)
    _line_unit_price(line, unit_price)
    _line_subtotal(line, subtotal)
    _line_adjustments(line, adjustments)
    _line_total(line, total)
    _line_components(line, components)
    _line_gift(line, gift)
    return line
