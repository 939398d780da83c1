"""Read-side queries for reminders: a person's subscriptions and upcoming reminders, and what
the outbox sent them, for the manage page and the admin."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from promotions.messaging import local_time as reminder_time
from promotions.messaging.identity import normalize_email
from promotions.messaging.models import OutboxMessage
from promotions.messaging.selectors import outbox_messages_to
from promotions.reminders.models import Reminder, Subscription

State = Reminder.State


def subscriptions_of(*, email_normalized: str) -> list[Subscription]:
    return list(
        Subscription.objects.filter(email_normalized=email_normalized).order_by("kind", "pk")
    )


def subscription_is_active(*, email: str, kind: str) -> bool:
    """Whether this person has confirmed, and not paused or stopped, reminders of this kind."""
    return Subscription.objects.filter(
        email_normalized=normalize_email(email),
        kind=kind,
        confirmed_at__isnull=False,
        paused_at__isnull=True,
        unsubscribed_at__isnull=True,
    ).exists()


def subscription_get_owned(*, email_normalized: str, pk: Any) -> Subscription | None:
    """One of this person's subscriptions by id (from a manage form), or None."""
    try:
        key = int(pk)
    except (TypeError, ValueError):
        return None
    return Subscription.objects.filter(pk=key, email_normalized=email_normalized).first()


def reminders_upcoming(
    *, email_normalized: str, kind: str | None = None, limit: int = 10
) -> list[Reminder]:
    queryset = Reminder.objects.filter(email_normalized=email_normalized, state=State.PENDING)
    if kind is not None:
        queryset = queryset.filter(kind=kind)
    return list(queryset.order_by("due_at", "pk")[:limit])


def local_display(at: datetime, tz_key: str) -> str:
    """An instant on the person's own clock, e.g. "Mon 3 Mar 21:00 (Europe/Paris)"."""
    local = at.astimezone(reminder_time.zone(tz_key))
    return f"{local:%a} {local.day} {local:%b %H:%M} ({tz_key})"


def sent_history(*, email: str, limit: int = 50) -> list[OutboxMessage]:
    """The emails sent (or tried) to this person, newest first, from the outbox."""
    return outbox_messages_to(email=email, limit=limit)


def routine_time_label(local: time) -> str:
    return local.strftime("%H:%M")
