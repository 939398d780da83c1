"""Step 4: promo codes, judged and applied one after another (the applicator loop)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from shop.pricing.discount import in_scope, reduction, take_off
from shop.pricing.inputs import Item, PricingRequest, PromoRule, UnknownCode
from shop.pricing.intake import whole_cents
from shop.pricing.money import Money, format_money, format_percent
from shop.pricing.outputs import Rejection
from shop.pricing.state import Applied, LineState

__all__ = ["OfferBlock", "PromoOutcome", "Waiver", "apply_promos"]

OfferBlock = Callable[[PromoRule], str | None]
"""Why the offers applied before a code keep it out (the reason to show), or None if they don't."""


@dataclass(frozen=True, slots=True)
class Waiver:
    """Free shipping won by a code or an offer: the entry's rule and label, and whom a second
    free-shipping code is told about."""

    rule: str
    label: str
    by: str


@dataclass
class PromoOutcome:
    """What the offers and codes leave for the later steps: gift lines to add (gift line id
    suffix, item), and a shipping waiver."""

    gift_lines: list[tuple[str, Item]] = field(default_factory=list)
    free_shipping: Waiver | None = None


def apply_promos(
    request: PricingRequest,
    lines: list[LineState],
    applied: Applied,
    rejected: list[Rejection],
    outcome: PromoOutcome,
    *,
    after_bundles: int,
    blocked: OfferBlock | None = None,
) -> list[PromoRule]:
    """Judge and apply each code in turn: each one applies or says why not. `after_bundles` is
    the merchandise total that `min_subtotal` is compared with; `blocked` says which codes the
    offers already applied keep out. Returns the codes applied, in order."""
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
            if not why and blocked is not None:
                block = blocked(promo)
                if block is not None:
                    why, reason = "promo_not_combinable", block
            if not why:
                why, reason = _apply(promo, lines, applied, outcome, request.currency)
            if not why:
                taken.append(promo)
        if why:
            rejected.append(Rejection(source="promo", rule=promo.code, code=why, reason=reason))
    return taken


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
    if not any(in_scope(promo, line, bundles=bundles) for line in lines):
        if any(in_scope(promo, line, bundles=True) for line in lines):
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
        if outcome.free_shipping is not None:
            first = outcome.free_shipping.by
            return "promo_not_applicable", f"Shipping is already free with {first}."
        outcome.free_shipping = Waiver(code, f"Free shipping ({code})", code)
    elif promo.gift is not None:  # a gift code; intake made sure it names its gift
        outcome.gift_lines.append((code, promo.gift))
        applied.add("promo", code, f"Free gift: {promo.gift.name}", 0)
    return "", ""


def _discount(promo: PromoRule, lines: list[LineState], applied: Applied, currency: str) -> int:
    """Take a percent or amount code off its eligible lines; returns the cents taken."""
    eligible = [line for line in lines if in_scope(promo, line, bundles=promo.applies_to_bundles)]
    cents = reduction(promo.kind, promo.value, sum(line.total for line in eligible))
    if promo.kind == "percent":
        label = f"{promo.code}: {format_percent(promo.value)}% off"
    else:
        amount = Money.from_cents(whole_cents(promo.value), currency)
        label = f"{promo.code}: {format_money(amount)} off"
    if cents > 0:
        take_off(eligible, cents, "promo", promo.code, label, applied)
    return cents
