"""Kit figures and the routine builder's numbers, from the pricing service, on plain data."""

from __future__ import annotations

from decimal import Decimal

from kits.prices import kit_figures, routine_build, routine_preview
from kits.rules import ConflictInfo, KitInfo, PartInfo, RoutineInfo, SlotInfo, TierInfo
from shop.catalog.selectors import ProductInfo

_ids = iter(range(1, 10_000))


def product(slug: str, step: str, price: str, stock: int = 10, active: bool = True) -> ProductInfo:
    return ProductInfo(next(_ids), slug, slug.title(), Decimal(price), step, active, stock)


WASH = product("wash", "cleanse", "22.00")
CHEAP_WASH = product("cheap-wash", "cleanse", "20.00")
TONER = product("toner", "tone", "24.00")
RENEW = product("renew", "renew", "38.00")
RENEW2 = product("renew-two", "renew", "26.00")
PRIMER = product("primer", "prime", "24.00")
POWDER = product("powder", "powder", "22.00")
ALL = [WASH, CHEAP_WASH, TONER, RENEW, RENEW2, PRIMER, POWDER]
PRODUCTS = {p.slug: p for p in ALL}
ELIGIBLE = {
    step: [p for p in ALL if p.step == step]
    for step in ("cleanse", "tone", "renew", "prime", "powder")
}


def slot(step: str, required: bool, low: int, high: int) -> SlotInfo:
    return SlotInfo(step, step.title(), 0, required, low, high, step, "", None)


ROUTINE = RoutineInfo(
    1,
    "pores",
    "Pores",
    True,
    (
        slot("cleanse", True, 1, 1),
        slot("tone", True, 1, 1),
        slot("renew", True, 1, 2),
        slot("prime", False, 0, 1),
        slot("powder", False, 0, 1),
    ),
    (TierInfo(3, Decimal("10")), TierInfo(5, Decimal("15"))),
)


def build(**by_slot: list[str]):
    return routine_build(
        routine=ROUTINE,
        products=PRODUCTS,
        by_slot=by_slot,
        eligible=ELIGIBLE,
        ingredients={"toner": ["salicylic-acid"], "renew-two": ["glycolic-acid"]},
        conflicts=[
            ConflictInfo(
                "salicylic-acid",
                "Salicylic acid",
                "glycolic-acid",
                "Glycolic acid",
                "Two acids",
                "Alternate.",
            )
        ],
    )


def test_kit_figures_come_from_pricing_one_kit() -> None:
    kit = KitInfo(
        1,
        "duo",
        "Duo",
        Decimal("40.00"),
        True,
        (PartInfo(WASH, 1), PartInfo(TONER, 2)),
        (PartInfo(PRIMER, 1),),
    )
    figures = kit_figures(kit)
    assert (
        str(figures.price),
        str(figures.value),
        str(figures.savings),
        str(figures.gift_value),
    ) == (
        "40.00",
        "70.00",
        "30.00",
        "24.00",
    )
    assert (figures.stock, figures.available, figures.problem) == (5, True, None)
    assert figures.breakdown is not None and str(figures.breakdown.shipping) == "0.00"


def test_a_kit_priced_above_its_value_costs_its_value() -> None:
    kit = KitInfo(1, "dear", "Dear", Decimal("50.00"), True, (PartInfo(WASH, 1),), ())
    figures = kit_figures(kit)
    assert (str(figures.price), str(figures.value), str(figures.savings)) == (
        "22.00",
        "22.00",
        "0.00",
    )


def test_a_kit_without_components_has_no_figures_and_is_not_for_sale() -> None:
    figures = kit_figures(KitInfo(1, "empty", "Empty", Decimal("10.00"), True, (), ()))
    assert (str(figures.value), figures.stock, figures.available, figures.breakdown) == (
        "0.00",
        0,
        False,
        None,
    )
    assert figures.problem == "Empty has no products yet."


