"""Checkout's side of replenishment reminders: what a paid (or cancelled) order bought, read
from its lines and handed to `promotions.reminders.replenishment` as plain data, and the sweep
that schedules paid orders.

Each product counts with its units across plain lines, kit components and routine selections;
gifts are left out (nobody chose them).

Nothing is queued when an order is paid: beat's sweep (`replenishment_sweep`, every minute,
over the orders paid in the last REPLENISH_SWEEP_MINUTES) schedules them, so a checkout pays
for no Celery publish, and an order paid from the admin later is found the same way. A
reminder falls due weeks after payment; a minute's wait changes nothing. The hourly catch-up
(`replenishment_catch_up`) does the same over REPLENISH_CATCH_UP_DAYS, for beat or the workers
having been down longer than the sweep looks back."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Sum
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


def sweep_minutes() -> int:
    return int(getattr(settings, "REPLENISH_SWEEP_MINUTES", 15))


def sweep_batch() -> int:
    return int(getattr(settings, "REPLENISH_SWEEP_BATCH", 500))


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


def replenishment_sweep(*, now: datetime | None = None) -> int:
    """Beat, every minute: schedule the orders paid in the last REPLENISH_SWEEP_MINUTES that
    are not scheduled yet (checkout's and the admin's alike). Returns how many it scheduled."""
    now = now or timezone.now()
    return _schedule_paid(since=now - timedelta(minutes=sweep_minutes()), now=now)


def replenishment_catch_up(*, now: datetime | None = None) -> int:
    """Beat, every hour: the same over the last REPLENISH_CATCH_UP_DAYS, for orders the
    minute's sweep never saw (beat, the workers or Redis down for longer than it looks back)."""
    now = now or timezone.now()
    return _schedule_paid(since=now - timedelta(days=catch_up_days()), now=now)


def _unscheduled(*, since: datetime, now: datetime) -> QuerySet[Order]:
    """Paid orders paid in [since, now] without a ReplenishmentOrder. The partial index
    `order_paid_at_paid` (paid_at, covering id, paid orders only) keeps this a range scan of
    the window whatever the number of older orders."""
    return Order.objects.filter(
        status=Order.Status.PAID, paid_at__gte=since, paid_at__lte=now
    ).exclude(Exists(ReplenishmentOrder.objects.filter(order=OuterRef("pk"))))


def _schedule_paid(*, since: datetime, now: datetime) -> int:
    """Work through every unscheduled order paid in [since, now], REPLENISH_SWEEP_BATCH ids at
    a time in (paid_at, id) order: all of them, however many (a flash sale's 6,000 a minute
    included), and the run still ends however many arrive meanwhile (those paid after `now`
    are the next run's). Each order is scheduled in a short transaction of its own
    (`_schedule_one`), so no lock or transaction outlives one order, and a run that starts
    while another is still going shares the rest with it (each skips what the other holds)."""
    due = _unscheduled(since=since, now=now)
    done = 0
    after: tuple[datetime | None, int] | None = None
    while True:
        page = due
        if after is not None:
            paid_at, pk = after
            page = due.filter(paid_at__gte=paid_at).filter(Q(paid_at__gt=paid_at) | Q(pk__gt=pk))
        batch = list(page.order_by("paid_at", "pk").values_list("paid_at", "pk")[: sweep_batch()])
        for _, pk in batch:
            done += _schedule_one(order_id=pk, since=since, now=now)
        if len(batch) < sweep_batch():
            return done
        after = batch[-1]


def _schedule_one(*, order_id: int, since: datetime, now: datetime) -> int:
    """Schedule one order under its row lock (FOR NO KEY UPDATE SKIP LOCKED). An order held
    elsewhere is left alone: another sweep is scheduling it, or a cancellation is under way
    (its transaction commits the order cancelled, and nothing is scheduled; a cancellation
    that comes second waits for this and takes the scheduled products back out). The
    ReplenishmentOrder row's unique order makes a second scheduling change nothing."""
    with transaction.atomic():
        order = (
            _unscheduled(since=since, now=now)
            .select_for_update(skip_locked=True, no_key=True)
            .filter(pk=order_id)
            .first()
        )
        if order is None:
            return 0
        return 1 if replenishment_schedule_for_order(order=order, now=now) else 0
