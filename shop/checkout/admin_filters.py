"""Order list filters the merchant analytics dashboard links to: the orders behind a figure.

Each lists only the value asked for, so the list's sidebar says what it is filtered by
without loading every code or kit. Imported by shop.checkout.admin.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib import admin
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from promotions.giveaways.models import Entry
from promotions.reminders.models import Reminder
from shop.checkout.models import Order, OrderAdjustment, OrderLine


class _LinkedFilter(admin.SimpleListFilter):
    """Filters by `?<parameter>=<kind>:<key>`, listing only the value asked for."""

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        value = self.value()
        return [(value, value)] if value else []


class AppliedFilter(_LinkedFilter):
    """Orders a code (`code:PORES15`) or an automatic offer (`offer:<promotion id>`) applied
    to, from their order-level adjustments as charged."""

    title = "code or offer applied"
    parameter_name = "applied"
    SOURCES = {"code": ("promo", "shipping"), "offer": ("offer",)}

    def queryset(self, request: HttpRequest, queryset: QuerySet[Order]) -> QuerySet[Order]:
        kind, _, rule = (self.value() or "").partition(":")
        if kind not in self.SOURCES or not rule:
            return queryset
        applied = OrderAdjustment.objects.filter(
            order=OuterRef("pk"), line__isnull=True, source__in=self.SOURCES[kind], rule=rule
        )
        return queryset.filter(Exists(applied))


class LineFilter(_LinkedFilter):
    """Orders holding a kit or routine (`kit:<slug>`, `routine:<slug>`)."""

    title = "kit or routine bought"
    parameter_name = "line"

    def queryset(self, request: HttpRequest, queryset: QuerySet[Order]) -> QuerySet[Order]:
        kind, _, ref = (self.value() or "").partition(":")
        if not (kind and ref):
            return queryset
        return queryset.filter(
            Exists(OrderLine.objects.filter(order=OuterRef("pk"), kind=kind, ref=ref))
        )


# The windows the analytics figures count orders in; the dashboard links here with them.
GIVEAWAY_ORDER_DAYS = 30
REMINDER_ORDER_DAYS = 7


def _shop_midnight(raw: str) -> datetime | None:
    """The start of a YYYY-MM-DD day in the shop's time zone; None for anything else (or a
    day so far off that a week added to it would not be a date)."""
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        return None
    if not date(1970, 1, 1) <= day <= date(9000, 12, 31):
        return None
    return datetime.combine(day, time.min, tzinfo=timezone.get_default_timezone())


class CustomerFilter(_LinkedFilter):
    """`new:<YYYY-MM-DD>`: orders of people with no order (cancelled ones aside) before that
    day began in the shop's time zone; `returning:<YYYY-MM-DD>`: of people with one."""

    title = "new or returning customer"
    parameter_name = "customer"

    def queryset(self, request: HttpRequest, queryset: QuerySet[Order]) -> QuerySet[Order]:
        group, _, day = (self.value() or "").partition(":")
        start = _shop_midnight(day)
        if group not in ("new", "returning") or start is None:
            return queryset
        earlier = Order.objects.filter(
            customer_email=OuterRef("customer_email"), created_at__lt=start
        ).exclude(status=Order.Status.CANCELLED)
        return queryset.filter(Exists(earlier) if group == "returning" else ~Exists(earlier))


class EntrantsFilter(_LinkedFilter):
    """`<giveaway id>`: orders placed within 30 days after the same person entered it."""

    title = "giveaway entrants' orders"
    parameter_name = "entrants"

    def queryset(self, request: HttpRequest, queryset: QuerySet[Order]) -> QuerySet[Order]:
        value = self.value() or ""
        if not value.isdigit():
            return queryset
        entered = Entry.objects.filter(
            giveaway_id=int(value),
            email_normalized=OuterRef("customer_email"),
            created_at__lte=OuterRef("created_at"),
            created_at__gt=OuterRef("created_at") - timedelta(days=GIVEAWAY_ORDER_DAYS),
        )
        return queryset.filter(Exists(entered))


class RemindedFilter(_LinkedFilter):
    """`<kind>:<YYYY-MM-DD>:<YYYY-MM-DD>`: orders placed within 7 days after a reminder of
    that kind sent to the same person on those days (shop time zone, both included)."""

    title = "orders after a reminder"
    parameter_name = "reminded"

    def queryset(self, request: HttpRequest, queryset: QuerySet[Order]) -> QuerySet[Order]:
        kind, _, days = (self.value() or "").partition(":")
        first, _, last = days.partition(":")
        start, end = _shop_midnight(first), _shop_midnight(last)
        if not kind or start is None or end is None:
            return queryset
        sent = Reminder.objects.filter(
            kind=kind,
            state=Reminder.State.SENT,
            handed_at__gte=start,
            handed_at__lt=end + timedelta(days=1),
            email_normalized=OuterRef("customer_email"),
            handed_at__lte=OuterRef("created_at"),
            handed_at__gt=OuterRef("created_at") - timedelta(days=REMINDER_ORDER_DAYS),
        )
        return queryset.filter(Exists(sent))
