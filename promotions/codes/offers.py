"""Uses of automatic offers at checkout: counted and limited exactly as code uses are, in the
same two steps (`promotions.codes.redemption`), inside the checkout transaction.

`offer_uses_prepare`, before any promotion's row is locked, reads the offers the breakdown
applied and writes a `Redemption` without a code for each. `offer_uses_take`, after the codes'
takes, runs for every offer

    UPDATE promotion SET uses = uses + 1
    WHERE id = ? AND automatic AND active AND <window> AND uses < usage_limit

(always, which also locks the offer's row until the transaction ends) and counts this
customer's unreleased uses under that lock against `per_customer_limit`. An UPDATE that matches
nothing, or a customer over the limit, raises `OfferUnavailable` (409, the same reasons as a
code: `promo_exhausted`, `promo_customer_limit`, ...) and the transaction (or the redemption's
savepoint) undoes it all, rows included: the shopper is never given more than the offer has
left. Offers are taken in id order after the codes; an automatic promotion has no codes, so
the two sets never share a row and two checkouts never wait on each other in a circle.

The offers every price is computed with are cached under the catalog token
(`shop.catalog.offers`), which a use does not change. So that a used-up offer leaves the cache
at once, the use that reaches the limit touches the token (`uses_token_touch`): before the
UPDATEs when the offer is one use from its limit (`PendingUses.take`, which decides for the
codes and the offers together, before it locks any promotion's row), or, in the rare race
where another checkout took a use in between, right after the commit (touching then, with the
offer's row locked, would take the two locks in the opposite order and could deadlock). Giving
a use back at the limit (`promotions.codes.releases`) touches it too. The rules are
`promotions.codes.uses`', shared with codes, which are cached under the same token.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import F, Q

from config.errors import DomainError
from promotions.codes.models import Promotion, Redemption
from promotions.codes.uses import (
    customer_uses,
    redemption_record,
    unavailable_reason,
    uses_touch_if_used_up,
)
from shop.pricing import Breakdown

OFFER_SOURCE = "offer"  # shop.pricing's `source` of an offer's entries
OFFER_GIFT_LINE_PREFIX = "gift:offer:"  # shop.pricing names an offer's gift line "gift:offer:<id>"

REASONS = {
    "promo_not_found": "The offer “{name}” has ended.",
    "promo_not_started": "The offer “{name}” has not started yet.",
    "promo_expired": "The offer “{name}” has ended.",
    "promo_exhausted": "The offer “{name}” has just run out.",
    "promo_customer_limit": "You've already had the offer “{name}” as many times as it allows.",
}


class OfferUnavailable(DomainError):
    """An offer in the order can no longer be given: 409 with the reason a code would have
    (`promo_exhausted`, `promo_customer_limit`, ...) as the problem's code; the cart re-prices
    without it."""

    status = 409

    def __init__(self, offer: int, name: str, reason: str) -> None:
        self.offer = offer
        self.reason = reason
        self.message = REASONS.get(reason, REASONS["promo_not_found"]).format(name=name)
        super().__init__(self.message, code=reason, extra={"offer": str(offer)})


@dataclass
class OfferGiven:
    """What one offer gave an order, in cents (a gift is valued at checkout)."""

    label: str = ""
    discount: int = 0
    shipping: int = 0
    gift: bool = False


def offers_given(breakdown: Breakdown) -> dict[int, OfferGiven]:
    """Every offer that applied in a breakdown, by promotion id, with what it gave: its
    `applied` entries (source "offer"), the shipping waiver whose rule is its id, and its gift
    line "gift:offer:<id>"."""
    given: dict[int, OfferGiven] = {}
    for adjustment in breakdown.applied:
        if adjustment.source == OFFER_SOURCE:
            offer = given.setdefault(int(adjustment.rule), OfferGiven(adjustment.label))
            offer.discount += adjustment.amount.cents
    for adjustment in breakdown.applied:
        rule = adjustment.rule
        if adjustment.source == "shipping" and rule.isdigit() and int(rule) in given:
            given[int(rule)].shipping += adjustment.amount.cents
    for line in breakdown.lines:
        if line.gift and line.id.startswith(OFFER_GIFT_LINE_PREFIX):
            rule = line.id[len(OFFER_GIFT_LINE_PREFIX) :]
            if rule.isdigit() and int(rule) in given:
                given[int(rule)].gift = True
    return given


def offer_rules_of(breakdown: Breakdown) -> set[str]:
    """The rules (promotion ids as text) of the offers that applied: the codes' hook leaves
    their shipping waivers alone."""
    return {a.rule for a in breakdown.applied if a.source == OFFER_SOURCE}


def _take(offer: Promotion, now: datetime, *, touched: bool) -> None:
    """Count one use of `offer`, or raise OfferUnavailable. `touched`: the token was touched
    before (the offer, or a code of the order, was one use from its limit)."""
    taken = (
        Promotion.objects.filter(pk=offer.pk, automatic=True, active=True)
        .filter(Q(starts_at__isnull=True) | Q(starts_at__lte=now))
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
        .filter(Q(usage_limit__isnull=True) | Q(uses__lt=F("usage_limit")))
        .update(uses=F("uses") + 1)
    )
    if not taken:
        raise OfferUnavailable(offer.pk, offer.name, unavailable_reason(offer.pk, now))
    if offer.usage_limit is not None and not touched:  # another checkout may take one between
        uses_touch_if_used_up(promotion_id=offer.pk)


def offer_uses_prepare(
    *, order: Any, breakdown: Breakdown, customer: str, now: datetime
) -> list[Promotion]:
    """Step 1, before any hot row is locked: read every offer `breakdown` applied that `order`
    has not used yet and write each use's Redemption row. Returns the offers in id order for
    `offer_uses_take`; raises OfferUnavailable for an offer deleted since the cart was priced.
    `customer` is the order's normalised email."""
    given = offers_given(breakdown)
    if not given:
        return []
    done = set(
        Redemption.objects.filter(
            order_id=order.pk, code__isnull=True, released_at__isnull=True
        ).values_list("promotion_id", flat=True)
    )
    wanted = [pk for pk in given if pk not in done]
    offers = list(Promotion.objects.filter(pk__in=wanted).select_related("gift_product"))
    missing = set(wanted) - {offer.pk for offer in offers}
    if missing:  # an offer deleted since the cart was priced
        pk = min(missing)
        raise OfferUnavailable(pk, given[pk].label, "promo_not_found")
    offers.sort(key=lambda offer: offer.pk)
    for offer in offers:
        gave = given[offer.pk]
        redemption_record(
            code=None,
            promotion=offer,
            order=order,
            customer=customer,
            user_id=getattr(order, "user_id", None),
            discount=gave.discount,
            shipping=gave.shipping,
            gift=gave.gift,
            now=now,
        )
    return offers


def offer_uses_take(
    offers: Sequence[Promotion],
    *,
    now: datetime,
    who: Sequence[str],
    user_id: int | None,
    touched: bool,
) -> None:
    """Step 2: count a use of each offer (see the module docstring); raises OfferUnavailable.
    `who` is every address of the person (`customer_redemptions`), whose account is `user_id`;
    `touched`: the token was touched in this transaction already."""
    for offer in offers:
        _take(offer, now, touched=touched)
        limit = offer.per_customer_limit
        # Read under the offer's row lock, which _take's UPDATE now holds; the count includes
        # the Redemption row step 1 wrote for this order.
        if limit is not None and customer_uses(offer.pk, who, user_id) > limit:
            raise OfferUnavailable(offer.pk, offer.name, "promo_customer_limit")
