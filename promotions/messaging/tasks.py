"""The outbox's Celery side: the send tasks, the dispatcher that queues them after commit, and
the beat sweep that queues again what is due or what a dead worker left behind.

Enqueueing (services) imports this module to dispatch; the tasks import sending, which never
dispatches. The sweep lives here, beside the dispatcher, because its task is what beat runs.
Task names are the ones tasks already queued in Redis and beat's schedule carry."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from celery import shared_task
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from promotions.messaging import sending
from promotions.messaging.models import OutboxMessage
from promotions.messaging.policy import chunk_size, max_attempts, redispatch_seconds

logger = logging.getLogger(__name__)

State = OutboxMessage.State


@shared_task(  # type: ignore[untyped-decorator]
    name="promotions.tasks.outbox_send", acks_late=True, ignore_result=True
)
def outbox_send(message_id: int) -> dict[str, int]:
    """Send one outbox row (claim, send, mark); a repeat finds it sent and does nothing."""
    return vars(sending.outbox_send_messages(message_ids=[message_id]))


@shared_task(  # type: ignore[untyped-decorator]
    name="promotions.tasks.outbox_send_batch", acks_late=True, ignore_result=True
)
def outbox_send_batch(message_ids: list[int]) -> dict[str, int]:
    """Send a chunk of outbox rows over one mail connection."""
    return vars(sending.outbox_send_messages(message_ids=message_ids))


def outbox_dispatch_on_commit(ids: Sequence[int]) -> None:
    """Queue the send tasks for these rows once the transaction commits, in chunks (one row:
    `outbox_send`; more: `outbox_send_batch`). A broker that is down loses nothing: the rows
    stay pending and the sweep queues them later."""
    if not ids:
        return
    size = chunk_size()
    chunks = [list(ids[i : i + size]) for i in range(0, len(ids), size)]

    def dispatch() -> None:
        try:
            for chunk in chunks:
                if len(chunk) == 1:
                    outbox_send.delay(chunk[0])
                else:
                    outbox_send_batch.delay(chunk)
        except Exception:
            # The broker is down: the rows stay pending and the sweep dispatches them later.
            logger.exception("Could not queue %d outbox message(s); the sweep will", len(ids))

    transaction.on_commit(dispatch)


# -- the sweep ---------------------------------------------------------------------------------


@dataclass
class SweepReport:
    expired_leases: int = 0
    gave_up: int = 0
    dispatched: int = 0


def outbox_sweep(*, now: datetime | None = None, limit: int = 5000) -> SweepReport:
    """Make leases that ran out claimable again and queue due pending rows (in chunks), at most
    `limit` a run. Rows whose task is already queued are left alone for a while."""
    now = now or timezone.now()
    report = SweepReport()
    expired = OutboxMessage.objects.filter(state=State.SENDING, claimed_until__lt=now)
    report.gave_up = expired.filter(attempts__gte=max_attempts()).update(
        state=State.FAILED,
        claimed_until=None,
        last_error="The worker sending it stopped (lease expired) too many times.",
    )
    report.expired_leases = expired.update(
        state=State.PENDING, claimed_until=None, dispatched_at=None
    )
    stale = now - timedelta(seconds=redispatch_seconds())
    with transaction.atomic():
        ids = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(state=State.PENDING, next_attempt_at__lte=now)
            .filter(Q(dispatched_at__isnull=True) | Q(dispatched_at__lt=stale))
            .order_by("next_attempt_at", "pk")
            .values_list("pk", flat=True)[:limit]
        )
        if ids:
            OutboxMessage.objects.filter(pk__in=ids).update(dispatched_at=now)
        outbox_dispatch_on_commit(ids)
    report.dispatched = len(ids)
    return report


@shared_task(  # type: ignore[untyped-decorator]
    name="promotions.tasks.outbox_sweep", ignore_result=True
)
def outbox_sweep_beat() -> dict[str, int]:
    """Beat, every minute: re-dispatch due rows and rows whose worker died mid-send."""
    return vars(outbox_sweep())
