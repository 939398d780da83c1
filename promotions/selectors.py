"""Read-side queries for promotions: promo codes as pricing rules, giveaways, the outbox."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from shop.pricing import PromoRule, UnknownCode

from .models import Entry, Giveaway, OutboxMessage

RECENTLY_CLOSED = timedelta(days=30)


def _with_counts(queryset: QuerySet[Giveaway]) -> QuerySet[Giveaway]:
    """Entries counted the way the public sees them: everything but rejected entries (held
    entries too, so a spammer cannot tell they were held)."""
    counted = (
        Entry.objects.filter(giveaway=OuterRef("pk"))
        .exclude(status=Entry.Status.REJECTED)
        .order_by()
        .values("giveaway")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return queryset.annotate(
        entry_count=Coalesce(Subquery(counted, output_field=IntegerField()), 0)
    ).prefetch_related("prize_products")


def giveaway_list_public(*, now: datetime | None = None) -> QuerySet[Giveaway]:
    """Open giveaways and those closed in the last 30 days, soonest closing first."""
    now = now or timezone.now()
    return _with_counts(
        Giveaway.objects.filter(opens_at__lte=now, closes_at__gte=now - RECENTLY_CLOSED)
    ).order_by("closes_at", "pk")


def giveaway_get(*, slug: str) -> Giveaway | None:
    """One giveaway with its public entry count and prize products."""
    return _with_counts(Giveaway.objects.filter(slug=slug)).first()


def giveaway_entry_count(*, giveaway: Giveaway) -> int:
    return Entry.objects.filter(giveaway=giveaway).exclude(status=Entry.Status.REJECTED).count()


def prize_value(giveaway: Giveaway) -> Decimal:
    """The regular price of the prize products (already prefetched)."""
    return sum((p.price_amount for p in giveaway.prize_products.all()), start=Decimal("0.00"))


def entry_list(*, giveaway: Giveaway, status: str = "") -> QuerySet[Entry]:
    queryset = Entry.objects.filter(giveaway=giveaway)
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("pk")


def entry_emails(*, entries: list[Entry]) -> dict[int, list[OutboxMessage]]:
    """The outbox rows about each entry, in one query."""
    refs = {entry.ref: entry.pk for entry in entries}
    out: dict[int, list[OutboxMessage]] = {pk: [] for pk in refs.values()}
    for message in OutboxMessage.objects.filter(object_ref__in=list(refs)).order_by("created_at"):
        out[refs[message.object_ref]].append(message)
    return out


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
