"""Checkout's side of replenishment reminders: what a paid (or cancelled) order bought, read
from its lines and handed to `promotions.reminders.replenishment` as plain data.

Each product counts with its units across plain lines, kit components and routine selections;
gifts are left out (nobody chose them)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, Sum
from django.utils import timezone

from promotions.reminders.models import ReplenishmentOrder
from promotions.reminders.replenishment import (
    Bought,
    replenishment_decline,
    replenishment_forget,
    replenishment_schedule,
)
from promotions.reminders.subscriptions import replenish_opt_in
from shop.checkout.models import Order, OrderLineComponent


def catch_up_days() -> int:
    return int(getattr(settings, "REPLENISH_CATCH_UP_DAYS", 3))


def _bought(order: Order) -> list[Bought]:
    """What the order bought, with how many days one unit of each product lasts."""
    return [
        Bought(product_id=product_id, units=int(units), days_of_use=days_of_use)
        for product_id, days_of_use, units in OrderLineComponent.objects.filter(
            line__order=order, gift=False, line__gift=False
        )
        .values("product_id", "product__days_of_use")
        .annotate(units=Sum("quantity"))
        .values_list("product_id", "product__days_of_use", "units")
    ]


def replenishment_schedule_for_order(*, order: Order, now: datetime | None = None) -> int:
    """Schedule the products of a paid order (once per order: a repeat changes nothing).
    Returns how many products were scheduled."""
    return replenishment_schedule(
        order_id=order.pk,
        email=order.email,
        paid_at=order.paid_at,
        bought=_bought(order),
        now=now,
    )


def replenishment_consent(*, order: Order, wanted: bool | None) -> None:
    """The checkout's "remind me when this runs out" box, in the order's transaction. Ticked:
    the buyer asks for replenishment reminders (`replenish_opt_in`: confirmed by email unless
    already); unticked: this order's products are never scheduled. Not sent at all (API
    clients from before the box): as before, scheduled, and emailed only once a confirmed
    replenish subscription exists (the sweep checks consent when each falls due)."""
    if wanted is True:
        replenish_opt_in(email=order.email, user_id=order.user_id)
    elif wanted is False:
        replenishment_decline(order_id=order.pk)


def replenishment_forget_order(*, order: Order, now: datetime | None = None) -> int:
    """A cancelled order's units never reach the person: take them back out of the run-out
    dates they moved (see `replenishment_forget`). Runs in the cancelling transaction; returns
    how many products changed."""
    return replenishment_forget(
        order_id=order.pk,
        email=order.email,
        paid_at=order.paid_at,
        units={product.product_id: product.units for product in _bought(order)},
        now=now,
    )


def replenishment_catch_up(*, now: datetime | None = None) -> int:
    """Paid orders of the last REPLENISH_CATCH_UP_DAYS that were never scheduled (the task
    after payment was lost, or ran before this code existed) are scheduled now."""
    now = now or timezone.now()
    since = now - timedelta(days=catch_up_days())
    missing = (
        Order.objects.filter(status=Order.Status.PAID, paid_at__gte=since)
        .exclude(Exists(ReplenishmentOrder.objects.filter(order=OuterRef("pk"))))
        .order_by("pk")[:500]
    )
    done = 0
    for order in missing:
        if replenishment_schedule_for_order(order=order, now=now):
            done += 1
    return done
