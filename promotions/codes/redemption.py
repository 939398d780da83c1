"""Redeeming codes at checkout: hard limits, taken with guarded UPDATEs in two steps around the
stock (shop/checkout/services.py, inside its reservation transaction):

1. `promo_uses_prepare`, before any hot row is locked: the codes the breakdown applied are read
   (one a breakdown rejected, or gone since, raises `PromoUnavailable`) and each use's
   `Redemption` row is written; the same for the automatic offers (`promotions.codes.offers`).
2. `PendingUses.take`, after the stock: the catalog token touched first when a use may bring a
   code or offer to a limit (`promotions.codes.uses`; after the product rows and before the
   promotions' rows, in the order a cancellation takes them too), then for every code, in
   (promotion, code) id order, and every offer

       UPDATE promotion SET uses = uses + 1 WHERE id = ? AND active AND <window> AND uses < limit
       UPDATE promo code SET uses = uses + 1 WHERE id = ? AND uses < max_uses

   (on PostgreSQL a code's two in one statement, which also says whether a limit was reached)

   An UPDATE that matches no row means the limit is reached: `PromoUnavailable` is raised and
   the transaction (checkout's; or `promo_codes_redeem`'s savepoint) undoes everything, the
   Redemption rows included. The promotion's UPDATE always runs (also without a total limit),
   so it locks the promotion's row until the reservation commits: the per-customer count is
   read after it, under the lock, where no other checkout of the promotion can add a
   redemption (the count includes this order's own row, written in step 1).

A promotion's row is the queue every buyer of one code waits in: held from its UPDATE to the
COMMIT, which follows at once (issue 20: the reads and the inserts used to be inside too).
A failed reservation rolls back, uses included; a declined payment or an expired reservation
calls `promo_codes_forget` (uses given back, rows deleted); a cancelled order calls
`promo_codes_release` (both in `releases`). Counters therefore always equal the number of
unreleased Redemption rows.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from config.errors import DomainError
from config.sql import column, table
from promotions.codes.models import PromoCode, Promotion, Redemption
from promotions.codes.offers import offer_rules_of, offer_uses_prepare, offer_uses_take
from promotions.codes.uses import (
    Count,
    customer_uses,
    redemption_record,
    unavailable_reason,
    uses_near_limit,
    uses_token_touch,
    uses_token_touch_later,
    uses_touch_if_used_up,
)
from promotions.messaging.identity import normalize_email
from shop.pricing import Breakdown

GIFT_LINE_PREFIX = "gift:"  # shop.pricing names a promo gift line "gift:<CODE>"
THRESHOLD_RULE = "free_shipping_over"  # shop.pricing's rule for the free-shipping threshold

REASONS = {
    "promo_not_found": "{code} isn't a valid promo code.",
    "promo_min_subtotal": "Your cart no longer reaches the minimum for {code}.",
    "promo_not_applicable": "{code} doesn't apply to anything in your cart.",
    "promo_not_combinable": "{code} can't be combined with the other codes.",
    "promo_not_started": "{code} can't be used yet.",
    "promo_expired": "{code} has expired.",
    "promo_exhausted": "{code} has been fully redeemed.",
    "promo_customer_limit": "You've already used {code} as many times as it allows.",
}


class PromoUnavailable(DomainError):
    """A code in the order can no longer be redeemed: 409 with the contract rejection code
    (`reason`: promo_exhausted, promo_customer_limit, ...) as the problem's code, and a
    `message` that says it to a shopper."""

    status = 409

    def __init__(self, promo_code: str, reason: str) -> None:
        self.promo_code = promo_code
        self.reason = reason
        self.message = REASONS.get(reason, "{code} can't be used.").format(code=promo_code)
        super().__init__(self.message, code=reason, extra={"promo_code": promo_code})


class OrderLike(Protocol):
    """What redemption needs of an order: its id, and the account when there is one."""

    pk: Any


@dataclass
class _Given:
    """What one code gave an order, in cents (gifts are valued at redemption)."""

    discount: int = 0
    shipping: int = 0
    gift: bool = False


def _given_by_code(breakdown: Breakdown, offers: set[str]) -> dict[str, _Given]:
    """Every code that applied in a breakdown, with what it gave.

    Percent and amount codes are `applied` entries with source "promo"; gift codes too (0.00)
    plus a gift line "gift:<CODE>"; free-shipping codes are the shipping waiver whose rule is
    the code (the threshold waiver's rule is "free_shipping_over", never a code: codes are
    stored in upper case; an automatic offer's waiver has the offer's id, one of `offers`).
    """
    given: dict[str, _Given] = {}
    for adjustment in breakdown.applied:
        if adjustment.source == "promo":
            given.setdefault(adjustment.rule, _Given()).discount += adjustment.amount.cents
        elif adjustment.source == "shipping" and adjustment.rule not in (THRESHOLD_RULE, *offers):
            given.setdefault(adjustment.rule, _Given()).shipping += adjustment.amount.cents
    for line in breakdown.lines:
        if line.gift and line.id.startswith(GIFT_LINE_PREFIX):
            given.setdefault(line.id[len(GIFT_LINE_PREFIX) :], _Given()).gift = True
    return given


def _counts(code: PromoCode) -> tuple[Count, Count]:
    """The code's limits with their uses as read: the promotion's and the code's own."""
    return (code.promotion.usage_limit, code.promotion.uses), (code.max_uses, code.uses)