def test_nothing_chosen_has_no_price_and_points_at_the_first_tier() -> None:
    result = build()
    assert result.breakdown is None and result.tier is None
    assert result.next_tier is not None
    # The three required steps, cheapest first: 20 + 24 + 26 = 70.00, 10% = 7.00
    assert result.next_tier.message == (
        "Add 3 more products to reach 10% off and save at least $7.00 on the routine (for "
        "example Cheap-Wash ($20.00) and Toner ($24.00) and Renew-Two ($26.00))."
    )


def test_two_products_price_without_a_tier() -> None:
    result = build(cleanse=["wash"], tone=["toner"])
    assert result.tier is None
    assert str(result.breakdown.total) == "46.00"
    # The missing renew step comes first, then the cheapest: Renew-Two 26.00
    assert [p.slug for p in result.next_tier.additions] == ["renew-two"]
    assert str(result.next_tier.savings) == "7.20"  # 10% of 72.00
    assert [p.code for p in result.selection.problems] == ["missing"]


def test_the_tier_reached_is_read_from_the_breakdown() -> None:
    result = build(cleanse=["wash"], tone=["toner"], renew=["renew"])
    assert result.tier == TierInfo(3, Decimal("10"))
    assert str(result.breakdown.discount_total) == "8.40"
    assert result.next_tier.missing == 2
    assert [p.slug for p in result.next_tier.additions] == ["powder", "primer"]
    # 84 + 22 + 24 = 130.00; 15% = 19.50
    assert str(result.next_tier.savings) == "19.50"


def test_the_top_tier_has_no_next_tier() -> None:
    result = build(
        cleanse=["wash"], tone=["toner"], renew=["renew", "renew-two"], powder=["powder"]
    )
    assert result.tier == TierInfo(5, Decimal("15"))
    assert result.next_tier is None
    assert result.selection.valid


def test_no_hint_when_the_slots_cannot_hold_enough_products() -> None:
    small = RoutineInfo(
        2, "small", "Small", True, (slot("cleanse", True, 1, 1),), (TierInfo(2, Decimal("5")),)
    )
    result = routine_build(
        routine=small,
        products=PRODUCTS,
        by_slot={"cleanse": ["wash"]},
        eligible=ELIGIBLE,
        ingredients={},
        conflicts=[],
    )
    assert result.next_tier is None
    assert str(result.breakdown.total) == "22.00"


def test_conflicts_are_warned_and_the_selection_kept() -> None:
    result = build(cleanse=["wash"], tone=["toner"], renew=["renew-two"])
    assert [w.title for w in result.warnings] == ["Two acids"]
    assert [p.slug for p in result.selection.products] == ["wash", "toner", "renew-two"]


def test_the_admin_preview_takes_the_first_products_of_the_required_steps() -> None:
    result = routine_preview(routine=ROUTINE, eligible=ELIGIBLE)
    assert [p.slug for p in result.selection.products] == ["wash", "toner", "renew"]
    assert result.selection.valid
    assert result.tier == TierInfo(3, Decimal("10"))


def test_an_invalid_selection_claims_no_tier_and_is_priced_at_regular_prices() -> None:
    # Three renew products where two is the most: five products, but checkout would refuse it.
    third = product("renew-three", "renew", "30.00")
    result = routine_build(
        routine=ROUTINE,
        products={**PRODUCTS, third.slug: third},
        by_slot={"cleanse": ["wash"], "renew": ["renew", "renew-two", "renew-three"]},
        eligible={**ELIGIBLE, "renew": [RENEW, RENEW2, third]},
        ingredients={},
        conflicts=[],
    )
    assert [p.code for p in result.selection.problems] == ["missing", "too_many"]
    assert result.tier is None
    assert str(result.breakdown.discount_total) == "0.00"
    assert result.breakdown.total == result.breakdown.subtotal
    assert result.next_tier is None  # a broken rule is fixed by removing, not by adding


def test_an_incomplete_selection_claims_no_tier_but_still_hints() -> None:
    # Cleanse and two renew products: three products, but no toner yet.
    result = build(cleanse=["wash"], renew=["renew", "renew-two"])
    assert [p.code for p in result.selection.problems] == ["missing"]
    assert result.tier is None
    assert str(result.breakdown.total) == "86.00"
    assert result.next_tier is not None
    assert "toner" in [p.slug for p in result.next_tier.additions]
