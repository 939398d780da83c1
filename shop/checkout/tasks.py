"""Celery tasks of checkout: beat's sweeps that schedule paid orders' replenishment reminders
(every minute, and an hourly catch-up over days) and release expired reservations.

Payment queues nothing (shop/checkout/replenishment.py says why). `replenishment_schedule`, the
task it queued until then, stays registered under its old name so that tasks still waiting in
Redis after a deploy run."""

from __future__ import annotations

from celery import shared_task

from shop.checkout import replenishment, reservation
from shop.checkout.models import Order


@shared_task(  # type: ignore[untyped-decorator]
    name="promotions.tasks.replenishment_schedule", acks_late=True, ignore_result=True
)
def replenishment_schedule(order_id: int) -> int:
    """Schedule a paid order's replenishment reminders (once per order). Nothing queues it any
    more; kept for messages queued before the sweep took over."""
    order = Order.objects.filter(pk=order_id).first()
    if order is None or order.status != Order.Status.PAID:
        return 0
    return replenishment.replenishment_schedule_for_order(order=order)


@shared_task(  # type: ignore[untyped-decorator]
    name="shop.checkout.tasks.replenishment_sweep", ignore_result=True
)
def replenishment_sweep() -> int:
    """Beat, every minute: schedule the orders paid in the last minutes (checkout's, the
    admin's captures) that are not scheduled yet."""
    return replenishment.replenishment_sweep()


@shared_task(  # type: ignore[untyped-decorator]
    name="shop.checkout.tasks.replenishment_catch_up", ignore_result=True
)
def replenishment_catch_up() -> int:
    """Beat, every hour: the same over the last REPLENISH_CATCH_UP_DAYS."""
    return replenishment.replenishment_catch_up()


@shared_task(  # type: ignore[untyped-decorator]
    name="shop.checkout.tasks.reservations_expire", ignore_result=True
)
def reservations_expire() -> int:
    """Beat, every minute: release checkouts whose process died between reserving and
    confirming (shop/checkout/reservation.py)."""
    return reservation.reservations_expire()
