"""Promotion services that other parts of the shop call.

`consolation_code_issue` is the seam between giveaways and promo codes: the giveaway's
"thanks for entering" email asks it for a single-use code for each entrant who did not win.
`promo_codes_redeem` and `promo_codes_release` are the seam between checkout and promo codes:
checkout records a code's use inside its transaction and gives it back when an order is
cancelled.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shop.models import Order
    from shop.pricing import Breakdown

    from .models import Entry, Giveaway


class PromoUnavailable(Exception):
    """A promo code the breakdown applied cannot be used for this order after all.

    `reason` is one of the contract's rejection codes (`promo_exhausted`,
    `promo_customer_limit`, `promo_not_found`, ...); checkout answers 409 with it as `code`.
    """

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason


def promo_codes_redeem(*, order: Order, breakdown: Breakdown, email: str) -> None:
    """Record the use of every promo code `breakdown` applied to `order`, or raise
    PromoUnavailable when a limit would be exceeded.

    Checkout calls this inside its transaction, after stock is reserved and before payment,
    so a refusal or a declined payment rolls the use back with everything else.

    There are no promotion models on this branch, so no code can apply: the pricing service
    rejects every code as `promo_not_found`, and a breakdown that applied one anyway did not
    come from this shop's rules, so it is refused the same way. The promotions app replaces
    this body with the guarded redemption (a conditional UPDATE of the code's use count
    under its usage and per-customer limits, and a redemption row per code and order).
    """
    for adjustment in breakdown.applied:
        if adjustment.source == "promo":
            raise PromoUnavailable(adjustment.rule, "promo_not_found")


def promo_codes_release(*, order: Order) -> None:
    """Give back the code uses `order` redeemed (checkout calls this on cancellation only: a
    declined payment rolls the redemption back with the transaction).

    Without promotion models no order has redemptions, so there is nothing to give back. The
    promotions app replaces this body: delete the order's redemption rows and decrement each
    code's use count, idempotently (a second call finds no rows).
    """
    return None


def consolation_code_issue(*, giveaway: Giveaway, entry: Entry) -> str | None:
    """A new single-use promo code for an entrant who did not win, or None when the giveaway
    has no consolation promotion configured (the thanks email then simply has no code).

    The caller stores the code on the entry and never asks twice for the same entry, so this
    only has to create one code per call. Promo codes do not exist on this branch yet, so no
    giveaway can have a consolation promotion: the promotions work replaces this body (see
    the giveaways report) with: look up the giveaway's consolation promotion; if none, return
    None; else create one code of it with usage_limit=1 (and per_customer_limit=1 for
    entry.email_normalized) and return the code string.
    """
    return None
