"""The admin's promo simulator: a sample cart and a code, priced by the same quote service the
shopper's cart uses, at a chosen moment, optionally as if the promotion were already switched on;
with every automatic offer, and what each did (applied, not applied and why, not in effect).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from promotions.codes import guard
from promotions.codes.models import Promotion
from promotions.codes.offer_selectors import offer_rules_load, offers_for_customer
from promotions.codes.selectors import (
    promo_code_normalise,
    promo_codes_lookup,
    promotion_preview_rule,
)
from shop.pricing import Breakdown, Money, OfferRule, PromoRule, UnknownCode, format_money
from shop.quoting import services as quoting


@dataclass(frozen=True)
class OfferOutcome:
    """What one automatic offer did to the sample cart: `outcome` is "applied" (`detail` what
    it took off or waived), "not applied" (`detail` the breakdown's reason) or "not in effect"
    (`detail` why the pricing service passed it over without a word)."""

    id: str
    name: str
    outcome: str
    detail: str


@dataclass(frozen=True)
class Simulation:
    """The shopper's breakdown, or the item errors that stopped it, and what the cart's promo
    field would answer (the cart hides the reason of codes a shopper has not earned); every
    automatic offer and what it did."""

    breakdown: Breakdown | None
    errors: dict[str, list[str]]
    code: str
    cart_answer: str
    offers: tuple[OfferOutcome, ...] = ()


def _out_of_play(offer: OfferRule, at: datetime) -> str:
    """Why the pricing service skips an offer silently, or "" when it does not."""
    if not offer.active:
        return "Inactive."
    if offer.starts_at is not None and at < offer.starts_at:
        return f"Starts {offer.starts_at:%Y-%m-%d %H:%M} UTC."
    if offer.ends_at is not None and at >= offer.ends_at:
        return "Ended."
    if offer.usage_limit is not None and offer.uses >= offer.usage_limit:
        return f"Used up ({offer.uses} of {offer.usage_limit} uses)."
    if offer.per_customer_limit is not None and offer.customer_uses >= offer.per_customer_limit:
        return "This customer has used it as many times as it allows."
    return ""


def offer_outcomes(
    breakdown: Breakdown, offers: Sequence[OfferRule], at: datetime
) -> tuple[OfferOutcome, ...]:
    """Every offer in `offers` with what it did to `breakdown` (see OfferOutcome)."""
    outcomes = []
    for offer in offers:
        entries = [a for a in breakdown.applied if a.rule == offer.id]
        entries = [a for a in entries if a.source in ("offer", "shipping")]
        reasons = [r for r in breakdown.rejected if r.source == "offer" and r.rule == offer.id]
        if entries:
            cents = sum(a.amount.cents for a in entries)
            taken = format_money(Money.from_cents(cents, breakdown.currency))
            shipping = any(a.source == "shipping" for a in entries)
            detail = f"Shipping waived: {taken}." if shipping else f"Took {taken} off."
            if not cents and not shipping:
                detail = "Gift added."
            outcomes.append(OfferOutcome(offer.id, offer.label, "applied", detail))
        elif reasons:
            detail = " ".join(f"{r.reason} ({r.code})" for r in reasons)
            outcomes.append(OfferOutcome(offer.id, offer.label, "not applied", detail))
        else:
            detail = _out_of_play(offer, at) or "Nothing in the cart is in its scope."
            outcomes.append(OfferOutcome(offer.id, offer.label, "not in effect", detail))
    return tuple(outcomes)


def _offers(
    promotion: Promotion | None, email: str | None, treat_as_active: bool
) -> tuple[OfferRule, ...]:
    """Every automatic offer that is not over, inactive ones too (explained as such); the
    promotion being previewed switched on when asked; with this customer's uses."""
    offers = offer_rules_load(include_inactive=True)
    if promotion is not None and promotion.automatic and treat_as_active:
        offers = tuple(replace(o, active=True) if o.id == str(promotion.pk) else o for o in offers)
    return offers_for_customer(offers, emails=[email or ""])


def promo_simulate(
    *,
    items: Sequence[dict[str, Any]],
    code: str,
    email: str | None,
    at: datetime,
    promotion: Promotion | None = None,
    treat_as_active: bool = False,
) -> Simulation:
    """Price `items` (quote items) with `code` at `at`.

    With a `promotion` and no code typed, a code of that promotion is previewed (also before
    it has any codes). `treat_as_active` previews an inactive promotion as if switched on.
    """
    typed = promo_code_normalise(code)
    rules: tuple[PromoRule | UnknownCode, ...] = ()
    answer = ""
    if typed:
        # Read, not cached: a staff screen judges "used up" on the current count.
        (found,) = promo_codes_lookup(codes=[typed], email=email, now=at, cached=False)
        rule = found.rule
        if isinstance(rule, PromoRule) and treat_as_active and not rule.active:
            rule = replace(rule, active=True)
            found = replace(found, rule=rule)
        rules = (rule,)
        if not guard.code_is_live(found, now=at):
            answer = f"The cart answers “{typed} isn't a valid promo code.” (the real reason is "
            answer += "kept from shoppers who have not earned it)."
    elif promotion is not None and not promotion.automatic:
        rule = promotion_preview_rule(promotion=promotion, email=email)
        if treat_as_active:
            rule = replace(rule, active=True)
        rules = (rule,)
        typed = rule.code
    offers = _offers(promotion, email, treat_as_active)
    try:
        breakdown = quoting.quote_build(items=list(items), now=at, promos=rules, offers=offers)
    except quoting.InvalidItems as error:
        return Simulation(None, error.errors, typed, answer)
    return Simulation(breakdown, {}, typed, answer, offer_outcomes(breakdown, offers, at))
