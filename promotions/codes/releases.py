"""Giving uses back: a cancelled order (`promo_codes_release`), a checkout that never became an
order (`promo_codes_forget`). Counters stay equal to the unreleased Redemption rows.

Codes and automatic offers are kept in memory under the catalog token, which counting uses
leaves alone (`promotions.codes.uses`): a use given back at a limit puts its code or offer back
into cached prices, so it touches the token.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from promotions.codes.models import PromoCode, Promotion, Redemption
from promotions.codes.uses import uses_at_limit, uses_token_touch, uses_token_touch_later


def promo_codes_release(*, order: Any) -> None:
    """Give back every use `order` took (a cancelled order). Safe to call twice: only a
    redemption this call marks released gives its use back.

    A use given back at a limit puts its code or offer back into cached prices: the token is
    touched first when a count read beforehand is at its limit, or once this commits when one
    was by the time its row was locked (another checkout took the last use in between)."""
    now = timezone.now()
    with transaction.atomic():
        redemptions = list(
            Redemption.objects.filter(order_id=order.pk, released_at__isnull=True)
            .order_by("promotion_id", "code_id")
            .values_list(
                "pk",
                "promotion_id",
                "code_id",
                "promotion__usage_limit",
                "promotion__uses",
                "code__max_uses",
                "code__uses",
            )
        )
        touched = any(uses_at_limit((r[3], r[4]), (r[5], r[6])) for r in redemptions)
        if touched:
            uses_token_touch()
        given_back: list[tuple[int, int | None]] = []
        for pk, promotion_id, code_id, *_counts_read in redemptions:
            released = Redemption.objects.filter(pk=pk, released_at__isnull=True).update(
                released_at=now
            )
            if released:
                Promotion.objects.filter(pk=promotion_id, uses__gt=0).update(uses=F("uses") - 1)
                PromoCode.objects.filter(pk=code_id, uses__gt=0).update(uses=F("uses") - 1)
                given_back.append((promotion_id, code_id))
        if not touched and given_back:
            _touch_if_given_back_at_limit(given_back)


def _touch_if_given_back_at_limit(given_back: Sequence[tuple[int, int | None]]) -> None:
    """Touch the token after the commit when a use was given back to a promotion or code that
    was at its limit just before (read under the row locks the releases hold)."""
    promotions = Counter(promotion for promotion, _ in given_back)
    codes = Counter(code for _, code in given_back if code is not None)
    limited = Promotion.objects.filter(pk__in=promotions, usage_limit__isnull=False)
    counts = [
        (limit, uses + promotions[pk])
        for pk, limit, uses in limited.values_list("pk", "usage_limit", "uses")
    ]
    limited_codes = PromoCode.objects.filter(pk__in=codes, max_uses__isnull=False)
    counts += [
        (limit, uses + codes[pk])
        for pk, limit, uses in limited_codes.values_list("pk", "max_uses", "uses")
    ]
    if uses_at_limit(*counts):
        uses_token_touch_later()


def promo_codes_forget(*, order: Any) -> None:
    """A checkout that never became an order (its payment was declined, its reservation
    expired): give back every use it took, as `promo_codes_release` does, then delete its
    redemption rows, so that nothing of it remains."""
    with transaction.atomic():
        promo_codes_release(order=order)
        Redemption.objects.filter(order_id=order.pk).delete()
