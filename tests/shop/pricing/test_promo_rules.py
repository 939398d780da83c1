"""More promo rules, pinned as worked examples: caps on scoped lines, rounding once on the
eligible total, a 100% code, gifts stacked with discounts, and which check wins."""

from __future__ import annotations

from datetime import timedelta

from shop.pricing import Breakdown, price
from tests.shop.pricing.builders import (
    CITRUS_WASH,
    FOUNDATION,
    NOW,
    POWDER,
    PRIMER,
    SERUM_PREP,
    item,
    product,
    promo,
    request,
    seven_piece,
)


def promo_amounts(breakdown: Breakdown) -> dict[str, str]:
    return {
        line.id: str(sum((a.amount.cents for a in line.adjustments if a.source == "promo"), 0))
        for line in breakdown.lines
    }


def test_a_hundred_percent_code_brings_merchandise_to_zero_and_shipping_is_still_due() -> None:
    breakdown = price(request(product("a", POWDER), promos=[promo("ALL", value="100")]))
    data = breakdown.to_dict()
    assert (data["subtotal"], data["discount_total"], data["shipping"], data["total"]) == (
        "18.00",
        "18.00",
        "5.00",
        "5.00",
    )
    assert data["lines"][0]["total"] == "0.00"
    assert data["lines"][0]["components"][0]["allocated"] == "0.00"
    assert data["savings"] == "18.00"


def test_an_amount_code_scoped_to_one_product_is_capped_at_that_line() -> None:
    code = promo("POWDER25", "amount", "25", products=frozenset({"finishing-powder"}))
    breakdown = price(request(product("p", POWDER), product("f", FOUNDATION), promos=[code]))
    assert promo_amounts(breakdown) == {"p": "1800", "f": "0"}
    assert str(breakdown.applied[0].amount) == "18.00"
    assert [str(line.total) for line in breakdown.lines] == ["0.00", "32.00"]


def test_an_amount_code_that_skips_bundles_is_capped_at_the_product_lines() -> None:
    code = promo("TWENTY", "amount", "20", applies_to_bundles=False)
    breakdown = price(request(product("p", POWDER), seven_piece("kit"), promos=[code]))
    assert promo_amounts(breakdown) == {"p": "1800", "kit": "0"}
    assert str(line_total(breakdown, "kit")) == "95.00"


def line_total(breakdown: Breakdown, line_id: str) -> object:
    return next(line.total for line in breakdown.lines if line.id == line_id)


def test_a_percentage_is_taken_of_the_eligible_total_and_rounded_once() -> None:
    # 10% of three 0.05 lines is 0.015: one rounding gives 0.02, rounding per line would give
    # 0.03 (and more than 10%).
    lines = [product(i, item(f"sample-{i}", "0.05", "extra")) for i in ("a", "b", "c")]
    breakdown = price(request(*lines, promos=[promo("TEN", value="10")]))
    assert str(breakdown.discount_total) == "0.02"
    assert sorted(promo_amounts(breakdown).values()) == ["0", "1", "1"]


def test_a_gift_code_stacks_with_a_percent_code_and_the_gift_is_never_discounted() -> None:
    codes = [
        promo("GLOW", "gift", gift=SERUM_PREP, combinable=True),
        promo("TEN", value="10", combinable=True),
    ]
    breakdown = price(request(product("a", FOUNDATION), promos=codes))
    gift = next(line for line in breakdown.lines if line.gift)
    assert (gift.id, str(gift.total), gift.adjustments) == ("gift:GLOW", "0.00", ())
    assert str(breakdown.discount_total) == "3.20"
    assert (str(breakdown.value), str(breakdown.savings)) == ("62.00", "33.20")


def test_a_non_combinable_code_after_a_combinable_one_is_refused() -> None:
    codes = [promo("SHIP", "free_shipping", combinable=True), promo("SOLO", value="10")]
    breakdown = price(request(product("a", PRIMER), promos=codes))
    assert [(r.rule, r.code) for r in breakdown.rejected] == [("SOLO", "promo_not_combinable")]
    assert str(breakdown.shipping) == "0.00" and str(breakdown.discount_total) == "0.00"


def test_an_inactive_code_is_not_found_whatever_else_is_wrong_with_it() -> None:
    dead = promo(
        "DEAD",
        value="10",
        active=False,
        starts_at=NOW - timedelta(days=9),
        ends_at=NOW - timedelta(days=1),
        usage_limit=1,
        uses=1,
    )
    breakdown = price(request(product("a", CITRUS_WASH), promos=[dead]))
    assert [(r.code, r.reason) for r in breakdown.rejected] == [
        ("promo_not_found", "DEAD isn't a valid promo code.")
    ]


def test_a_discount_that_drops_the_cart_under_the_threshold_brings_shipping_back() -> None:
    # 52.00 of merchandise ships free; 15% off leaves 44.20, which does not.
    lines = [product("a", FOUNDATION), product("b", item("x", "20.00", "extra"))]
    assert str(price(request(*lines)).shipping) == "0.00"
    breakdown = price(request(*lines, promos=[promo("PORES15", value="15")]))
    assert (str(breakdown.shipping), str(breakdown.total)) == ("5.00", "49.20")
