"""The admin's promo simulator: a sample cart and a code, priced by the same quote service the
shopper's cart uses, at a chosen moment, optionally as if the promotion were already switched on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from promotions.codes import guard
from promotions.codes.models import Promotion
from promotions.codes.selectors import (
    promo_code_normalise,
    promo_codes_lookup,
    promotion_preview_rule,
)
from shop.pricing import Breakdown, PromoRule, UnknownCode
from shop.quoting import services as quoting


@dataclass(frozen=True)
class Simulation:
    """The shopper's breakdown, or the item errors that stopped it, and what the cart's promo
    field would answer (the cart hides the reason of codes a shopper has not earned)."""

    breakdown: Breakdown | None
    errors: dict[str, list[str]]
    code: str
    cart_answer: str


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
        (found,) = promo_codes_lookup(codes=[typed], email=email, now=at)
        rule = found.rule
        if isinstance(rule, PromoRule) and treat_as_active and not rule.active:
            rule = replace(rule, active=True)
            found = replace(found, rule=rule)
        rules = (rule,)
        if not guard.code_is_live(found, now=at):
            answer = f"The cart answers “{typed} isn't a valid promo code.” (the real reason is "
            answer += "kept from shoppers who have not earned it)."
    elif promotion is not None:
        rule = promotion_preview_rule(promotion=promotion, email=email)
        if treat_as_active:
            rule = replace(rule, active=True)
        rules = (rule,)
        typed = rule.code
    try:
        breakdown = quoting.quote_build(items=list(items), now=at, promos=rules)
    except quoting.InvalidItems as error:
        return Simulation(None, error.errors, typed, answer)
    return Simulation(breakdown, {}, typed, answer)
