"""Hypothesis properties of automatic offers: the contract's invariants hold with offers, an
offer never costs the shopper, line order changes nothing, buy X get Y frees the cheapest units,
and where an offer and a code may not combine the shopper gets the larger discount."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from shop.pricing import (
    Breakdown,
    Item,
    Money,
    OfferRule,
    PricingRequest,
    ProductLine,
    PromoRule,
    ShippingPolicy,
    UnknownCode,
    price,
)
from tests.shop.pricing.builders import CURRENCY, NOW
from tests.shop.pricing.test_properties import (
    BUNDLES,
    SETTINGS,
    SLUGS,
    STEPS,
    by_id,
    cents,
    check_contract,
    check_same_amounts,
    items,
    promos,
    requests,
)

KINDS = ["percent", "percent", "amount", "free_shipping", "gift", "buy_x_get_y", "buy_x_get_y"]


@st.composite
def offers(draw: st.DrawFn, offer_id: str, kinds: list[str] = KINDS) -> OfferRule:
    kind = draw(st.sampled_from(kinds))
    value = (
        draw(st.decimals(0, 100, places=2))
        if kind == "percent"
        else draw(cents(0, 30_000)).amount
        if kind == "amount"
        else Decimal(0)
    )
    scoped = draw(st.booleans())
    return OfferRule(
        id=offer_id,
        kind=kind,
        value=value,
        buy=draw(st.integers(1, 3)) if kind == "buy_x_get_y" else 0,
        get=draw(st.integers(1, 2)) if kind == "buy_x_get_y" else 0,
        gift=draw(items) if kind == "gift" else None,
        min_items=draw(st.none() | st.integers(0, 6)),
        min_subtotal=draw(st.none() | cents(0, 30_000)),
        products=frozenset(draw(st.lists(st.sampled_from(SLUGS), max_size=3)))
        if scoped
        else frozenset(),
        kits=frozenset(draw(st.lists(st.sampled_from(BUNDLES), max_size=2)))
        if scoped
        else frozenset(),
        steps=frozenset(draw(st.lists(st.sampled_from(STEPS), max_size=2)))
        if scoped
        else frozenset(),
        applies_to_bundles=draw(st.booleans()),
        combinable=draw(st.booleans()),
        priority=draw(st.integers(0, 2)),
        usage_limit=draw(st.none() | st.integers(0, 2)),
        uses=draw(st.integers(0, 1)),
        active=draw(st.integers(0, 9)) > 0,
    )


def offer_lists(
    kinds: list[str] = KINDS, max_size: int = 3
) -> st.SearchStrategy[tuple[OfferRule, ...]]:
    ids = st.lists(st.sampled_from(["1", "2", "3", "10", "x"]), unique=True, max_size=max_size)
    return ids.flatmap(lambda chosen: st.tuples(*(offers(offer_id, kinds) for offer_id in chosen)))


@st.composite
def offer_requests(draw: st.DrawFn, kinds: list[str] = KINDS) -> PricingRequest:
    return replace(draw(requests()), offers=draw(offer_lists(kinds)))


def benefit(request: PricingRequest, breakdown: Breakdown) -> int:
    """What the shopper gains: the savings (gifts at their value) plus the shipping waived."""
    waived = request.shipping.flat.cents - breakdown.shipping.cents if breakdown.lines else 0
    return breakdown.savings.cents + waived


@SETTINGS
@given(offer_requests())
def test_invariants_hold_with_offers(request: PricingRequest) -> None:
    breakdown = price(request)
    check_contract(request, breakdown)
    offer_ids = {offer.id for offer in request.offers}
    for entry in breakdown.applied:
        if entry.source == "offer":
            assert entry.rule in offer_ids
    for line in breakdown.lines:
        offered = sum(a.amount.cents for a in line.adjustments if a.source == "offer")
        assert offered <= line.subtotal.cents


@SETTINGS
@given(offer_requests())
def test_an_offer_never_costs_the_shopper(request: PricingRequest) -> None:
    with_offers = price(request)
    without = price(replace(request, offers=()))
    assert benefit(request, with_offers) >= benefit(request, without)
    assert with_offers.subtotal == without.subtotal
    gifts = any(line.gift for line in (*with_offers.lines, *without.lines))
    if not gifts:
        # Without gifts, the benefit is all money: the shopper pays no more with offers.
        assert with_offers.total <= without.total
    if not request.promos:
        # Without codes there is nothing to trade: every line costs at most what it did.
        for line_id, line in by_id(without).items():
            assert by_id(with_offers)[line_id].total <= line.total


@SETTINGS
@given(offer_requests(), st.randoms(use_true_random=False))
def test_line_order_changes_no_result(request: PricingRequest, random: object) -> None:
    shuffled = list(request.lines)
    random.shuffle(shuffled)  # type: ignore[attr-defined]
    first = price(request)
    second = price(replace(request, lines=tuple(shuffled), offers=request.offers[::-1]))
    check_same_amounts(first, second)


@st.composite
def product_carts(draw: st.DrawFn) -> tuple[ProductLine, ...]:
    prices = draw(st.lists(cents(0, 5_000), min_size=1, max_size=8))
    return tuple(
        ProductLine(f"l{index}", Item(f"p{index}", "P", amount, "extra"), draw(st.integers(1, 4)))
        for index, amount in enumerate(prices)
    )


@SETTINGS
@given(product_carts(), st.integers(1, 3), st.integers(1, 3))
def test_buy_x_get_y_frees_the_cheapest_units(
    lines: tuple[ProductLine, ...], buy: int, get: int
) -> None:
    offer = OfferRule(id="1", kind="buy_x_get_y", buy=buy, get=get)
    request = PricingRequest(
        CURRENCY, lines, ShippingPolicy(Money.zero(CURRENCY), None), NOW, (), (offer,)
    )
    breakdown = price(request)
    units = sorted(line.item.price.cents for line in lines for _ in range(line.quantity))
    free = len(units) // (buy + get) * get
    assert breakdown.discount_total.cents == sum(units[:free])
    # No unit that is paid for costs less than a unit given away.
    paid, given = [], []
    for line in breakdown.lines:
        each = line.unit_price.cents
        if each:  # a unit at 0.00 costs nothing whether it is given or not
            free_units = sum(a.amount.cents for a in line.adjustments) // each
            given += [each] * free_units
            paid += [each] * (line.quantity - free_units)
    if paid and given:
        assert max(given) <= min(paid)


@SETTINGS
@given(
    requests(), offers("1", ["percent", "amount", "free_shipping", "gift", "buy_x_get_y"]), promos()
)
def test_a_non_combinable_pair_gives_the_larger_discount(
    request: PricingRequest, offer: OfferRule, code: PromoRule | UnknownCode
) -> None:
    # No free-shipping threshold: a code alone can cost it, and that is the code's doing.
    shipping = ShippingPolicy(request.shipping.flat, None)
    cart = replace(request, promos=(code,), offers=(offer,), shipping=shipping)
    both = benefit(cart, price(cart))
    offer_only = benefit(cart, price(replace(cart, promos=())))
    code_only = benefit(cart, price(replace(cart, offers=())))
    assert both >= max(offer_only, code_only)
    if isinstance(code, PromoRule) and not (code.combinable and offer.combinable):
        assert both == max(offer_only, code_only)
