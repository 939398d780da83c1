"""Automatic offers, table-driven: every kind, every condition, scope, priority and each rule for
stacking offers with each other and with codes (issue 18)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from shop.pricing import (
    KitLine,
    OfferRule,
    PricingError,
    ProductLine,
    PromoRule,
    RoutineLine,
    price,
    summarize,
)
from tests.shop.pricing.builders import (
    ACNE_CLEANSER,
    CITRUS_WASH,
    FIRMING_TONER,
    FOUNDATION,
    NOW,
    POWDER,
    PRIMER,
    SERUM_PREP,
    item,
    offer,
    product,
    promo,
    request,
    routine,
    seven_piece,
    usd,
)

# $18 + $24 + $32 = $74.00 of three separate products; shipping $5.00, free from $50.00.
THREE = (product("a", POWDER), product("b", PRIMER), product("c", FOUNDATION))
TWO = THREE[:2]
TEN_FOR_THREE = offer("1", value="10", min_items=3)
BUY_2_GET_1 = offer("7", "buy_x_get_y", buy=2, get=1, steps=frozenset({"cleanse"}))


@dataclass(frozen=True)
class Case:
    name: str
    lines: tuple[ProductLine | KitLine | RoutineLine, ...]
    offers: tuple[OfferRule, ...]
    promos: tuple[PromoRule, ...] = ()
    discount: str = "0.00"
    shipping: str = "5.00"
    applied: tuple[tuple[str, str, str], ...] = ()
    rejected: tuple[tuple[str, str, str], ...] = ()


def _fixed(slug: str, amount: str) -> ProductLine:
    return product(slug, item(slug, amount, "extra"))


FREE_OVER = ("shipping", "free_shipping_over", "5.00")
CASES = [
    # Kinds and conditions.
    Case(
        "percent, min_items reached",
        THREE,
        (TEN_FOR_THREE,),
        discount="7.40",
        shipping="0.00",
        applied=(("offer", "1", "7.40"), FREE_OVER),
    ),
    Case(
        "percent, one item short: a hint",
        TWO,
        (TEN_FOR_THREE,),
        rejected=(("offer", "1", "offer_not_reached"),),
    ),
    Case(
        "min_items counts units, not lines",
        (product("a", POWDER, 3),),
        (TEN_FOR_THREE,),
        discount="5.40",
        applied=(("offer", "1", "5.40"),),
    ),
    Case(
        "amount capped at its eligible lines",
        TWO,
        (offer("2", "amount", "25", products=frozenset({"finishing-powder"})),),
        discount="18.00",
        applied=(("offer", "2", "18.00"),),
    ),
    Case(
        "amount scoped to a step",
        (product("w", CITRUS_WASH), product("a", POWDER)),
        (offer("2", "amount", "5", steps=frozenset({"cleanse"})),),
        discount="5.00",
        applied=(("offer", "2", "5.00"),),
    ),
    Case(
        "min_subtotal reached by the eligible lines",
        (product("c", FOUNDATION), product("a", POWDER)),
        (offer("3", value="20", steps=frozenset({"foundation"}), min_subtotal=usd("30")),),
        discount="6.40",
        applied=(("offer", "3", "6.40"),),
    ),
    Case(
        "min_subtotal counts only the eligible lines",
        (product("c", FOUNDATION), product("a", POWDER)),
        (offer("3", value="20", steps=frozenset({"powder"}), min_subtotal=usd("30")),),
        shipping="0.00",
        applied=(FREE_OVER,),
        rejected=(("offer", "3", "offer_not_reached"),),
    ),
    Case(
        "both conditions missed: one hint",
        TWO,
        (offer("4", value="10", min_items=3, min_subtotal=usd("100")),),
        rejected=(("offer", "4", "offer_not_reached"),),
    ),
    Case(
        "free shipping",
        (product("b", PRIMER),),
        (offer("5", "free_shipping", min_subtotal=usd("20")),),
        shipping="0.00",
        applied=(("offer", "5", "0.00"), ("shipping", "5", "5.00")),
    ),
    Case(
        "free shipping missed",
        (product("a", POWDER),),
        (offer("5", "free_shipping", min_subtotal=usd("20")),),
        rejected=(("offer", "5", "offer_not_reached"),),
    ),
    Case(
        "gift",
        TWO,
        (offer("6", "gift", gift=SERUM_PREP, min_subtotal=usd("40")),),
        applied=(("offer", "6", "0.00"),),
    ),
    Case(
        "buy 2 get 1: the cheapest cleanser is free",
        (product("w", CITRUS_WASH, 2), product("x", ACNE_CLEANSER), product("a", POWDER)),
        (BUY_2_GET_1,),
        discount="20.00",
        shipping="0.00",
        applied=(("offer", "7", "20.00"), FREE_OVER),
    ),
    Case(
        "buy 2 get 1 on six units frees the two cheapest",
        (product("w", CITRUS_WASH, 3), product("x", ACNE_CLEANSER, 3)),
        (BUY_2_GET_1,),
        discount="40.00",
        shipping="0.00",
        applied=(("offer", "7", "40.00"), FREE_OVER),
    ),
    Case(
        "buy 1 get 1 frees the cheapest of all units, not of pairs",
        tuple(_fixed(f"p{n}", f"{n}.00") for n in (10, 9, 2, 1)),
        (offer("8", "buy_x_get_y", buy=1, get=1),),
        discount="3.00",
        applied=(("offer", "8", "3.00"),),
    ),
    Case(
        "buy x get y, one unit short: a hint",
        (product("w", CITRUS_WASH, 2),),
        (BUY_2_GET_1,),
        rejected=(("offer", "7", "offer_not_reached"),),
    ),
    Case(
        "nothing in scope: no hint",
        TWO,
        (BUY_2_GET_1,),
    ),
    # Scope and units of bundles.
    Case(
        "an offer that skips bundles leaves the kit alone",
        (seven_piece("kit"), product("a", POWDER)),
        (offer("1", value="10", applies_to_bundles=False),),
        discount="86.80",  # the kit's bundle saving (85.00) and 1.80 off the powder
        shipping="0.00",
        applied=(("bundle", "seven-piece-collection", "85.00"), ("offer", "1", "1.80"), FREE_OVER),
    ),
    Case(
        "a kit counts as one unit, at its price",
        (seven_piece("kit", quantity=2), product("a", POWDER)),
        (TEN_FOR_THREE,),
        discount="190.80",  # 170.00 bundle + 10% of (190.00 + 18.00)
        shipping="0.00",
        applied=(
            ("bundle", "seven-piece-collection", "170.00"),
            ("offer", "1", "20.80"),
            FREE_OVER,
        ),
    ),
    # Priority and compounding between combinable offers.
    Case(
        "higher priority first: $10 off, then 10% of the rest",
        THREE,
        (
            offer("9", value="10", combinable=True, priority=1),
            offer("8", "amount", "10", combinable=True, priority=2),
        ),
        discount="16.40",
        shipping="0.00",
        applied=(("offer", "8", "10.00"), ("offer", "9", "6.40"), FREE_OVER),
    ),
    Case(
        "higher priority first: 10% off, then $10",
        THREE,
        (
            offer("9", value="10", combinable=True, priority=2),
            offer("8", "amount", "10", combinable=True, priority=1),
        ),
        discount="17.40",
        shipping="0.00",
        applied=(("offer", "9", "7.40"), ("offer", "8", "10.00"), FREE_OVER),
    ),
    # The larger discount wins where two may not combine.
    Case(
        "two offers that do not combine: the larger wins",
        THREE,
        (TEN_FOR_THREE, offer("2", "amount", "5")),
        discount="7.40",
        shipping="0.00",
        applied=(("offer", "1", "7.40"), FREE_OVER),
        rejected=(("offer", "2", "promo_not_combinable"),),
    ),
    Case(
        "a larger code beats a non-combinable offer",
        THREE,
        (TEN_FOR_THREE,),
        (promo("PORES15", value="15"),),
        discount="11.10",
        shipping="0.00",
        applied=(("promo", "PORES15", "11.10"), FREE_OVER),
        rejected=(("offer", "1", "promo_not_combinable"),),
    ),
    Case(
        "a larger offer beats a non-combinable code",
        THREE,
        (TEN_FOR_THREE,),
        (promo("FIVE", value="5"),),
        discount="7.40",
        shipping="0.00",
        applied=(("offer", "1", "7.40"), FREE_OVER),
        rejected=(("promo", "FIVE", "promo_not_combinable"),),
    ),
    Case(
        "a tie goes to the offer: the code keeps its use",
        THREE,
        (TEN_FOR_THREE,),
        (promo("TEN", value="10"),),
        discount="7.40",
        shipping="0.00",
        applied=(("offer", "1", "7.40"), FREE_OVER),
        rejected=(("promo", "TEN", "promo_not_combinable"),),
    ),
    Case(
        "a combinable offer and code compound: 10% then 15% is 23.5%",
        THREE,
        (offer("1", value="10", min_items=3, combinable=True),),
        (promo("PORES15", value="15", combinable=True),),
        discount="17.39",  # 7.40, then 15% of 66.60 = 9.99
        shipping="0.00",
        applied=(("offer", "1", "7.40"), ("promo", "PORES15", "9.99"), FREE_OVER),
    ),
    Case(
        "a combinable offer still loses to a larger code that does not combine",
        THREE,
        (offer("1", value="10", min_items=3, combinable=True),),
        (promo("PORES15", value="15"),),
        discount="11.10",
        shipping="0.00",
        applied=(("promo", "PORES15", "11.10"), FREE_OVER),
        rejected=(("offer", "1", "promo_not_combinable"),),
    ),
    Case(
        "shipping waived counts: free shipping beats 5% of $18.00",
        (product("a", POWDER),),
        (offer("5", "free_shipping"),),
        (promo("FIVE", value="5"),),
        shipping="0.00",
        applied=(("offer", "5", "0.00"), ("shipping", "5", "5.00")),
        rejected=(("promo", "FIVE", "promo_not_combinable"),),
    ),
    Case(
        "a gift counts at its regular value: $30.00 beats 15% of $74.00",
        THREE,
        (offer("6", "gift", gift=SERUM_PREP),),
        (promo("PORES15", value="15"),),
        shipping="0.00",
        applied=(("offer", "6", "0.00"), FREE_OVER),
        rejected=(("promo", "PORES15", "promo_not_combinable"),),
    ),
    Case(
        "a free-shipping code after a free-shipping offer has nothing to waive",
        (product("a", POWDER),),
        (offer("5", "free_shipping", combinable=True),),
        (promo("SHIP", "free_shipping", combinable=True),),
        shipping="0.00",
        applied=(("offer", "5", "0.00"), ("shipping", "5", "5.00")),
        rejected=(("promo", "SHIP", "promo_not_applicable"),),
    ),
    Case(
        "a code's min_subtotal is judged before the offers took their share",
        THREE,
        (offer("1", value="10", min_items=3, combinable=True),),
        (promo("BIG", value="15", combinable=True, min_subtotal=usd("70")),),
        discount="17.39",
        shipping="0.00",
        applied=(("offer", "1", "7.40"), ("promo", "BIG", "9.99"), FREE_OVER),
    ),
    Case(
        "an offer on lines already at 0.00 is not listed",
        (product("a", POWDER),),
        (
            offer("1", value="100", combinable=True, priority=2),
            offer("2", value="10", combinable=True),
        ),
        discount="18.00",
        applied=(("offer", "1", "18.00"),),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_offer_case(case: Case) -> None:
    breakdown = price(request(*case.lines, promos=case.promos, offers=case.offers))
    assert str(breakdown.discount_total) == case.discount
    assert str(breakdown.shipping) == case.shipping
    assert [(a.source, a.rule, str(a.amount)) for a in breakdown.applied] == list(case.applied)
    assert [(r.source, r.rule, r.code) for r in breakdown.rejected] == list(case.rejected)
    subtotal = breakdown.subtotal.cents
    assert (
        breakdown.total.cents
        == subtotal - breakdown.discount_total.cents + breakdown.shipping.cents
    )
    # The order of the offers given never matters: priority and id decide.
    reverse = price(request(*case.lines, promos=case.promos, offers=case.offers[::-1]))
    assert reverse == breakdown


def reasons(*lines: Any, **options: Any) -> list[str]:
    return [rejection.reason for rejection in price(request(*lines, **options)).rejected]


def labels(*lines: Any, **options: Any) -> list[str]:
    return [entry.label for entry in price(request(*lines, **options)).applied]


def test_hints_say_what_is_missing_and_what_it_gets() -> None:
    assert reasons(*TWO, offers=[TEN_FOR_THREE]) == ["Add 1 more item to get 10% off"]
    assert reasons(
        product("a", POWDER), offers=[offer("5", "free_shipping", min_subtotal=usd("30.50"))]
    ) == ["Spend $12.50 more to get free shipping"]
    both = offer("4", value="10", min_items=4, min_subtotal=usd("100"))
    assert reasons(*TWO, offers=[both]) == ["Add 2 more items and spend $58.00 more to get 10% off"]
    gift = offer("6", "gift", gift=SERUM_PREP, min_subtotal=usd("50"))
    assert reasons(*TWO, offers=[gift]) == ["Spend $8.00 more to get a free Serum Prep"]
    # A scoped offer's hint names the offer, since "1 more item" alone would not say which.
    assert reasons(product("w", CITRUS_WASH, 2), offers=[BUY_2_GET_1]) == [
        "Add 1 more item to get 1 free (Buy 2, get 1 free)"
    ]


def test_labels_are_worded_from_the_conditions_unless_given() -> None:
    assert labels(*THREE, offers=[TEN_FOR_THREE])[0] == "Any 3 products: 10% off"
    spend = offer("5", "free_shipping", min_subtotal=usd("20"))
    assert labels(*THREE, offers=[spend]) == ["Spend $20.00: free shipping"] * 2
    assert labels(*THREE, offers=[offer("2", "amount", "5")])[0] == "$5.00 off"
    one = offer("2", "amount", "5", min_items=1, min_subtotal=usd("10"))
    assert labels(*THREE, offers=[one])[0] == "Any product, spend $10.00: $5.00 off"
    gift = offer("6", "gift", gift=SERUM_PREP)
    assert labels(*THREE, offers=[gift])[0] == "Free Serum Prep"
    named = offer("1", value="10", min_items=3, label="Spring sale: 10% off three")
    assert labels(*THREE, offers=[named])[0] == "Spring sale: 10% off three"


def test_the_loser_of_a_conflict_is_told_what_won_and_whether_it_saves_more() -> None:
    assert reasons(*THREE, offers=[TEN_FOR_THREE], promos=[promo("PORES15", value="15")]) == [
        "Any 3 products: 10% off can't be combined with PORES15, which saves you more."
    ]
    assert reasons(*THREE, offers=[TEN_FOR_THREE], promos=[promo("FIVE", value="5")]) == [
        "FIVE can't be combined with Any 3 products: 10% off, which saves you more."
    ]
    assert reasons(*THREE, offers=[TEN_FOR_THREE], promos=[promo("TEN", value="10")]) == [
        "TEN can't be combined with Any 3 products: 10% off, which saves you as much."
    ]
    assert reasons(*THREE, offers=[TEN_FOR_THREE, offer("2", "amount", "5")]) == [
        "$5.00 off can't be combined with Any 3 products: 10% off, which saves you more."
    ]


def test_a_tie_between_offers_goes_to_the_higher_priority() -> None:
    first = offer("1", "amount", "5")
    second = offer("2", "amount", "5", priority=1)
    breakdown = price(request(*THREE, offers=[first, second]))
    assert [a.rule for a in breakdown.applied if a.source == "offer"] == ["2"]
    assert [r.rule for r in breakdown.rejected] == ["1"]


def test_the_gift_of_an_offer_is_a_line_of_its_own_worth_its_price() -> None:
    breakdown = price(request(*TWO, offers=[offer("6", "gift", gift=SERUM_PREP)]))
    gift = breakdown.lines[-1]
    assert (gift.id, gift.ref, str(gift.total), gift.gift) == (
        "gift:offer:6",
        "serum-prep",
        "0.00",
        True,
    )
    assert (str(breakdown.value), str(breakdown.savings)) == ("72.00", "30.00")


def test_buy_x_get_y_splits_a_line_at_its_after_bundle_unit_price() -> None:
    # Two routines at the 10% tier (3 products: $22 + $24 + $38 = $84.00, $75.60 each) and a
    # cleanser: buy 2 get 1 over all three units frees the cleanser, the cheapest unit.
    pore = routine(
        "r",
        [CITRUS_WASH, FIRMING_TONER, item("advanced-face-firming", "38.00", "renew")],
        quantity=2,
    )
    breakdown = price(
        request(pore, product("x", ACNE_CLEANSER), offers=[offer("3", "buy_x_get_y", buy=2, get=1)])
    )
    assert {line.id: str(line.total) for line in breakdown.lines} == {"r": "151.20", "x": "0.00"}


def test_the_summary_names_the_offer() -> None:
    summary = summarize(price(request(*THREE, offers=[TEN_FOR_THREE])))
    assert [
        (row.kind, row.label, str(row.amount)) for row in summary.rows if row.kind == "discount"
    ] == [("discount", "Any 3 products: 10% off", "7.40")]


def test_rejected_lists_tier_hints_then_offers_then_codes() -> None:
    breakdown = price(
        request(
            routine("r", [CITRUS_WASH, FIRMING_TONER, POWDER]),
            offers=[offer("4", value="10", min_items=3)],
            promos=[promo("NOPE", value="10", products=frozenset({"serum-prep"}))],
        )
    )
    assert [(r.source, r.code) for r in breakdown.rejected] == [
        ("bundle", "tier_not_reached"),
        ("offer", "offer_not_reached"),
        ("promo", "promo_not_applicable"),
    ]


@pytest.mark.parametrize(
    "options",
    [
        {"active": False},
        {"starts_at": NOW + timedelta(seconds=1)},
        {"ends_at": NOW},
        {"usage_limit": 5, "uses": 5},
        {"per_customer_limit": 1, "customer_uses": 1},
    ],
    ids=["inactive", "not started", "ended", "used up", "used up by this customer"],
)
def test_an_offer_not_in_effect_is_skipped_without_a_word(options: dict[str, Any]) -> None:
    breakdown = price(request(*THREE, offers=[offer("1", value="10", **options)]))
    assert (str(breakdown.discount_total), breakdown.rejected) == ("0.00", ())
    assert [a.source for a in breakdown.applied] == ["shipping"]


def test_an_offer_in_effect_until_its_end() -> None:
    live = offer(
        "1", value="10", starts_at=NOW, ends_at=NOW + timedelta(seconds=1), usage_limit=5, uses=4
    )
    assert str(price(request(*THREE, offers=[live])).discount_total) == "7.40"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"kind": "bogus"}, "unknown kind"),
        ({"kind": "percent", "value": "101"}, "a percent must be from 0 to 100"),
        ({"kind": "amount", "value": "1.005"}, "fraction of a cent"),
        ({"kind": "gift"}, "a gift code needs a gift"),
        ({"kind": "buy_x_get_y", "buy": 0, "get": 1}, "buy must be a count >= 1"),
        ({"kind": "buy_x_get_y", "buy": 2, "get": 0}, "get must be a count >= 1"),
        ({"min_items": -1}, "min_items must be a count >= 0"),
        ({"priority": 1.5}, "priority must be an int"),
        ({"id": ""}, "every offer needs an id"),
        ({"starts_at": NOW.replace(tzinfo=None)}, "timezone-aware"),
        ({"min_subtotal": usd("-1")}, "must not be negative"),
    ],
)
def test_the_engine_refuses_a_broken_offer(options: dict[str, Any], message: str) -> None:
    fields: dict[str, Any] = {"id": "1", "kind": "percent", "value": "10", **options}
    fields["value"] = Decimal(fields["value"])
    with pytest.raises(PricingError, match=message):
        price(request(*THREE, offers=[OfferRule(**fields)]))


def test_two_offers_with_one_id_are_refused() -> None:
    with pytest.raises(PricingError, match="two offers have this id"):
        price(request(*THREE, offers=[offer("1", value="10"), offer("1", value="5")]))


def test_an_offer_that_would_cost_free_shipping_is_left_out() -> None:
    # $50.00 ships free; a cent off would make the shopper pay $49.99 + $5.00.
    cart = (_fixed("fifty", "50.00"),)
    breakdown = price(request(*cart, offers=[offer("2", "amount", "0.01")]))
    assert (str(breakdown.total), str(breakdown.shipping)) == ("50.00", "0.00")
    assert [(r.rule, r.code, r.reason) for r in breakdown.rejected] == [
        (
            "2",
            "offer_not_applicable",
            "$0.01 off would take your order below free shipping from $50.00.",
        )
    ]
    # Ten dollars off is worth more than the shipping it costs.
    breakdown = price(request(*cart, offers=[offer("2", "amount", "10")]))
    assert (str(breakdown.total), breakdown.rejected) == ("45.00", ())
