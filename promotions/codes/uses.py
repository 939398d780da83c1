"""What a use of a code and a use of an automatic offer share: the Redemption row that records
it, why a promotion's guarded UPDATE took no use, and when a use must change the catalog token.

Codes and offers are kept in memory under the catalog token (`promotions.codes.code_cache`,
`shop.catalog.offers`), which counting a use leaves alone: only a use that reaches a limit, or
gives one back at it, changes what a quote may give, so only those touch the token. Before the
guarded UPDATEs when the count read beforehand is one use from the limit (the token row first,
as every catalog writer takes it, so two writers never lock in opposite orders); in the rare
race where another checkout took a use in between, once the transaction commits
(`uses_touch_if_used_up`: touching then, with the promotion's row locked, could deadlock).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction

from promotions.codes.models import PromoCode, Promotion, Redemption
from promotions.codes.selectors import customer_redemptions
from shop.catalog.version import catalog_token_touch

# A limit and the uses counted against it: (usage_limit, uses) or (max_uses, uses).
Count = tuple[int | None, int]


def _amount(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2).quantize(Decimal("0.01"))


def redemption_record(
    *,
    code: PromoCode | None,
    promotion: Promotion,
    order: Any,
    customer: str,
    user_id: int | None,
    discount: int,
    shipping: int,
    gift: bool,
    now: datetime,
) -> Redemption:
    """One use by `order`: what it took off and waived (cents), and the gift's regular price
    when it gave the promotion's gift. `code` is None for an automatic offer."""
    product = promotion.gift_product
    return Redemption.objects.create(
        code=code,
        promotion=promotion,
        order_id=order.pk,
        customer_email=customer,
        user_id=user_id,
        discount_amount=_amount(discount),
        shipping_amount=_amount(shipping),
        gift_value=product.price_amount if gift and product is not None else Decimal("0"),
        created_at=now,
    )


def customer_uses(promotion_id: int, emails: Sequence[str], user_id: int | None) -> int:
    """Unreleased redemptions of a promotion (code or offer) by this person
    (`customer_redemptions`); read under the promotion's row lock by checkout."""
    who = customer_redemptions(emails, user_id)
    return Redemption.objects.filter(who, promotion_id=promotion_id).count()


def unavailable_reason(promotion_id: int, now: datetime) -> str:
    """Why the guarded UPDATE of a promotion matched nothing: promo_not_found (gone or
    inactive), promo_not_started, promo_expired or promo_exhausted."""
    row = Promotion.objects.filter(pk=promotion_id).values("active", "starts_at", "ends_at").first()
    if row is None or not row["active"]:
        return "promo_not_found"
    if row["starts_at"] is not None and now < row["starts_at"]:
        return "promo_not_started"
    if row["ends_at"] is not None and now >= row["ends_at"]:
        return "promo_expired"
    return "promo_exhausted"


def uses_near_limit(*counts: Count) -> bool:
    """Whether one more use brings any of `counts` to its limit (or past it: a limit lowered
    under the count)."""
    return any(limit is not None and limit - uses <= 1 for limit, uses in counts)


def uses_at_limit(*counts: Count) -> bool:
    """Whether any of `counts` has no use left."""
    return any(limit is not None and uses >= limit for limit, uses in counts)


def uses_token_touch() -> None:
    """Make every cached price drop its codes and offers and read them again (see above)."""
    catalog_token_touch()


def uses_token_touch_later() -> None:
    """Touch the token once the current transaction commits (at once outside one)."""
    transaction.on_commit(uses_token_touch)


def uses_touch_if_used_up(*, promotion_id: int, code_id: int | None = None) -> None:
    """Once the current transaction commits, touch the token if the promotion (with `code_id`,
    the code or its promotion) has no use left: a use reached a limit that the count read
    before the guarded UPDATEs said was further away. Read after the commit rather than under
    the row locks those UPDATEs hold, so the checkouts queueing for the promotion's row wait for
    one statement less; the last checkout to commit a use reads the final counts, so a limit
    reached is always seen."""

    def check() -> None:
        counts: list[Count] = []
        if code_id is None:
            counts += Promotion.objects.filter(pk=promotion_id).values_list("usage_limit", "uses")
        else:
            both = ("max_uses", "uses", "promotion__usage_limit", "promotion__uses")
            for code_max, code_uses, limit, uses in PromoCode.objects.filter(
                pk=code_id
            ).values_list(*both):
                counts += [(code_max, code_uses), (limit, uses)]
        if uses_at_limit(*counts):
            uses_token_touch()

    transaction.on_commit(check)
