"""Queued reminder rows take the final state of their email in the outbox (sent, skipped,
cancelled)."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils import timezone

from promotions.messaging.models import OutboxMessage
from promotions.reminders.models import Reminder

State = Reminder.State


_OUTCOMES = {
    OutboxMessage.State.SENT: (State.SENT, ""),
    OutboxMessage.State.SUPPRESSED: (State.SKIPPED, "on the suppression list at send time"),
    OutboxMessage.State.CANCELLED: (State.CANCELLED, "cancelled before it was sent"),
    OutboxMessage.State.FAILED: (State.SKIPPED, "the email failed; see the outbox"),
}


def reminders_sync(*, reminder_ids: Sequence[int] | None = None, limit: int = 5000) -> int:
    """Queued rows take their email's final state (sent, skipped, cancelled). Driven from the
    queued rows (few), never from the whole outbox."""
    queued = Reminder.objects.filter(state=State.QUEUED, outbox_message__isnull=False)
    if reminder_ids is not None:
        queued = queued.filter(pk__in=list(reminder_ids))
    by_outcome: dict[str, list[int]] = {}
    for pk, message_state in queued.values_list("pk", "outbox_message__state")[:limit]:
        if message_state in _OUTCOMES:
            by_outcome.setdefault(message_state, []).append(pk)
    changed = 0
    now = timezone.now()
    for message_state, ids in by_outcome.items():
        state, reason = _OUTCOMES[OutboxMessage.State(message_state)]
        changed += Reminder.objects.filter(pk__in=ids, state=State.QUEUED).update(
            state=state, reason=reason, updated_at=now
        )
    return changed
