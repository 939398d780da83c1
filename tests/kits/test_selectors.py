"""The quote loaders (plain .values() rows) agree with the prefetched model path."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kits import selectors
from kits.models import Kit
from shop.catalog.models import Product
from shop.catalog.selectors import product_infos
from tests.factories import (
    KitComponentFactory,
    KitFactory,
    KitGiftFactory,
    ProductFactory,
    RoutineFactory,
    RoutineSlotFactory,
    RoutineTierFactory,
    StepFactory,
)

pytestmark = pytest.mark.django_db


def test_kit_infos_match_the_model_path(demo: None) -> None:
    loaded = selectors.kit_infos(slugs=["seven-piece-collection", "nope"])
    kit = selectors.kit_get(slug="seven-piece-collection")
    assert kit is not None
    assert list(loaded) == ["seven-piece-collection"]
    assert loaded["seven-piece-collection"] == selectors.kit_info_of(kit)


def test_kit_infos_keep_part_order_and_kits_without_parts(db: None) -> None:
    step = StepFactory(slug="cleanse", position=1)
    kit = KitFactory(slug="ordered")
    last = ProductFactory(slug="last", step=step)
    first = ProductFactory(slug="first", step=step)
    KitComponentFactory(kit=kit, product=last, position=2, quantity=3)
    KitComponentFactory(kit=kit, product=first, position=1)
    KitGiftFactory(kit=kit, product=last, position=0)
    KitFactory(slug="empty")
    loaded = selectors.kit_infos(slugs=["ordered", "empty"])
    assert [(p.product.slug, p.quantity) for p in loaded["ordered"].components] == [
        ("first", 1),
        ("last", 3),
    ]
    assert [p.product.slug for p in loaded["ordered"].gifts] == ["last"]
    assert loaded["empty"].components == () and loaded["empty"].gifts == ()
    assert loaded["ordered"].price == Decimal("50.00")


def test_routine_infos_match_the_model_path(demo: None) -> None:
    loaded = selectors.routine_infos(slugs=["three-steps-to-refined-pores"])
    routine = selectors.routine_get(slug="three-steps-to-refined-pores")
    assert routine is not None
    assert loaded["three-steps-to-refined-pores"] == selectors.routine_info_of(routine)


def test_routine_infos_carry_narrowed_products_and_tiers(db: None) -> None:
    cleanse = StepFactory(slug="cleanse", position=1)
    tone = StepFactory(slug="tone", position=2)
    a, b = ProductFactory(slug="a", step=cleanse), ProductFactory(slug="b", step=cleanse)
    routine = RoutineFactory(slug="r")
    RoutineSlotFactory(routine=routine, step=tone, position=1)
    RoutineSlotFactory(routine=routine, step=cleanse, position=0, products=[a, b])
    RoutineTierFactory(routine=routine, min_items=5, percent_off=Decimal("15"))
    RoutineTierFactory(routine=routine, min_items=2, percent_off=Decimal("12.50"))
    RoutineFactory(slug="bare")
    loaded = selectors.routine_infos(slugs=["r", "bare"])
    info = loaded["r"]
    assert [s.step for s in info.slots] == ["cleanse", "tone"]
    assert info.slots[0].products == frozenset({"a", "b"})
    assert info.slots[1].products is None
    assert [(t.min_items, t.percent_off) for t in info.tiers] == [
        (2, Decimal("12.50")),
        (5, Decimal("15.00")),
    ]
    assert loaded["bare"].slots == () and loaded["bare"].tiers == ()
    assert info == selectors.routine_info_of(selectors.routine_get(slug="r"))


def test_product_infos_include_inactive_products(demo: None) -> None:
    Product.objects.filter(slug="serum-prep").update(active=False)
    infos = product_infos(slugs=["serum-prep", "citrus-facial-wash", "nope"])
    assert set(infos) == {"serum-prep", "citrus-facial-wash"}
    assert infos["serum-prep"].active is False
    assert infos["citrus-facial-wash"].price == Decimal("22.00")
    assert infos["citrus-facial-wash"].step == "cleanse"


def test_inactive_kits_are_still_loaded_so_the_quote_can_say_why(demo: None) -> None:
    Kit.objects.update(active=False)
    assert (
        selectors.kit_infos(slugs=["seven-piece-collection"])["seven-piece-collection"].active
        is False
    )
