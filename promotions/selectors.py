"""Read-side queries for promotions: promo codes as the pricing service's rules."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from shop.pricing import PromoRule, UnknownCode


def promo_code_normalise(code: str) -> str:
    """Codes match case-insensitively with surrounding spaces ignored: " pores15 " is PORES15."""
    return code.strip().upper()


def promo_rules_for(
    *, codes: Sequence[str], email: str | None, now: datetime
) -> tuple[PromoRule | UnknownCode, ...]:
    """The pricing rules for the codes a shopper typed, in the order typed.

    The promotions app will look each normalised code up (with `email` for per-customer use
    counts and `now` for validity) and return its PromoRule. No promotion models exist yet, so
    every non-empty code is truthfully unknown: pricing rejects it as `promo_not_found` and
    prices the cart without it. Empty codes are dropped; repeats are kept once.
    """
    seen: dict[str, None] = {}
    for code in codes:
        normalised = promo_code_normalise(code)
        if normalised:
            seen.setdefault(normalised, None)
    return tuple(UnknownCode(code) for code in seen)
