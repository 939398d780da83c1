"""Celery tasks of the promotions app: thin wrappers that take ids and are safe to run twice."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from promotions.codes import services
from promotions.giveaways import services as giveaways
from promotions.messaging import outbox
from promotions.reminders import replenishment
from promotions.reminders import services as reminders


@shared_task(acks_late=True, ignore_result=True)  # type: ignore[untyped-decorator]
def outbox_send(message_id: int) -> dict[str, int]:
    """Send one outbox row (claim, send, mark); a repeat finds it sent and does nothing."""
    return vars(outbox.outbox_send_messages(message_ids=[message_id]))


@shared_task(acks_late=True, ignore_result=True)  # type: ignore[untyped-decorator]
def outbox_send_batch(message_ids: list[int]) -> dict[str, int]:
    """Send a chunk of outbox rows over one mail connection."""
    return vars(outbox.outbox_send_messages(message_ids=message_ids))


@shared_task(ignore_result=True)  # type: ignore[untyped-decorator]
def outbox_sweep() -> dict[str, int]:
    """Beat, every minute: re-dispatch due rows and rows whose worker died mid-send."""
    return vars(outbox.outbox_sweep())


@shared_task(ignore_result=True)  # type: ignore[untyped-decorator]
def giveaways_sweep() -> dict[str, Any]:
    """Beat, every minute: draw closed giveaways, expire unclaimed prizes, send thanks."""
    return giveaways.giveaways_sweep()


@shared_task(acks_late=True, ignore_result=True)  # type: ignore[untyped-decorator]
def code_batch_generate(batch_id: int) -> dict[str, Any]:
    """Generate a code batch's missing codes, reporting progress on its row; a repeat (or a
    second worker) only makes what is still missing. A failure is recorded on the batch."""
    try:
        batch = services.code_batch_run(batch_id=batch_id)
    except Exception as error:
        services.code_batch_fail(batch_id=batch_id, error=f"{type(error).__name__}: {error}")
        raise
    if batch is None:
        return {"batch": batch_id, "status": "missing"}
    return {"batch": batch_id, "status": batch.status, "generated": batch.generated}


@shared_task(ignore_result=True)  # type: ignore[untyped-decorator]
def reminders_sweep() -> dict[str, Any]:
    """Beat, every minute: hand due reminders to the outbox, schedule the next ones."""
    return reminders.reminders_sweep().as_dict()


@shared_task(acks_late=True, ignore_result=True)  # type: ignore[untyped-decorator]
def replenishment_schedule(order_id: int) -> int:
    """An order was paid: schedule its products' replenishment reminders (once per order)."""
    from shop.checkout.models import Order

    order = Order.objects.filter(pk=order_id).first()
    if order is None or order.status != Order.Status.PAID:
        return 0
    return replenishment.replenishment_schedule_for_order(order=order)
