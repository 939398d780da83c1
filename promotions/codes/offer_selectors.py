"""Automatic offers as pricing rules: every live offer for the cached catalog
(`shop.catalog.offers`, which calls `offer_rules_load` after a promotion write), and this
shopper's uses of the offers that limit them per customer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from promotions.codes.models import Promotion, Redemption
from promotions.codes.selectors import customer_redemptions, promotion_scopes
from shop.pricing import Item, Money, OfferRule

# What an offer's rule is made of, one row per offer: `_offer_rule` reads them by position.
_OFFER_FIELDS = (
    "pk",
    "name",
    "kind",
    "value",
    "buy_quantity",
    "get_quantity",
    "gift_product__slug",
    "gift_product__name",
    "gift_product__price_amount",
    "gift_product__step__slug",
    "min_items",
    "min_subtotal_amount",
    "applies_to_bundles",
    "combinable",
    "priority",
    "starts_at",
    "ends_at",
    "usage_limit",
    "uses",
    "per_customer_limit",
    "active",
)


def _offer_rule(row: tuple[Any, ...], scope: dict[str, set[str]], currency: str) -> OfferRule:
    (
        pk,
        name,
        kind,
        value,
        buy,
        get,
        gift_slug,
        gift_name,
        gift_price,
        gift_step,
        min_items,
        minimum,
        applies_to_bundles,
        combinable,
        priority,
        starts_at,
        ends_at,
        usage_limit,
        uses,
        per_customer_limit,
        active,
    ) = row
    gift = None
    if gift_slug is not None:
        gift = Item(gift_slug, gift_name, Money.of(gift_price, currency), gift_step)
    return OfferRule(
        id=str(pk),
        kind=kind,
        value=value,
        label=name,
        buy=buy or 0,
        get=get or 0,
        gift=gift,
        min_items=min_items,
        min_subtotal=None if minimum is None else Money.of(minimum, currency),
        products=frozenset(scope.get("products", ())),
        kits=frozenset(scope.get("kits", ())),
        steps=frozenset(scope.get("steps", ())),
        applies_to_bundles=applies_to_bundles,
        combinable=combinable,
        priority=priority,
        starts_at=starts_at,
        ends_at=ends_at,
        usage_limit=usage_limit,
        uses=uses,
        per_customer_limit=per_customer_limit,
        active=active,
    )


def offer_rules_load(*, include_inactive: bool = False) -> tuple[OfferRule, ...]:
    """Every automatic offer that may still apply, highest priority first (ties: oldest
    first): active and not ended. One query, two when there is any offer (its scope).

    Offers that have not started yet are included (the pricing service judges dates, and the
    cache this fills is only reloaded on a promotion write); so are used-up ones, which the
    pricing service skips. `include_inactive` adds inactive ones (the admin simulator).
    """
    now = timezone.now()
    found = Promotion.objects.filter(automatic=True).filter(
        Q(ends_at__isnull=True) | Q(ends_at__gt=now)
    )
    if not include_inactive:
        found = found.filter(active=True)
    rows = list(found.order_by("-priority", "pk").values_list(*_OFFER_FIELDS))
    if not rows:
        return ()
    scopes = promotion_scopes([row[0] for row in rows], codes=False)
    currency = str(settings.SHOP_CURRENCY)
    return tuple(_offer_rule(row, scopes.get(row[0], {}), currency) for row in rows)


def offers_for_customer(
    offers: Sequence[OfferRule], *, emails: Sequence[str], user_id: int | None = None
) -> tuple[OfferRule, ...]:
    """`offers` with this shopper's unreleased uses (`customer_redemptions`: their emails,
    normalised, and their account) filled in where an offer limits uses per customer. No
    query when no offer has such a limit or the shopper is unknown."""
    limited = [int(offer.id) for offer in offers if offer.per_customer_limit is not None]
    if not limited or (not any(emails) and user_id is None):
        return tuple(offers)
    uses = dict(
        Redemption.objects.filter(customer_redemptions(emails, user_id))
        .filter(promotion_id__in=limited)
        .order_by()
        .values_list("promotion_id")
        .annotate(uses=Count("pk"))
    )
    return tuple(
        replace(offer, customer_uses=uses.get(int(offer.id), 0))
        if offer.per_customer_limit is not None
        else offer
        for offer in offers
    )
