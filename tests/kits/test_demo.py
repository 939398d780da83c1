"""The demo kits reproduce the brand's figures exactly, and loading twice changes nothing."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from kits.models import IngredientConflict, Kit, KitComponent, KitGift, Routine, RoutineTier

pytestmark = pytest.mark.django_db


def test_the_seven_piece_collection_is_95_for_180_with_two_gifts(demo: None) -> None:
    kit = Kit.objects.get(slug="seven-piece-collection")
    assert kit.price_amount == Decimal("95.00")
    components = KitComponent.objects.filter(kit=kit).select_related("product")
    assert [c.product.name for c in components] == [
        "Citrus Facial Wash",
        "Pore Refining Acne Cleanser",
        "Face Firming Toner",
        "Skin Clear Toner",
        "Advanced Face Firming",
        "Ceramic Skin Smoother",
        "Enlarged Pore treatment",
    ]
    assert sum(c.product.price_amount * c.quantity for c in components) == Decimal("180.00")
    gifts = KitGift.objects.filter(kit=kit).select_related("product")
    assert [g.product.name for g in gifts] == ["Serum Prep", "High Potency Eye treatment"]


def test_the_routine_has_three_required_and_three_optional_steps(demo: None) -> None:
    routine = Routine.objects.get(slug="three-steps-to-refined-pores")
    assert routine.name == "Three steps to refined pores"
    slots = [(s.step.slug, s.required, s.min_items, s.max_items) for s in routine.slots.all()]
    assert slots == [
        ("cleanse", True, 1, 1),
        ("tone", True, 1, 1),
        ("renew", True, 1, 2),
        ("prime", False, 0, 1),
        ("foundation", False, 0, 1),
        ("powder", False, 0, 1),
    ]
    tiers = [(t.min_items, t.percent_off) for t in RoutineTier.objects.filter(routine=routine)]
    assert tiers == [(3, Decimal("10.00")), (5, Decimal("15.00"))]


def test_the_conflict_table_has_the_three_pairs(demo: None) -> None:
    pairs = {
        frozenset((c.first.slug, c.second.slug)): c.title
        for c in IngredientConflict.objects.select_related("first", "second")
    }
    assert pairs == {
        frozenset({"salicylic-acid", "glycolic-acid"}): "Two exfoliating acids",
        frozenset({"retinol", "benzoyl-peroxide"}): "Retinol with benzoyl peroxide",
        frozenset({"retinol", "glycolic-acid"}): "Retinol with an exfoliating acid",
    }


def test_loading_twice_changes_nothing_and_keeps_edits(demo: None) -> None:
    Kit.objects.filter(slug="seven-piece-collection").update(price_amount=Decimal("89.00"))
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    assert "kits.demo: created 0 kits, 0 routines, 0 ingredient conflicts" in out.getvalue()
    assert Kit.objects.get().price_amount == Decimal("89.00")
    assert Routine.objects.count() == 1
    assert IngredientConflict.objects.count() == 3