def _take_use(code: PromoCode, now: datetime, *, touched: bool) -> None:
    """Count one use against the promotion and the code, or raise PromoUnavailable.

    `touched`: the token was touched before any use was taken (a code one use from a limit,
    `promotions.codes.uses`); otherwise a use that reached a limit all the same (another
    checkout took one in between) touches it once this commits."""
    if connection.vendor == "postgresql":
        _take_use_in_one(code, now, touched=touched)
        return
    taken = (
        Promotion.objects.filter(pk=code.promotion_id, active=True)
        .filter(Q(starts_at__isnull=True) | Q(starts_at__lte=now))
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
        .filter(Q(usage_limit__isnull=True) | Q(uses__lt=F("usage_limit")))
        .update(uses=F("uses") + 1)
    )
    if not taken:
        raise PromoUnavailable(code.code, unavailable_reason(code.promotion_id, now))
    taken = (
        PromoCode.objects.filter(pk=code.pk)
        .filter(Q(max_uses__isnull=True) | Q(uses__lt=F("max_uses")))
        .update(uses=F("uses") + 1)
    )
    if not taken:
        raise PromoUnavailable(code.code, "promo_exhausted")
    if not touched and (code.promotion.usage_limit is not None or code.max_uses is not None):
        uses_touch_if_used_up(promotion_id=code.promotion_id, code_id=code.pk)


def _take_use_in_one(code: PromoCode, now: datetime, *, touched: bool) -> None:
    """PostgreSQL: both guarded UPDATEs in one statement, one round trip less while the
    promotion's row is locked (the queue of every buyer of the code), each returning whether
    its use reached the limit, so no read after the commit is needed to know it. The
    promotion's row is locked before the code's (the code's UPDATE reads the promotion's
    result), as a release takes them."""
    with connection.cursor() as cursor:
        cursor.execute(
            _take_use_sql(), {"promotion": code.promotion_id, "code": code.pk, "now": now}
        )
        promotion_used_up, code_used_up = cursor.fetchone()
    if promotion_used_up is None:
        raise PromoUnavailable(code.code, unavailable_reason(code.promotion_id, now))
    if code_used_up is None:
        raise PromoUnavailable(code.code, "promo_exhausted")
    if not touched and (promotion_used_up or code_used_up):
        uses_token_touch_later()  # not now: the promotion's row is locked (promotions.codes.uses)


@functools.cache
def _take_use_sql() -> str:
    """The statement `_take_use_in_one` runs, built once the models are loaded."""
    p, c = Promotion._meta, PromoCode._meta
    pk, active, starts, ends = (
        column(p, name) for name in ("id", "active", "starts_at", "ends_at")
    )
    uses, limit = column(p, "uses"), column(p, "usage_limit")
    code_pk, code_uses, code_max = (column(c, name) for name in ("id", "uses", "max_uses"))
    return f"""
        WITH promotion AS (
            UPDATE {table(p)} SET {uses} = {uses} + 1
            WHERE {pk} = %(promotion)s AND {active}
                AND ({starts} IS NULL OR {starts} <= %(now)s)
                AND ({ends} IS NULL OR {ends} > %(now)s)
                AND ({limit} IS NULL OR {uses} < {limit})
            RETURNING {limit} IS NOT NULL AND {uses} >= {limit} AS used_up
        ), code AS (
            UPDATE {table(c)} SET {code_uses} = {code_uses} + 1
            WHERE {code_pk} = %(code)s AND ({code_max} IS NULL OR {code_uses} < {code_max})
                AND EXISTS (SELECT FROM promotion)
            RETURNING {code_max} IS NOT NULL AND {code_uses} >= {code_max} AS used_up
        )
        SELECT (SELECT used_up FROM promotion), (SELECT used_up FROM code)
    """  # noqa: S608 (names from the models)


