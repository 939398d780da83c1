"""Celery tasks of checkout: scheduling a paid order's replenishment reminders in a worker,
beat's catch-up of orders whose task was lost, and beat's release of expired reservations.

`replenishment_schedule` keeps the name it had in `promotions.tasks`, so tasks already queued in
Redis still run."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import transaction

from shop.checkout import replenishment, reservation
from shop.checkout.models import Order

logger = logging.getLogger(__name__)


@shared_task(  # type: ignore[untyped-decorator]
    name="promotions.tasks.replenishment_schedule", acks_late=True, ignore_result=True
)
def replenishment_schedule(order_id: int) -> int:
    """An order was paid: schedule its products' replenishment reminders (once per order)."""
    order = Order.objects.filter(pk=order_id).first()
    if order is None or order.status != Order.Status.PAID:
        return 0
    return replenishment.replenishment_schedule_for_order(order=order)


@shared_task(  # type: ignore[untyped-decorator]
    name="shop.checkout.tasks.replenishment_catch_up", ignore_result=True
)
def replenishment_catch_up() -> int:
    """Beat, every minute: schedule recently paid orders that were never scheduled."""
    return replenishment.replenishment_catch_up()


def replenishment_schedule_on_commit(*, order: Order) -> None:
    """Checkout's hook for "this order is now paid": once the transaction commits, a worker
    runs `replenishment_schedule` (so checkout pays only for queueing one task and a failure
    there can never undo a payment). A task lost with the broker is caught up by beat
    (`replenishment_catch_up`)."""
    order_id = order.pk

    def enqueue() -> None:
        try:
            replenishment_schedule.delay(order_id)
        except Exception:
            logger.exception(
                "Could not schedule replenishment for order %s; the sweep will", order_id
            )

    transaction.on_commit(enqueue)


@shared_task(  # type: ignore[untyped-decorator]
    name="shop.checkout.tasks.reservations_expire", ignore_result=True
)
def reservations_expire() -> int:
    """Beat, every minute: release checkouts whose process died between reserving and
    confirming (shop/checkout/reservation.py)."""
    return reservation.reservations_expire()
