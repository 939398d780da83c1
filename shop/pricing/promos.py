"""Step 3: promo codes, judged and applied one after another (the applicator loop)."""

from __future__ import annotations

from dataclasses import dataclass, field

from shop.pricing.allocate import largest_remainder
from shop.pricing.inputs import Item, PricingRequest, PromoRule, UnknownCode
from shop.pricing.intake import whole_cents
from shop.pricing.money import Money, format_money, format_percent, percent_of_cents
from shop.pricing.outputs import Rejection
from shop.pricing.state import Applied, LineState

__all__ = ["PromoOutcome", "apply_promos"]


@dataclass
class PromoOutcome:
    """What step 3 leaves for the later steps: gift lines to add, and a free-shipping code."""

    gift_lines: list[tuple[str, Item]] = field(default_factory=list)
    free_shipping_code: str | None = None


def apply_promos(
    request: PricingRequest, lines: list[LineState], applied: Applied, rejected: list[Rejection]
) -> PromoOutcome:
    """Judge and apply each code in turn: each one applies or says why not."""
    outcome = PromoOutcome()
    if not request.promos:
        return outcome
    after_bundles = sum(line.total for line in lines)
    taken: list[PromoRule] = []
    seen: set[str] = set()
    for promo in request.promos:
        key = promo.code.strip().upper()
        if key in seen:
            continue
        seen.add(key)
        if isinstance(promo, UnknownCode):
            why, reason = "promo_not_found", f"{promo.code} isn't a valid promo code."
        else:
            why, reason = _judge(promo, request, lines, after_bundles, taken)
            if not why:
                why, reason = _apply(promo, lines, applied, outcome, request.currency)
            if not why:
                taken.append(promo)
        if why:
            rejected.append(Rejection(source="promo", rule=promo.code, code=why, reason=reason))
    return outcome


def _eligible(promo: PromoRule, line: LineState, *, bundles: bool) -> bool:
    unscoped = not (promo.products or promo.kits or promo.steps)
    if line.bundle:
        return bundles and (unscoped or line.ref in promo.kits)
    return unscoped or line.ref in promo.products or line.step in promo.steps


def _judge(
    promo: PromoRule,
    request: PricingRequest,
    lines: list[LineState],
    after_bundles: int,
    taken: list[PromoRule],
) -> tuple[str, str]:
    """The rejection code and reason for a code, checked in the contract's order; ("", "") when
    it may apply."""
    code = promo.code
    if not promo.active:
        return "promo_not_found", f"{code} isn't a valid promo code."
    now = request.now
    if promo.starts_at is not None and now < promo.starts_at:
        return "promo_not_started", f"{code} can't be used before {promo.starts_at.date()}."
    if promo.ends_at is not None and now >= promo.ends_at:
        return "promo_expired", f"{code} has expired."
    if promo.usage_limit is not None and promo.uses >= promo.usage_limit:
        return "promo_exhausted", f"{code} has been fully redeemed."
    if promo.per_customer_limit is not None and promo.customer_uses >= promo.per_customer_limit:
        return "promo_customer_limit", f"You've already used {code} as many times as it allows."
    bundles = promo.applies_to_bundles
    if not any(_eligible(promo, line, bundles=bundles) for line in lines):
        if any(_eligible(promo, line, bundles=True) for line in lines):
            return "promo_not_applicable", f"{code} can't be used on kits or routines."
        return "promo_not_applicable", f"{code} doesn't apply to anything in your cart."
    if promo.min_subtotal is not None and promo.min_subtotal.cents > after_bundles:
        missing = Money.from_cents(promo.min_subtotal.cents - after_bundles, request.currency)
        return "promo_min_subtotal", f"Spend {format_money(missing)} more to use {code}."
    if taken and not (promo.combinable and all(other.combinable for other in taken)):
        if promo.combinable:
            blocker = next(other for other in taken if not other.combinable)
            return "promo_not_combinable", f"{code} can't be combined with {blocker.code}."
        return "promo_not_combinable", f"{code} can't be combined with other codes."
    return "", ""


def _apply(
    promo: PromoRule,
    lines: list[LineState],
    applied: Applied,
    outcome: PromoOutcome,
    currency: str,
) -> tuple[str, str]:
    """Apply a code that passed its checks; a rejection if it turns out to give nothing."""
    code = promo.code
    if promo.kind == "percent" or promo.kind == "amount":
        if not _discount(promo, lines, applied, currency):
            return (
                "promo_not_applicable",
                f"There is nothing left in your cart for {code} to take off.",
            )
    elif promo.kind == "free_shipping":
        if outcome.free_shipping_code is not None:
            first = outcome.free_shipping_code
            return "promo_not_applicable", f"Shipping is already free with {first}."
        outcome.free_shipping_code = code
    elif promo.gift is not None:  # a gift code; intake made sure it names its gift
        outcome.gift_lines.append((code, promo.gift))
        applied.add("promo", code, f"Free gift: {promo.gift.name}", 0)
    return "", ""


def _discount(promo: PromoRule, lines: list[LineState], applied: Applied, currency: str) -> int:
    """Take a percent or amount code off its eligible lines; returns the cents taken."""
    eligible = [line for line in lines if _eligible(promo, line, bundles=promo.applies_to_bundles)]
    weights = [line.total for line in eligible]
    base = sum(weights)
    if promo.kind == "percent":
        cents = percent_of_cents(base, promo.value)
        label = f"{promo.code}: {format_percent(promo.value)}% off"
    else:
        value = whole_cents(promo.value)
        cents = min(value, base)
        label = f"{promo.code}: {format_money(Money.from_cents(value, currency))} off"
    if cents <= 0:
        return 0
    shares = largest_remainder(cents, weights, [line.id for line in eligible])
    for line, share in zip(eligible, shares, strict=True):
        line.take("promo", promo.code, label, share)
    applied.add("promo", promo.code, label, cents)
    return cents