@dataclass(frozen=True, slots=True)
class PendingUses:
    """The uses `promo_uses_prepare` recorded for an order, counted by `take` (step 2)."""

    now: datetime
    emails: tuple[str, ...] = ()  # every address of the person (`customer_redemptions`)
    user_id: int | None = None
    codes: tuple[PromoCode, ...] = ()  # in (promotion, code) id order
    offers: Sequence[Promotion] = field(default_factory=tuple)  # in id order
    near_limit: bool = False  # a use may bring a code or an offer to a limit, as read

    def take(self) -> None:
        """Count every use with the guarded UPDATEs; raises PromoUnavailable (or the offers'
        OfferUnavailable) when a limit is reached. Call it last before the COMMIT."""
        # A use that brings a code or offer to a limit takes it out of every cached price: the
        # token row, before any promotion's row is locked.
        if self.near_limit:
            uses_token_touch()
        for code in self.codes:
            _take_use(code, self.now, touched=self.near_limit)
            limit = code.promotion.per_customer_limit
            # Read under the promotion's row lock, which _take_use's UPDATE now holds; the
            # count includes the row step 1 wrote for this order.
            if (
                limit is not None
                and customer_uses(code.promotion_id, self.emails, self.user_id) > limit
            ):
                raise PromoUnavailable(code.code, "promo_customer_limit")
        offer_uses_take(
            self.offers,
            now=self.now,
            who=self.emails,
            user_id=self.user_id,
            touched=self.near_limit,
        )


def promo_uses_prepare(
    *,
    order: OrderLike,
    breakdown: Breakdown,
    email: str,
    account_email: str = "",
    new_order: bool = False,
) -> PendingUses:
    """Step 1 for every code (and automatic offer) that applied in `breakdown` for `order`:
    read, refused if the breakdown rejected it or it is gone (PromoUnavailable), its
    Redemption row written. Nothing is locked; `PendingUses.take` counts the uses. Call both
    in one transaction.

    A code the breakdown rejected raises, with its rejection code as the reason (a code used up
    or expired between the cart and checkout, or over this customer's limit now that the email
    is known): checkout then stops with that reason instead of charging more than the shopper
    was shown.

    Per-customer limits count one person by the order's email, the account's own address
    (`account_email`) and the account (`order.user_id`): neither another address nor signing
    out gets around them.

    `new_order`: the order was written in this same transaction (checkout), so none of its
    uses can be taken yet and they are not looked for; otherwise a code the order already
    used is left out (redeeming twice changes nothing).
    """
    for rejection in breakdown.rejected:
        if rejection.source == "promo":
            raise PromoUnavailable(rejection.rule, rejection.code)
    now = timezone.now()
    offers = offer_rules_of(breakdown)
    given = _given_by_code(breakdown, offers)
    if not given and not offers:
        return PendingUses(now)
    customer = normalize_email(email)
    emails = tuple(sorted({customer, email.strip(), normalize_email(account_email)} - {""}))
    user_id = getattr(order, "user_id", None)
    codes = {
        code.code: code
        for code in PromoCode.objects.filter(code__in=list(given)).select_related(
            "promotion__gift_product"
        )
    }
    for name in given:
        if name not in codes:
            raise PromoUnavailable(name, "promo_not_found")
    done = set(
        Redemption.objects.filter(order_id=order.pk, released_at__isnull=True).values_list(
            "code__code", flat=True
        )
        if codes and not new_order
        else ()
    )
    taking = sorted(
        (code for code in codes.values() if code.code not in done),
        key=lambda c: (c.promotion_id, c.pk),
    )
    for code in taking:
        gave = given[code.code]
        redemption_record(
            code=code,
            promotion=code.promotion,
            order=order,
            customer=customer,
            user_id=user_id,
            discount=gave.discount,
            shipping=gave.shipping,
            gift=gave.gift,
            now=now,
        )
    taken = offer_uses_prepare(order=order, breakdown=breakdown, customer=customer, now=now)
    counts = [count for code in taking for count in _counts(code)]
    counts += [(offer.usage_limit, offer.uses) for offer in taken]
    return PendingUses(now, emails, user_id, tuple(taking), taken, uses_near_limit(*counts))


def promo_codes_redeem(
    *,
    order: OrderLike,
    breakdown: Breakdown,
    email: str,
    account_email: str = "",
    new_order: bool = False,
) -> None:
    """Both steps at once (`promo_uses_prepare`, then `take`): redeem every code and offer that
    applied in `breakdown` for `order`; raises PromoUnavailable or OfferUnavailable. In a
    savepoint, except for checkout's `new_order` (a refusal rolls its whole transaction back):
    when a limit would be exceeded nothing of this call remains. Redeeming the same order again
    changes nothing."""
    offers = offer_rules_of(breakdown)
    promo = any(entry.source == "promo" for entry in breakdown.rejected)
    if not promo and not offers and not _given_by_code(breakdown, offers):
        return  # nothing to redeem: not even a savepoint
    with transaction.atomic(savepoint=not new_order):
        promo_uses_prepare(
            order=order,
            breakdown=breakdown,
            email=email,
            account_email=account_email,
            new_order=new_order,
        ).take()
