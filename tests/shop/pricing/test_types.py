"""The output types: fast constructors build equal objects, frozen and slotted like the rest."""

from dataclasses import FrozenInstanceError, fields

import pytest

from shop.pricing import Adjustment, ComponentShare, Item, PricedLine
from shop.pricing.build import new_adjustment, new_component_share, new_priced_line
from tests.shop.pricing.builders import usd


def test_fast_constructors_build_the_same_objects_as_the_dataclasses() -> None:
    money = usd("1.00")
    adjustment = new_adjustment("promo", "TEN", "TEN: 10% off", money)
    assert adjustment == Adjustment("promo", "TEN", "TEN: 10% off", money)
    share = new_component_share("wash", 2, money, False, (money, usd("0")))
    assert share == ComponentShare("wash", 2, money, False, (money, usd("0")))
    args = ("a", "product", "wash", "Wash", 1, money, money, (adjustment,), money, (share,), False)
    line = new_priced_line(*args)
    assert line == PricedLine(*args)
    for built in (adjustment, share, line):
        assert all(hasattr(built, field.name) for field in fields(built))
        with pytest.raises(FrozenInstanceError):
            setattr(built, fields(built)[0].name, "changed")
        assert not hasattr(built, "__dict__")
    assert hash(line) == hash(PricedLine(*args))


def test_inputs_are_frozen_and_slotted() -> None:
    item = Item("wash", "Wash", usd("1.00"), "cleanse")
    with pytest.raises(FrozenInstanceError):
        item.price = usd("0.01")  # type: ignore[misc]
    assert not hasattr(item, "__dict__")
