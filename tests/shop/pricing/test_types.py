"""The pricing dataclasses, inputs and outputs alike, are frozen, slotted and compared by value."""

from dataclasses import FrozenInstanceError, fields
from decimal import Decimal
from typing import Any

import pytest

from shop.pricing import (
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
from tests.shop.pricing.builders import usd


def check_frozen_and_slotted(built: Any) -> None:
    assert all(hasattr(built, field.name) for field in fields(built))
    with pytest.raises(FrozenInstanceError):
        setattr(built, fields(built)[0].name, "changed")
    assert not hasattr(built, "__dict__")


def test_outputs_are_frozen_slotted_and_equal_by_value() -> None:
    money = usd("1.00")
    adjustment = Adjustment("promo", "TEN", "TEN: 10% off", money)
    assert adjustment == Adjustment("promo", "TEN", "TEN: 10% off", money)
    share = ComponentShare("wash", 2, money, False, (money, usd("0")))
    assert share == ComponentShare("wash", 2, money, False, (money, usd("0")))
    args = ("a", "product", "wash", "Wash", 1, money, money, (adjustment,), money, (share,), False)
    line = PricedLine(*args)
    assert line == PricedLine(*args)
    for built in (adjustment, share, line):
        check_frozen_and_slotted(built)
    assert hash(line) == hash(PricedLine(*args))


def test_cart_lines_are_frozen_slotted_and_equal_by_value() -> None:
    item = Item("wash", "Wash", usd("1.00"), "cleanse")
    product = ProductLine("0", item, 2)
    assert product == ProductLine("0", item, 2)
    kit_args = ("1", "kit", "Kit", usd("3.00"), (Part(item, 2),), (Part(item, 1),), 1)
    kit = KitLine(*kit_args)
    assert kit == KitLine(*kit_args)
    routine_args = ("2", "routine", "Routine", (item,), (Tier(1, Decimal(5)),), 3)
    routine = RoutineLine(*routine_args)
    assert routine == RoutineLine(*routine_args)
    for built in (product, kit, routine):
        check_frozen_and_slotted(built)
    assert hash(kit) == hash(KitLine(*kit_args))


def test_inputs_are_frozen_and_slotted() -> None:
    item = Item("wash", "Wash", usd("1.00"), "cleanse")
    with pytest.raises(FrozenInstanceError):
        item.price = usd("0.01")  # type: ignore[misc]
    assert not hasattr(item, "__dict__")
