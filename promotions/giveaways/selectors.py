"""Read-side queries for giveaways: the public list, one giveaway, entries and prize value."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from kits.models import KitComponent, KitGift
from promotions.giveaways.models import Entry, Giveaway
from promotions.messaging.models import OutboxMessage
from promotions.messaging.selectors import outbox_messages_about

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
    ).prefetch_related(
        "prize_products",
        Prefetch("prize_kit__components", queryset=KitComponent.objects.select_related("product")),
        Prefetch("prize_kit__gifts", queryset=KitGift.objects.select_related("product")),
    )


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
    """The regular price of everything won: the prize kit's components and gifts and the prize
    products (all prefetched by the giveaway selectors)."""
    value = sum((p.price_amount for p in giveaway.prize_products.all()), start=Decimal("0.00"))
    if giveaway.prize_kit is not None:
        kit = giveaway.prize_kit
        for part in [*kit.components.all(), *kit.gifts.all()]:
            value += part.product.price_amount * part.quantity
    return value


def prize_gift_value(giveaway: Giveaway) -> Decimal:
    """The regular price of the prize kit's gifts: the part of `prize_value` that is free gifts,
    so a page can show the worth as figures that add up (products + gifts)."""
    kit = giveaway.prize_kit
    if kit is None:
        return Decimal("0.00")
    gifts = (part.product.price_amount * part.quantity for part in kit.gifts.all())
    return sum(gifts, start=Decimal("0.00"))


def entry_list(*, giveaway: Giveaway, status: str = "") -> QuerySet[Entry]:
    queryset = Entry.objects.filter(giveaway=giveaway)
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("pk")


def entry_emails(*, entries: list[Entry]) -> dict[int, list[OutboxMessage]]:
    """The outbox rows about each entry, in one query."""
    about = outbox_messages_about(object_refs=[entry.ref for entry in entries])
    return {entry.pk: about[entry.ref] for entry in entries}
