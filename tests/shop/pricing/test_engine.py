"""Worked examples of the pricing rules, one behaviour per test, in the contract's step order."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from shop.pricing import (
    Breakdown,
    KitLine,
    Money,
    Part,
    PricedLine,
    PricingError,
    PricingRequest,
    ProductLine,
    ShippingPolicy,
    Tier,
    UnknownCode,
    price,
)
from tests.shop.pricing.builders import (
    ACNE_CLEANSER,
    ADVANCED_FIRMING,
    CITRUS_WASH,
    CLEAR_TONER,
    EYE_TREATMENT,
    FIRMING_TONER,
    FOUNDATION,
    NOW,
    PORE_TREATMENT,
    POWDER,
    PRIMER,
    SERUM_PREP,
    SKIN_SMOOTHER,
    item,
    product,
    promo,
    request,
    routine,
    seven_piece,
    usd,
)


def totals(breakdown: Breakdown) -> dict[str, str]:
    data = breakdown.to_dict()
    keys = ("subtotal", "discount_total", "shipping", "total", "value", "savings")
    return {key: data[key] for key in keys}


def line_of(breakdown: Breakdown, line_id: str) -> PricedLine:
    return next(line for line in breakdown.lines if line.id == line_id)


def adjustments(line: PricedLine) -> list[tuple[str, str, str, str]]:
    return [(a.source, a.rule, a.label, str(a.amount)) for a in line.adjustments]


def applied(breakdown: Breakdown) -> list[tuple[str, str, str, str]]:
    return [(a.source, a.rule, a.label, str(a.amount)) for a in breakdown.applied]


def rejected(breakdown: Breakdown) -> list[tuple[str, str, str, str]]:
    return [(r.source, r.rule, r.code, r.reason) for r in breakdown.rejected]


def allocated(line: PricedLine) -> dict[str, str]:
    return {share.product: str(share.allocated) for share in line.components}


# -- step 1 and 2: regular prices and bundles -------------------------------------------------


def test_seven_piece_collection_costs_95_for_a_180_value_plus_244_with_gifts() -> None:
    breakdown = price(request(seven_piece()))

    kit = breakdown.lines[0]
    assert (kit.kind, kit.ref, kit.quantity) == ("kit", "seven-piece-collection", 1)
    assert (str(kit.unit_price), str(kit.subtotal), str(kit.total)) == ("180.00", "180.00", "95.00")
    assert adjustments(kit) == [
        ("bundle", "seven-piece-collection", "The seven-piece collection price", "85.00")
    ]
    assert totals(breakdown) == {
        "subtotal": "180.00",
        "discount_total": "85.00",
        "shipping": "0.00",
        "total": "95.00",
        "value": "244.00",
        "savings": "149.00",
    }
    assert applied(breakdown) == [
        ("bundle", "seven-piece-collection", "The seven-piece collection price", "85.00"),
        ("shipping", "free_shipping_over", "Free shipping over $50.00", "5.00"),
    ]
    assert breakdown.rejected == ()


def test_seven_piece_total_is_allocated_to_components_by_regular_price() -> None:
    kit = price(request(seven_piece())).lines[0]
    # 95.00 x price / 180.00, floored; the three leftover cents go to the largest remainders
    # (.78 ceramic, .67 face toner, then .56 ties: "advanced-..." sorts before "pore-...").
    assert allocated(kit) == {
        "citrus-facial-wash": "11.61",
        "pore-refining-acne-cleanser": "10.55",
        "face-firming-toner": "12.67",
        "skin-clear-toner": "11.61",
        "advanced-face-firming": "20.06",
        "ceramic-skin-smoother": "14.78",
        "enlarged-pore-treatment": "13.72",
        "serum-prep": "0.00",
        "high-potency-eye-treatment": "0.00",
    }
    gifts = [share.product for share in kit.components if share.gift]
    assert gifts == ["serum-prep", "high-potency-eye-treatment"]
    assert sum(share.allocated.cents for share in kit.components) == 9500


def test_kit_quantity_multiplies_components_gifts_and_value() -> None:
    breakdown = price(request(seven_piece(quantity=2)))
    kit = breakdown.lines[0]
    assert (str(kit.unit_price), str(kit.subtotal), str(kit.total)) == (
        "180.00",
        "360.00",
        "190.00",
    )
    assert adjustments(kit)[0][3] == "170.00"
    assert str(breakdown.value) == "488.00"
    wash = kit.components[0]
    assert (wash.quantity, str(wash.allocated)) == (2, "23.22")
    assert [str(unit) for unit in wash.unit_allocations] == ["11.61", "11.61"]
    gift = kit.components[-1]
    assert (gift.quantity, gift.gift, [str(u) for u in gift.unit_allocations]) == (
        2,
        True,
        ["0.00", "0.00"],
    )


def test_kit_priced_at_or_above_its_value_gets_no_bundle_adjustment() -> None:
    breakdown = price(request(seven_piece(price="180.00"), seven_piece("dear", price="200.00")))
    assert [line.adjustments for line in breakdown.lines] == [(), ()]
    assert str(breakdown.total) == "360.00"


def test_product_line_is_its_own_single_component() -> None:
    line = price(request(product("p", PRIMER, 3))).lines[0]
    assert (str(line.unit_price), str(line.subtotal), str(line.total)) == (
        "24.00",
        "72.00",
        "72.00",
    )
    assert [(c.product, c.quantity, str(c.allocated), c.gift) for c in line.components] == [
        ("foundation-primer", 3, "72.00", False)
    ]
    assert [str(unit) for unit in line.components[0].unit_allocations] == ["24.00"] * 3


def test_unit_allocations_spread_odd_cents_over_the_first_units() -> None:
    # 3 x 5.00 with 5.00 off leaves 10.00 for three units.
    breakdown = price(
        request(
            product("p", item("mini", "5.00", "extra"), 3), promos=[promo("FIVE", "amount", "5")]
        )
    )
    share = breakdown.lines[0].components[0]
    assert str(share.allocated) == "10.00"
    assert [str(unit) for unit in share.unit_allocations] == ["3.34", "3.33", "3.33"]


TIERS_SELECTIONS = [CITRUS_WASH, FIRMING_TONER, ADVANCED_FIRMING, PRIMER, POWDER]


@pytest.mark.parametrize(
    ("count", "adjustment", "hint"),
    [
        (1, None, ("pore-routine:3", "Add 2 more products to reach 10% off")),
        (2, None, ("pore-routine:3", "Add 1 more product to reach 10% off")),
        (
            3,
            ("pore-routine:3", "Routine 10% off (3+ products)", "8.40"),
            ("pore-routine:5", "Add 2 more products to reach 15% off"),
        ),
        (
            4,
            ("pore-routine:3", "Routine 10% off (3+ products)", "10.80"),
            ("pore-routine:5", "Add 1 more product to reach 15% off"),
        ),
        (5, ("pore-routine:5", "Routine 15% off (5+ products)", "18.90"), None),
    ],
)
def test_routine_takes_its_highest_reached_tier_and_hints_at_the_next(
    count: int, adjustment: tuple[str, str, str] | None, hint: tuple[str, str] | None
) -> None:
    breakdown = price(request(routine("r", TIERS_SELECTIONS[:count])))
    line = breakdown.lines[0]
    assert line.kind == "routine"
    assert adjustments(line) == ([("bundle", *adjustment)] if adjustment else [])
    assert rejected(breakdown) == (
        [("bundle", hint[0], "tier_not_reached", hint[1])] if hint else []
    )
    assert [share.product for share in line.components] == [
        selection.slug for selection in TIERS_SELECTIONS[:count]
    ]


def test_routine_without_tiers_has_no_adjustment_and_no_hint() -> None:
    breakdown = price(request(routine("r", [CITRUS_WASH, FIRMING_TONER], tiers=())))
    assert breakdown.lines[0].adjustments == ()
    assert breakdown.rejected == ()


def test_routine_tiers_may_come_in_any_order() -> None:
    tiers = (Tier(5, Decimal(15)), Tier(3, Decimal(10)), Tier(1, Decimal(5)))
    breakdown = price(request(routine("r", TIERS_SELECTIONS[:3], tiers=tiers)))
    assert adjustments(breakdown.lines[0])[0][1] == "pore-routine:3"
    assert rejected(breakdown)[0][1] == "pore-routine:5"


def test_routine_percent_rounds_half_up_at_half_a_cent() -> None:
    selections = [
        item("a", "4.05", "cleanse"),
        item("b", "4.10", "tone"),
        item("c", "4.10", "renew"),
    ]
    line = price(request(routine("r", selections))).lines[0]
    assert str(line.subtotal) == "12.25"
    assert adjustments(line)[0][3] == "1.23"  # 10 % of 12.25 is 1.225
    assert str(line.total) == "11.02"


def test_routine_quantity_multiplies_the_subtotal_before_the_percentage() -> None:
    selections = [
        item("a", "4.05", "cleanse"),
        item("b", "4.10", "tone"),
        item("c", "4.10", "renew"),
    ]
    line = price(request(routine("r", selections, quantity=3))).lines[0]
    assert (str(line.unit_price), str(line.subtotal)) == ("12.25", "36.75")
    assert adjustments(line)[0][3] == "3.68"  # 3.675 rounds up
    assert [c.quantity for c in line.components] == [3, 3, 3]


def test_two_lines_of_one_kit_add_up_in_applied() -> None:
    breakdown = price(request(seven_piece("a"), seven_piece("b", quantity=2)))
    assert applied(breakdown)[0] == (
        "bundle",
        "seven-piece-collection",
        "The seven-piece collection price",
        "255.00",
    )


# -- step 3: promo codes ----------------------------------------------------------------------


def test_percent_code_takes_its_percentage_of_eligible_lines() -> None:
    breakdown = price(request(product("a", FOUNDATION), promos=[promo("PORES15", value="15")]))
    assert adjustments(breakdown.lines[0]) == [("promo", "PORES15", "PORES15: 15% off", "4.80")]
    assert totals(breakdown)["total"] == "32.20"  # 27.20 + 5.00 shipping


def test_percent_code_rounds_half_up_at_half_a_cent() -> None:
    breakdown = price(
        request(product("a", item("x", "12.25", "extra")), promos=[promo("T", value="10")])
    )
    assert adjustments(breakdown.lines[0])[0][3] == "1.23"


def test_percent_code_applies_after_bundles() -> None:
    breakdown = price(request(seven_piece(), promos=[promo("PORES15", value="15")]))
    kit = breakdown.lines[0]
    assert [a[3] for a in adjustments(kit)] == ["85.00", "14.25"]
    assert str(kit.total) == "80.75"
    assert str(breakdown.discount_total) == "99.25"


def test_percent_code_is_allocated_over_lines_by_largest_remainder_with_id_ties() -> None:
    lines = [product(i, item(f"p{i}", "10.00", "extra")) for i in ("c", "a", "b")]
    breakdown = price(request(*lines, promos=[promo("THIRD", "amount", "10")]))
    assert {line.id: adjustments(line)[0][3] for line in breakdown.lines} == {
        "a": "3.34",
        "b": "3.33",
        "c": "3.33",
    }
    assert [line.id for line in breakdown.lines] == ["c", "a", "b"]
    assert applied(breakdown)[0] == ("promo", "THIRD", "THIRD: $10.00 off", "10.00")


def test_amount_code_takes_its_amount() -> None:
    breakdown = price(
        request(product("a", FOUNDATION), promos=[promo("WELCOME10", "amount", "10")])
    )
    assert adjustments(breakdown.lines[0]) == [
        ("promo", "WELCOME10", "WELCOME10: $10.00 off", "10.00")
    ]
    assert totals(breakdown)["total"] == "27.00"


def test_amount_code_larger_than_the_cart_brings_merchandise_to_zero() -> None:
    breakdown = price(
        request(product("a", POWDER), product("b", PRIMER), promos=[promo("BIG", "amount", "100")])
    )
    assert [str(line.total) for line in breakdown.lines] == ["0.00", "0.00"]
    assert totals(breakdown) == {
        "subtotal": "42.00",
        "discount_total": "42.00",
        "shipping": "5.00",
        "total": "5.00",
        "value": "42.00",
        "savings": "42.00",
    }
    assert applied(breakdown) == [("promo", "BIG", "BIG: $100.00 off", "42.00")]
    assert all(share.allocated.is_zero for line in breakdown.lines for share in line.components)


def test_free_shipping_code_waives_shipping() -> None:
    breakdown = price(request(product("a", POWDER), promos=[promo("SHIPFREE", "free_shipping")]))
    assert totals(breakdown)["shipping"] == "0.00"
    assert totals(breakdown)["total"] == "18.00"
    assert applied(breakdown) == [("shipping", "SHIPFREE", "Free shipping (SHIPFREE)", "5.00")]


def test_free_shipping_code_takes_the_waiver_even_over_the_threshold() -> None:
    breakdown = price(request(seven_piece(), promos=[promo("SHIPFREE", "free_shipping")]))
    assert applied(breakdown)[-1] == ("shipping", "SHIPFREE", "Free shipping (SHIPFREE)", "5.00")
    assert len([entry for entry in applied(breakdown) if entry[0] == "shipping"]) == 1


def test_a_second_free_shipping_code_has_nothing_left_to_waive() -> None:
    codes = [
        promo("SHIP1", "free_shipping", combinable=True),
        promo("SHIP2", "free_shipping", combinable=True),
    ]
    breakdown = price(request(product("a", POWDER), promos=codes))
    assert applied(breakdown) == [("shipping", "SHIP1", "Free shipping (SHIP1)", "5.00")]
    assert rejected(breakdown) == [
        ("promo", "SHIP2", "promo_not_applicable", "Shipping is already free with SHIP1.")
    ]


def test_gift_code_adds_a_free_gift_line_and_its_value() -> None:
    breakdown = price(
        request(product("a", FOUNDATION), promos=[promo("GLOW", "gift", gift=SERUM_PREP)])
    )
    assert [line.id for line in breakdown.lines] == ["a", "gift:GLOW"]
    assert breakdown.to_dict()["lines"][1] == {
        "id": "gift:GLOW",
        "kind": "product",
        "ref": "serum-prep",
        "name": "Serum Prep",
        "quantity": 1,
        "unit_price": "0.00",
        "subtotal": "0.00",
        "adjustments": [],
        "total": "0.00",
        "components": [{"product": "serum-prep", "quantity": 1, "allocated": "0.00", "gift": True}],
        "gift": True,
    }
    assert applied(breakdown) == [("promo", "GLOW", "Free gift: Serum Prep", "0.00")]
    assert totals(breakdown) == {
        "subtotal": "32.00",
        "discount_total": "0.00",
        "shipping": "5.00",
        "total": "37.00",
        "value": "62.00",
        "savings": "30.00",
    }


def test_kit_gifts_and_gift_code_both_count_in_value() -> None:
    breakdown = price(request(seven_piece(), promos=[promo("EYES", "gift", gift=EYE_TREATMENT)]))
    assert str(breakdown.value) == "278.00"  # 180 + 30 + 34 + 34
    assert str(breakdown.savings) == "183.00"


def test_combinable_codes_apply_in_sequence_on_reduced_totals() -> None:
    item_100 = item("big", "100.00", "extra")
    codes = [
        promo("TEN", value="10", combinable=True),
        promo("TWENTY", value="20", combinable=True),
    ]
    breakdown = price(request(product("a", item_100), promos=codes))
    assert [a[3] for a in adjustments(breakdown.lines[0])] == ["10.00", "18.00"]
    assert str(breakdown.total) == "72.00"
    assert [entry[1] for entry in applied(breakdown)] == ["TEN", "TWENTY", "free_shipping_over"]


def test_combinable_amount_then_percent_and_free_shipping_stack() -> None:
    codes = [
        promo("FIVE", "amount", "5", combinable=True),
        promo("TEN", value="10", combinable=True),
        promo("SHIP", "free_shipping", combinable=True),
    ]
    breakdown = price(request(product("a", FOUNDATION), promos=codes))
    assert [a[3] for a in adjustments(breakdown.lines[0])] == ["5.00", "2.70"]
    assert totals(breakdown)["total"] == "24.30"
    assert breakdown.rejected == ()


@pytest.mark.parametrize(
    ("first", "second", "reason"),
    [
        (False, False, "SECOND can't be combined with other codes."),
        (False, True, "SECOND can't be combined with FIRST."),
        (True, False, "SECOND can't be combined with other codes."),
    ],
)
def test_a_second_code_is_refused_unless_both_are_combinable(
    first: bool, second: bool, reason: str
) -> None:
    codes = [
        promo("FIRST", value="10", combinable=first),
        promo("SECOND", value="20", combinable=second),
    ]
    breakdown = price(request(product("a", FOUNDATION), promos=codes))
    assert adjustments(breakdown.lines[0]) == [("promo", "FIRST", "FIRST: 10% off", "3.20")]
    assert rejected(breakdown) == [("promo", "SECOND", "promo_not_combinable", reason)]


def test_a_rejected_code_does_not_block_the_next_one() -> None:
    codes = [promo("OLD", value="50", ends_at=NOW), promo("NEW", value="10")]
    breakdown = price(request(product("a", FOUNDATION), promos=codes))
    assert [a[1] for a in adjustments(breakdown.lines[0])] == ["NEW"]
    assert [r[2] for r in rejected(breakdown)] == ["promo_expired"]


def test_a_code_given_twice_counts_once() -> None:
    code = promo("TEN", value="10", combinable=True)
    breakdown = price(request(product("a", FOUNDATION), promos=[code, code, UnknownCode(" ten ")]))
    assert [a[3] for a in adjustments(breakdown.lines[0])] == ["3.20"]
    assert breakdown.rejected == ()


REJECTIONS: list[tuple[str, Any, str, str]] = [
    ("unknown", UnknownCode("NOPE"), "promo_not_found", "NOPE isn't a valid promo code."),
    (
        "inactive",
        promo("OFF", value="10", active=False),
        "promo_not_found",
        "OFF isn't a valid promo code.",
    ),
    (
        "not started",
        promo("SOON", value="10", starts_at=NOW + timedelta(seconds=1)),
        "promo_not_started",
        "SOON can't be used before 2026-03-01.",
    ),
    ("expired", promo("OLD", value="10", ends_at=NOW), "promo_expired", "OLD has expired."),
    (
        "exhausted",
        promo("GONE", value="10", usage_limit=100, uses=100),
        "promo_exhausted",
        "GONE has been fully redeemed.",
    ),
    (
        "customer limit",
        promo("ONCE", value="10", per_customer_limit=1, customer_uses=1),
        "promo_customer_limit",
        "You've already used ONCE as many times as it allows.",
    ),
    (
        "out of scope",
        promo("POWDER", value="10", steps=frozenset({"powder"})),
        "promo_not_applicable",
        "POWDER doesn't apply to anything in your cart.",
    ),
    (
        "min subtotal",
        promo("PORES15", value="15", min_subtotal=usd("44.60")),
        "promo_min_subtotal",
        "Spend $12.50 more to use PORES15.",
    ),
    (
        "nothing left",
        promo("TINY", value="1", products=frozenset({"tiny"})),
        "promo_not_applicable",
        "There is nothing left in your cart for TINY to take off.",
    ),
]


@pytest.mark.parametrize(
    ("code", "why", "reason"),
    [case[1:] for case in REJECTIONS],
    ids=[case[0] for case in REJECTIONS],
)
def test_every_rejection_code(code: Any, why: str, reason: str) -> None:
    cart = [product("a", FOUNDATION), product("tiny", item("tiny", "0.10", "extra"))]
    breakdown = price(request(*cart, promos=[code]))
    assert rejected(breakdown) == [("promo", code.code, why, reason)]
    assert str(breakdown.discount_total) == "0.00"
    assert [entry for entry in applied(breakdown) if entry[0] == "promo"] == []


def test_validity_window_starts_inclusive_and_ends_exclusive() -> None:
    code = promo("NOW", value="10", starts_at=NOW, ends_at=NOW + timedelta(microseconds=1))
    breakdown = price(request(product("a", FOUNDATION), promos=[code]))
    assert breakdown.rejected == ()
    assert str(breakdown.discount_total) == "3.20"


def test_limits_below_their_count_still_apply() -> None:
    code = promo(
        "LIMITED", value="10", usage_limit=5, uses=4, per_customer_limit=2, customer_uses=1
    )
    assert price(request(product("a", FOUNDATION), promos=[code])).rejected == ()


def test_checks_run_in_the_contract_order() -> None:
    # Expired and exhausted and out of scope: the first failing check names the reason.
    code = promo("MANY", value="10", ends_at=NOW, usage_limit=1, uses=1, products=frozenset({"x"}))
    assert (
        rejected(price(request(product("a", FOUNDATION), promos=[code])))[0][2] == "promo_expired"
    )


def test_min_subtotal_is_checked_after_bundles_and_at_the_exact_amount() -> None:
    at_95 = promo("KIT95", value="10", min_subtotal=usd("95.00"))
    assert price(request(seven_piece(), promos=[at_95])).rejected == ()
    above = promo("KIT96", value="10", min_subtotal=usd("95.01"))
    assert rejected(price(request(seven_piece(), promos=[above]))) == [
        ("promo", "KIT96", "promo_min_subtotal", "Spend $0.01 more to use KIT96.")
    ]


def test_min_subtotal_ignores_earlier_codes() -> None:
    codes = [
        promo("FIRST", "amount", "20", combinable=True),
        promo("SECOND", value="10", combinable=True, min_subtotal=usd("32.00")),
    ]
    breakdown = price(request(product("a", FOUNDATION), promos=codes))
    assert breakdown.rejected == ()
    assert [a[3] for a in adjustments(breakdown.lines[0])] == ["20.00", "1.20"]


def test_min_subtotal_reason_uses_the_currency_code_without_a_symbol() -> None:
    chf_item = replace(FOUNDATION, price=Money.of("32.00", "CHF"))
    code = promo("MORE", value="10", min_subtotal=chf_item.price * 2)
    cart = PricingRequest(
        "CHF",
        (ProductLine("a", chf_item, 1),),
        ShippingPolicy(chf_item.price * 0, None),
        NOW,
        (code,),
    )
    assert rejected(price(cart))[0][3] == "Spend CHF 32.00 more to use MORE."


# -- promo scope --------------------------------------------------------------------------------

SCOPE_CART = (
    product("wash", CITRUS_WASH),
    product("toner", CLEAR_TONER),
    seven_piece("kit"),
    routine("routine", [ACNE_CLEANSER, FIRMING_TONER, SKIN_SMOOTHER]),
)


@pytest.mark.parametrize(
    ("options", "discounted"),
    [
        ({}, ["wash", "toner", "kit", "routine"]),
        ({"products": frozenset({"citrus-facial-wash"})}, ["wash"]),
        ({"steps": frozenset({"tone"})}, ["toner"]),
        (
            {"products": frozenset({"citrus-facial-wash"}), "steps": frozenset({"tone"})},
            ["wash", "toner"],
        ),
        ({"kits": frozenset({"seven-piece-collection"})}, ["kit"]),
        ({"kits": frozenset({"pore-routine"})}, ["routine"]),
        ({"applies_to_bundles": False}, ["wash", "toner"]),
        (
            {"kits": frozenset({"seven-piece-collection"}), "steps": frozenset({"cleanse"})},
            ["wash", "kit"],
        ),
        # A kit containing a cleanser is not in a step scope: only product lines are.
        ({"steps": frozenset({"cleanse", "renew"})}, ["wash"]),
    ],
)
def test_scope_by_product_step_and_kit(options: dict[str, Any], discounted: list[str]) -> None:
    breakdown = price(request(*SCOPE_CART, promos=[promo("SCOPE", value="10", **options)]))
    touched = [
        line.id for line in breakdown.lines if any(a.source == "promo" for a in line.adjustments)
    ]
    assert touched == discounted


def test_percent_of_scoped_lines_uses_their_post_bundle_totals() -> None:
    breakdown = price(
        request(
            *SCOPE_CART,
            promos=[
                promo(
                    "KITS", value="10", kits=frozenset({"seven-piece-collection", "pore-routine"})
                )
            ],
        )
    )
    # kit 95.00 -> 9.50; routine 72.00 - 7.20 = 64.80 -> 6.48
    assert adjustments(line_of(breakdown, "kit"))[-1][3] == "9.50"
    assert adjustments(line_of(breakdown, "routine"))[-1][3] == "6.48"
    assert applied(breakdown)[-2] == ("promo", "KITS", "KITS: 10% off", "15.98")


def test_bundles_only_cart_refuses_a_code_that_skips_bundles() -> None:
    breakdown = price(
        request(seven_piece(), promos=[promo("NOBUNDLE", value="10", applies_to_bundles=False)])
    )
    assert rejected(breakdown) == [
        ("promo", "NOBUNDLE", "promo_not_applicable", "NOBUNDLE can't be used on kits or routines.")
    ]


@pytest.mark.parametrize("kind", ["free_shipping", "gift"])
def test_free_shipping_and_gift_codes_need_an_eligible_line(kind: str) -> None:
    code = promo("X", kind, gift=SERUM_PREP, products=frozenset({"nothing-here"}))
    breakdown = price(request(product("a", POWDER), promos=[code]))
    assert [r[2] for r in rejected(breakdown)] == ["promo_not_applicable"]
    assert [line.id for line in breakdown.lines] == ["a"]
    assert str(breakdown.shipping) == "5.00"


# -- step 4: shipping ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "shipping", "total"),
    [("50.00", "0.00", "50.00"), ("49.99", "5.00", "54.99"), ("50.01", "0.00", "50.01")],
)
def test_free_shipping_threshold_is_inclusive(amount: str, shipping: str, total: str) -> None:
    breakdown = price(request(product("a", item("x", amount, "extra"))))
    assert (str(breakdown.shipping), str(breakdown.total)) == (shipping, total)
    waived = [entry for entry in applied(breakdown) if entry[0] == "shipping"]
    assert waived == (
        [("shipping", "free_shipping_over", "Free shipping over $50.00", "5.00")]
        if shipping == "0.00"
        else []
    )


def test_threshold_uses_the_total_after_discounts() -> None:
    breakdown = price(
        request(product("a", item("x", "55.00", "extra")), promos=[promo("TEN", value="10")])
    )
    assert (str(breakdown.shipping), str(breakdown.total)) == ("5.00", "54.50")


def test_no_threshold_means_always_flat_shipping() -> None:
    policy = ShippingPolicy(usd("7.50"), None)
    breakdown = price(request(seven_piece(), shipping=policy))
    assert (str(breakdown.shipping), str(breakdown.total)) == ("7.50", "102.50")


def test_zero_flat_rate_lists_no_threshold_waiver() -> None:
    breakdown = price(request(seven_piece(), shipping=ShippingPolicy(usd("0"), usd("50"))))
    assert [entry[0] for entry in applied(breakdown)] == ["bundle"]


def test_empty_cart_costs_nothing_and_ships_nothing() -> None:
    breakdown = price(request(promos=[promo("TEN", value="10")]))
    assert set(totals(breakdown).values()) == {"0.00"}
    assert breakdown.lines == ()
    assert [r[2] for r in rejected(breakdown)] == ["promo_not_applicable"]


# -- the whole breakdown ------------------------------------------------------------------------


def test_quote_dict_has_exactly_the_contract_shape_and_round_trips() -> None:
    cart = request(
        seven_piece(),
        routine("r", [CITRUS_WASH, FIRMING_TONER]),
        product("p", PORE_TREATMENT, 2),
        promos=[promo("PORES15", value="15"), UnknownCode("NOPE")],
    )
    breakdown = price(cart)
    data = breakdown.to_dict()
    assert list(data) == [
        "currency",
        "lines",
        "subtotal",
        "discount_total",
        "shipping",
        "total",
        "value",
        "savings",
        "applied",
        "rejected",
    ]
    line_keys = {
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
    }
    assert all(set(line) == line_keys for line in data["lines"])
    for line in data["lines"]:
        for component in line["components"]:
            assert set(component) in (
                {"product", "quantity", "allocated"},
                {"product", "quantity", "allocated", "gift"},
            )
            assert component.get("gift", True) is True
    assert all(set(entry) == {"source", "rule", "label", "amount"} for entry in data["applied"])
    assert all(set(entry) == {"source", "rule", "code", "reason"} for entry in data["rejected"])
    assert Breakdown.from_dict(data) == breakdown


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.pop("total"), "no 'total'"),
        (lambda d: d.update(total=95.0), "total must be a string"),
        (lambda d: d.update(total="95"), "exactly two decimals"),
        (lambda d: d.update(total="9.999"), "fraction of a cent"),
        (lambda d: d.update(currency="usd"), "three upper-case"),
        (lambda d: d.update(lines="x"), "must be a list"),
        (lambda d: d["lines"][0].update(quantity="1"), "must be an integer"),
        (lambda d: d["lines"][0].update(gift="no"), "true or false"),
        (lambda d: d["lines"][0]["components"][0].update(quantity=0), "quantity must be >= 1"),
        (lambda d: d["applied"].append(3), "must be an object"),
    ],
)
def test_from_dict_refuses_a_broken_breakdown(mutate: Any, message: str) -> None:
    data = price(request(seven_piece())).to_dict()
    mutate(data)
    with pytest.raises(PricingError, match=message):
        Breakdown.from_dict(data)


# -- one unit's price after bundles -------------------------------------------------------------


def test_a_products_unit_price_after_bundle_leaves_promo_codes_out() -> None:
    line = price(request(product("a", POWDER, 2), promos=[promo("TEN", value="10")])).lines[0]
    assert str(line.total) == "32.40"
    assert str(line.unit_price_after_bundle) == "18.00"


def test_a_kits_unit_price_after_bundle_is_the_kit_price() -> None:
    line = price(request(seven_piece(quantity=2))).lines[0]
    assert str(line.unit_price) == "180.00"
    assert str(line.unit_price_after_bundle) == "95.00"


def test_a_routines_unit_price_after_bundle_is_rounded_half_up() -> None:
    # Two routines at 52.05 are 104.10; 10 % off is 10.41, which leaves 93.69: 46.845 each.
    odd = item("odd-balm", "10.05", "renew")
    line = price(request(routine("r", [POWDER, PRIMER, odd], quantity=2))).lines[0]
    assert str(line.total) == "93.69"
    assert str(line.unit_price_after_bundle) == "46.85"


def test_a_gift_lines_unit_price_after_bundle_is_zero() -> None:
    gift = promo("GLOW", "gift", gift=SERUM_PREP)
    gift_line = price(request(product("a", POWDER), promos=[gift])).lines[-1]
    assert gift_line.gift
    assert str(gift_line.unit_price_after_bundle) == "0.00"


def test_same_request_gives_the_same_breakdown() -> None:
    cart = request(*SCOPE_CART, promos=[promo("TEN", value="10")])
    assert price(cart) == price(cart)
    assert price(cart).to_dict() == price(cart).to_dict()


def test_pricing_does_not_depend_on_the_thread_decimal_context() -> None:
    from decimal import localcontext

    cart = request(*SCOPE_CART, promos=[promo("PORES15", value="15")])
    expected = price(cart)
    with localcontext() as context:
        context.prec = 2
        assert price(cart) == expected


def test_an_amount_code_does_not_depend_on_the_thread_decimal_context() -> None:
    from decimal import localcontext

    cart = request(product("a", POWDER, 2), promos=[promo("TWELVE", "amount", "12.34")])
    with localcontext() as context:
        context.prec = 2
        assert str(price(cart).discount_total) == "12.34"


# -- input the engine refuses -------------------------------------------------------------------


NOT_A_LINE: Any = "not a line"


def kit_with(**changes: Any) -> KitLine:
    return replace(seven_piece(), **changes)


@pytest.mark.parametrize(
    ("cart", "message"),
    [
        (
            lambda: request(product("a", POWDER, 0)),
            "line 'a': quantity must be between 1 and 99, not 0",
        ),
        (lambda: request(product("a", POWDER, 100)), "between 1 and 99, not 100"),
        (lambda: request(product("a", POWDER, True)), "quantity"),
        (lambda: request(product("a", POWDER), product("a", PRIMER)), "two lines have the id 'a'"),
        (lambda: request(product("gift:X", POWDER)), "reserved"),
        (lambda: request(product("", POWDER)), "needs an id"),
        (
            lambda: request(product("a", replace(POWDER, price=Money.of("1", "EUR")))),
            "in EUR but the request is in USD",
        ),
        (lambda: request(product("a", replace(POWDER, price=usd("-1")))), "must not be negative"),
        (lambda: request(kit_with(components=())), "has no components"),
        (lambda: request(kit_with(gifts=(Part(SERUM_PREP, 0),))), "quantity must be at least 1"),
        (lambda: request(kit_with(price=Money.of("95", "GBP"))), "kit price is in GBP"),
        (lambda: request(routine("r", [])), "has no selections"),
        (
            lambda: request(
                routine("r", [POWDER], tiers=(Tier(2, Decimal(5)), Tier(2, Decimal(9))))
            ),
            "two tiers start at 2",
        ),
        (lambda: request(routine("r", [POWDER], tiers=(Tier(2, Decimal(101)),))), "percent_off"),
        (lambda: request(routine("r", [POWDER], tiers=(Tier(2, 5.0),))), "percent_off"),  # type: ignore[arg-type]
        (
            lambda: request(product("a", POWDER), promos=[promo("X", "bogus")]),
            "unknown kind 'bogus'",
        ),
        (lambda: request(product("a", POWDER), promos=[promo("X", value="101")]), "from 0 to 100"),
        (
            lambda: request(product("a", POWDER), promos=[promo("X", "amount", "-1")]),
            "must be >= 0",
        ),
        (
            lambda: request(product("a", POWDER), promos=[promo("X", "amount", "1.005")]),
            "fraction of a cent",
        ),
        (lambda: request(product("a", POWDER), promos=[promo("X", "gift")]), "needs a gift"),
        (
            lambda: request(
                product("a", POWDER),
                promos=[promo("X", value="1", starts_at=NOW.replace(tzinfo=None))],
            ),
            "timezone-aware",
        ),
        (
            lambda: request(product("a", POWDER), promos=[promo("X", value="1", uses=-1)]),
            "uses must be a count",
        ),
        (
            lambda: request(
                product("a", POWDER),
                promos=[promo("X", value="1", min_subtotal=Money.of("1", "EUR"))],
            ),
            "min_subtotal is in EUR",
        ),
        (lambda: request(product("a", POWDER), now=NOW.replace(tzinfo=None)), "timezone-aware"),
        (
            lambda: request(product("a", POWDER), shipping=ShippingPolicy(usd("-5"), None)),
            "shipping.flat",
        ),
        (lambda: replace(request(product("a", POWDER)), currency="usd"), "request currency"),
        (lambda: replace(request(), lines=(NOT_A_LINE,)), "product, kit or routine line"),
        (lambda: replace(request(), promos=(NOT_A_LINE,)), "PromoRule or UnknownCode"),
    ],
)
def test_invalid_input_raises_pricing_error(cart: Any, message: str) -> None:
    with pytest.raises(PricingError, match=message):
        price(cart())
    assert issubclass(PricingError, ValueError)


def test_ninety_nine_is_the_largest_quantity() -> None:
    line = price(request(product("a", POWDER, 99))).lines[0]
    assert str(line.subtotal) == "1782.00"
    assert len(line.components[0].unit_allocations) == 99


def test_a_product_listed_twice_in_a_routine_is_two_components() -> None:
    line = price(request(routine("r", [POWDER, POWDER, PRIMER], quantity=2))).lines[0]
    assert [(c.product, c.quantity) for c in line.components] == [
        ("finishing-powder", 2),
        ("finishing-powder", 2),
        ("foundation-primer", 2),
    ]
    assert sum(c.allocated.cents for c in line.components) == line.total.cents


def test_an_item_or_kit_priced_before_is_checked_again_in_another_currency() -> None:
    kit = seven_piece()
    in_usd = request(product("a", POWDER), kit)
    price(in_usd)
    euro = Money.of("5.00", "EUR")
    in_eur = replace(in_usd, currency="EUR", shipping=ShippingPolicy(euro, None))
    with pytest.raises(PricingError, match="line 'a': item \\(finishing-powder\\) price is in USD"):
        price(in_eur)
    only_kit = replace(in_eur, lines=(kit,))
    with pytest.raises(PricingError, match="kit price is in USD"):
        price(only_kit)
    kit_in_eur = replace(kit, price=Money.of("95.00", "EUR"))
    with pytest.raises(PricingError, match="components \\(citrus-facial-wash\\) price is in USD"):
        price(replace(only_kit, lines=(kit_in_eur,)))


def test_kit_parts_given_as_a_list_are_checked_every_time() -> None:
    parts = [Part(POWDER, 1), Part(PRIMER, 1)]
    kit = replace(seven_piece(), components=parts, gifts=())
    assert str(price(request(kit)).lines[0].total) == "42.00"
    parts[1] = Part(PRIMER, 0)
    with pytest.raises(PricingError, match="quantity must be at least 1"):
        price(request(kit))


def test_tiers_given_as_a_list_are_checked_every_time() -> None:
    tiers = [Tier(2, Decimal(5))]
    line = routine("r", [POWDER, PRIMER], tiers=tiers)  # type: ignore[arg-type]
    assert str(price(request(line)).lines[0].total) == "39.90"
    tiers.append(Tier(2, Decimal(9)))
    with pytest.raises(PricingError, match="two tiers start at 2"):
        price(request(line))
