"""What must always hold for kits and routines is enforced by the database, not only by forms."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from kits.models import IngredientConflict, KitComponent, KitGift, RoutineSlot, RoutineTier
from tests.factories import (
    IngredientConflictFactory,
    IngredientFactory,
    KitComponentFactory,
    KitFactory,
    ProductFactory,
    RoutineFactory,
    RoutineSlotFactory,
    RoutineTierFactory,
    StepFactory,
)

pytestmark = pytest.mark.django_db


def violates(make: Any) -> bool:
    try:
        with transaction.atomic():
            make()
    except IntegrityError:
        return True
    return False


def test_kit_price_cannot_be_negative() -> None:
    assert violates(lambda: KitFactory(price_amount=Decimal("-0.01")))
    assert not violates(lambda: KitFactory(price_amount=Decimal("0.00")))


@pytest.mark.parametrize("model", [KitComponent, KitGift])
def test_kit_parts_need_a_quantity_from_1_to_99(model: Any) -> None:
    kit = KitFactory()
    product = ProductFactory()
    assert violates(lambda: model.objects.create(kit=kit, product=product, quantity=0))
    assert violates(lambda: model.objects.create(kit=kit, product=product, quantity=100))
    model.objects.create(kit=kit, product=product, quantity=99)


@pytest.mark.parametrize("model", [KitComponent, KitGift])
def test_a_product_is_listed_once_per_kit(model: Any) -> None:
    kit = KitFactory()
    product = ProductFactory()
    model.objects.create(kit=kit, product=product, quantity=1)
    assert violates(lambda: model.objects.create(kit=kit, product=product, quantity=2))
    model.objects.create(kit=KitFactory(), product=product, quantity=1)


def test_a_product_can_be_both_component_and_gift_of_one_kit() -> None:
    component = KitComponentFactory()
    KitGift.objects.create(kit=component.kit, product=component.product, quantity=1)


def test_slot_min_cannot_exceed_max_and_required_slots_need_one() -> None:
    routine = RoutineFactory()
    cleanse = StepFactory(slug="cleanse", position=1)
    assert violates(
        lambda: RoutineSlot.objects.create(routine=routine, step=cleanse, min_items=2, max_items=1)
    )
    assert violates(
        lambda: RoutineSlot.objects.create(
            routine=routine, step=cleanse, required=True, min_items=0, max_items=1
        )
    )
    assert violates(
        lambda: RoutineSlot.objects.create(
            routine=routine, step=cleanse, required=False, min_items=0, max_items=0
        )
    )
    RoutineSlot.objects.create(routine=routine, step=cleanse, required=False, min_items=0)


def test_one_slot_per_step_in_a_routine() -> None:
    slot = RoutineSlotFactory()
    assert violates(lambda: RoutineSlot.objects.create(routine=slot.routine, step=slot.step))
    RoutineSlotFactory(step=slot.step)  # another routine may use the step


def test_slot_clean_explains_min_and_max() -> None:
    slot = RoutineSlotFactory.build(
        routine=RoutineFactory(),
        step=StepFactory(slug="tone", position=2),
        min_items=3,
        max_items=2,
    )
    with pytest.raises(ValidationError) as caught:
        slot.full_clean()
    assert "Min cannot be more than max." in caught.value.message_dict["min_items"]


@pytest.mark.parametrize(
    ("percent", "ok"),
    [("0", False), ("-5", False), ("0.01", True), ("100", True), ("100.01", False)],
)
def test_tier_percent_is_more_than_0_and_at_most_100(percent: str, ok: bool) -> None:
    routine = RoutineFactory()
    make = lambda: RoutineTier.objects.create(  # noqa: E731
        routine=routine, min_items=3, percent_off=Decimal(percent)
    )
    assert violates(make) is not ok


def test_one_tier_per_minimum_in_a_routine() -> None:
    tier = RoutineTierFactory(min_items=3)
    assert violates(lambda: RoutineTierFactory(routine=tier.routine, min_items=3))
    RoutineTierFactory(routine=tier.routine, min_items=5)


def test_a_conflict_needs_two_different_ingredients() -> None:
    acid = IngredientFactory()
    assert violates(lambda: IngredientConflictFactory(first=acid, second=acid))
    conflict = IngredientConflict(first=acid, second=acid, title="x", explanation="y")
    with pytest.raises(ValidationError):
        conflict.full_clean()


def test_a_pair_has_one_conflict_whichever_way_round() -> None:
    salicylic, glycolic = IngredientFactory(), IngredientFactory()
    IngredientConflictFactory(first=salicylic, second=glycolic)
    assert violates(lambda: IngredientConflictFactory(first=glycolic, second=salicylic))
    reversed_pair = IngredientConflict(
        first=glycolic, second=salicylic, title="Again", explanation="Again"
    )
    with pytest.raises(ValidationError) as caught:
        reversed_pair.full_clean()
    assert "already have a conflict rule" in str(caught.value)


def test_deleting_a_kit_removes_its_parts_but_products_are_protected() -> None:
    component = KitComponentFactory()
    with pytest.raises(Exception, match="protected"), transaction.atomic():
        component.product.delete()
    component.kit.delete()
    assert not KitComponent.objects.exists()
