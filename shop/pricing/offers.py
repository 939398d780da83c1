"""Step 3: automatic offers. Which offers a cart reaches (or how far it is from each), and
applying one; `shop.pricing.stacking` decides which of them apply together with the codes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from shop.pricing.allocate import split_evenly
from shop.pricing.discount import in_scope, reduction, take_off
from shop.pricing.inputs import OfferRule, PricingRequest
from shop.pricing.intake import whole_cents
from shop.pricing.money import Money, format_money, format_percent
from shop.pricing.outputs import Rejection
from shop.pricing.promos import PromoOutcome, Waiver
from shop.pricing.state import Applied, LineState

__all__ = ["OFFER_GIFT_PREFIX", "Reach", "apply_offer", "offer_label", "reach_offers"]

OFFER_GIFT_PREFIX = "offer:"
"""A gift line from an offer has the id "gift:offer:<id>", apart from a code's "gift:<CODE>"."""


@dataclass
class Reach:
    """The offers in effect that have something in the cart to apply to, in the order they
    apply; those whose conditions the cart meets; a hint for each of the others."""

    offers: list[OfferRule] = field(default_factory=list)
    reached: list[OfferRule] = field(default_factory=list)
    hints: dict[str, Rejection] = field(default_factory=dict)


def ordered(offers: Iterable[OfferRule]) -> list[OfferRule]:
    """Higher priority first; equal priorities by id, shorter first (so numeric ids go in
    numeric order), then alphabetically."""
    return sorted(offers, key=lambda offer: (-offer.priority, len(offer.id), offer.id))


def reach_offers(request: PricingRequest, lines: list[LineState]) -> Reach:
    """Judge every offer against the cart after bundles, before any offer or code applies."""
    reach = Reach()
    currency = request.currency
    for offer in ordered(request.offers):
        if not _in_effect(offer, request):
            continue
        eligible = _eligible(offer, lines)
        if not eligible:  # nothing in its scope: no hint either, it would only be noise
            continue
        reach.offers.append(offer)
        units = sum(line.quantity for line in eligible)
        items = (offer.min_items or 0) - units
        if offer.kind == "buy_x_get_y":
            items = max(items, offer.buy + offer.get - units)
        spend = 0 if offer.min_subtotal is None else offer.min_subtotal.cents
        spend -= sum(line.total for line in eligible)
        if items <= 0 and spend <= 0:
            reach.reached.append(offer)
            continue
        needs = []
        if items > 0:
            needs.append(f"add {items} more item" + ("" if items == 1 else "s"))
        if spend > 0:
            needs.append(f"spend {format_money(Money.from_cents(spend, currency))} more")
        reason = f"{' and '.join(needs)} to get {_benefit(offer, currency, hint=True)}"
        if offer.products or offer.kits or offer.steps:
            reason += f" ({offer_label(offer, currency)})"
        reach.hints[offer.id] = Rejection(
            source="offer", rule=offer.id, code="offer_not_reached", reason=_sentence(reason)
        )
    return reach


def apply_offer(
    offer: OfferRule,
    lines: list[LineState],
    applied: Applied,
    outcome: PromoOutcome,
    currency: str,
) -> bool:
    """Apply an offer the cart reached; False when it turns out to give nothing (its lines are
    already at 0.00, or shipping is already free)."""
    label = offer_label(offer, currency)
    eligible = _eligible(offer, lines)
    if offer.kind == "percent" or offer.kind == "amount":
        cents = reduction(offer.kind, offer.value, sum(line.total for line in eligible))
        if cents <= 0:
            return False
        take_off(eligible, cents, "offer", offer.id, label, applied)
    elif offer.kind == "buy_x_get_y":
        free = _free_units(offer, eligible)
        if not sum(free.values()):
            return False
        for line in eligible:
            line.take("offer", offer.id, label, free.get(line.id, 0))
        applied.add("offer", offer.id, label, sum(free.values()))
    elif offer.kind == "free_shipping":
        if outcome.free_shipping is not None:
            return False
        outcome.free_shipping = Waiver(offer.id, label, f"the offer {label}")
        applied.add("offer", offer.id, label, 0)
    elif offer.gift is not None:  # a gift offer; intake made sure it names its gift
        outcome.gift_lines.append((f"{OFFER_GIFT_PREFIX}{offer.id}", offer.gift))
        applied.add("offer", offer.id, label, 0)
    return True


def offer_label(offer: OfferRule, currency: str) -> str:
    """The offer's own label, or one worded from its conditions: "Any 3 products: 10% off",
    "Spend $50.00: free shipping", "Buy 2, get 1 free"."""
    if offer.label:
        return offer.label
    conditions = []
    if offer.min_items:
        count = offer.min_items
        conditions.append("any product" if count == 1 else f"any {count} products")
    if offer.min_subtotal is not None and offer.min_subtotal.cents:
        conditions.append(f"spend {format_money(offer.min_subtotal)}")
    benefit = _benefit(offer, currency, hint=False)
    if not conditions:
        return _sentence(benefit)
    return f"{_sentence(', '.join(conditions))}: {benefit}"


def _benefit(offer: OfferRule, currency: str, *, hint: bool) -> str:
    if offer.kind == "percent":
        return f"{format_percent(offer.value)}% off"
    if offer.kind == "amount":
        return f"{format_money(Money.from_cents(whole_cents(offer.value), currency))} off"
    if offer.kind == "free_shipping":
        return "free shipping"
    if offer.kind == "buy_x_get_y":
        return f"{offer.get} free" if hint else f"buy {offer.buy}, get {offer.get} free"
    name = offer.gift.name if offer.gift is not None else "gift"
    return f"a free {name}" if hint else f"free {name}"


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _in_effect(offer: OfferRule, request: PricingRequest) -> bool:
    now = request.now
    return (
        offer.active
        and (offer.starts_at is None or offer.starts_at <= now)
        and (offer.ends_at is None or now < offer.ends_at)
        and (offer.usage_limit is None or offer.uses < offer.usage_limit)
        and (offer.per_customer_limit is None or offer.customer_uses < offer.per_customer_limit)
    )


def _eligible(offer: OfferRule, lines: list[LineState]) -> list[LineState]:
    return [line for line in lines if in_scope(offer, line, bundles=offer.applies_to_bundles)]


def _free_units(offer: OfferRule, eligible: list[LineState]) -> dict[str, int]:
    """The cents each line gives up: of every buy + get eligible units, the `get` cheapest of
    the whole set are free. A unit costs its share of the line's current total (the line's
    units split evenly, the odd cents to the first units); ties go to the lower line id, then
    unit index."""
    units = [
        (cents, line.id, index)
        for line in eligible
        for index, cents in enumerate(split_evenly(line.total, line.quantity))
    ]
    units.sort()
    free: dict[str, int] = {}
    for cents, line_id, _ in units[: len(units) // (offer.buy + offer.get) * offer.get]:
        free[line_id] = free.get(line_id, 0) + cents
    return free
