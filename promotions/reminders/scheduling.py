"""Scheduling reminder rows: a routine subscription's next occurrence, giveaway news before a
giveaway closes, and the send time of marketing kinds (out of the person's quiet hours).

Every reminder is a row with its due time in UTC; nothing waits in the broker as a far-future
ETA. `sweep` hands due rows to the outbox."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef

from promotions.giveaways.models import Giveaway
from promotions.messaging import local_time as reminder_time
from promotions.messaging.policy import quiet_hours
from promotions.reminders.models import ROUTINE_KINDS, Kind, Reminder, Subscription

State = Reminder.State


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def routine_max_late() -> timedelta:
    return timedelta(minutes=_setting("REMINDER_ROUTINE_MAX_LATE_MINUTES", 360))


def news_lead() -> timedelta:
    return timedelta(hours=_setting("GIVEAWAY_NEWS_HOURS_BEFORE", 24))


NEWS_TOO_LATE = timedelta(hours=1)  # news that would arrive in a giveaway's last hour is dropped


def marketing_due(at: datetime, tz: tzinfo) -> datetime:
    """A marketing reminder's send time: `at`, or the end of the quiet hours it falls in."""
    window = quiet_hours()
    return at if window is None else reminder_time.quiet_shift(at, tz, *window)


def active_subscriptions(queryset: Any) -> Any:
    return queryset.filter(
        confirmed_at__isnull=False, unsubscribed_at__isnull=True, paused_at__isnull=True
    )


# -- routine occurrences ----------------------------------------------------------------------


def routine_key(subscription: Subscription, due_at: datetime) -> str:
    return f"{subscription.kind}:{subscription.pk}:{due_at:%Y-%m-%dT%H:%MZ}"


def routine_next_due(subscription: Subscription, *, after: datetime) -> datetime:
    tz = reminder_time.zone(subscription.timezone)
    return reminder_time.next_local(subscription.local_time, tz, after=after)


def reminder_put(*, key: str, fields: dict[str, Any]) -> Reminder | None:
    """The pending row for this occurrence: created, or revived when it had been cancelled
    (paused, unsubscribed or moved, then back). None when the occurrence already happened
    (queued, sent, skipped) or another pending row stands in its way."""
    try:
        with transaction.atomic():
            return Reminder.objects.create(key=key, **fields)
    except IntegrityError:
        pass
    row = Reminder.objects.select_for_update().filter(key=key).first()
    if row is None or row.state not in (State.PENDING, State.CANCELLED):
        return None
    if row.state == State.CANCELLED:
        for name, value in fields.items():
            setattr(row, name, value)
        row.state = State.PENDING
        row.reason = ""
        try:
            with transaction.atomic():
                row.save()
        except IntegrityError:
            return None
    return row


def routine_schedule_next(
    *, subscription: Subscription, now: datetime, after: datetime | None = None
) -> Reminder | None:
    """Make sure an active routine subscription has its next occurrence pending (the first
    one after `after`, default now). Safe to call any number of times."""
    if subscription.kind not in ROUTINE_KINDS or not subscription.is_active:
        return None
    pending = Reminder.objects.filter(subscription=subscription, state=State.PENDING).first()
    if pending is not None:
        return pending
    start = max(now, after or now)
    for _ in range(3):
        due = routine_next_due(subscription, after=start)
        row = reminder_put(
            key=routine_key(subscription, due),
            fields={
                "kind": subscription.kind,
                "subscription": subscription,
                "email": subscription.email,
                "email_normalized": subscription.email_normalized,
                "due_at": due,
                "created_at": now,
            },
        )
        if row is not None:
            return row
        pending = Reminder.objects.filter(subscription=subscription, state=State.PENDING).first()
        if pending is not None:
            return pending
        start = due
    return None


def routine_reminders_ensure(*, now: datetime) -> int:
    """Active routine subscriptions without a pending occurrence get one (after a confirm,
    a resume, a crash between two steps). Returns how many were created."""
    missing = active_subscriptions(
        Subscription.objects.filter(kind__in=sorted(ROUTINE_KINDS))
    ).exclude(Exists(Reminder.objects.filter(subscription=OuterRef("pk"), state=State.PENDING)))
    created = 0
    for subscription in missing.order_by("pk").iterator(chunk_size=500):
        with transaction.atomic():
            if routine_schedule_next(subscription=subscription, now=now) is not None:
                created += 1
    return created


# -- giveaway news ----------------------------------------------------------------------------


def giveaway_news_key(giveaway: Giveaway, email_normalized: str) -> str:
    return f"giveaway_news:{giveaway.pk}:{email_normalized}"


def giveaway_news_schedule(*, now: datetime) -> int:
    """For each open giveaway within `GIVEAWAY_NEWS_HOURS_BEFORE` of closing, one pending row
    per active news subscriber who has none yet (once per person and giveaway), due at the
    lead time (or now for late subscribers) moved out of their quiet hours. Nothing for the
    last hour of a giveaway."""
    lead = news_lead()
    created = 0
    giveaways = Giveaway.objects.filter(
        opens_at__lte=now,
        closes_at__gt=now + NEWS_TOO_LATE,
        closes_at__lte=now + lead,
        drawn_at__isnull=True,
    ).order_by("pk")
    for giveaway in giveaways:
        subscribers = active_subscriptions(
            Subscription.objects.filter(kind=Kind.GIVEAWAY_NEWS)
        ).exclude(
            Exists(
                Reminder.objects.filter(
                    giveaway=giveaway, email_normalized=OuterRef("email_normalized")
                ).exclude(state=State.CANCELLED)
            )
        )
        rows: list[Reminder] = []
        for subscription in subscribers.order_by("pk").iterator(chunk_size=2000):
            tz = reminder_time.zone(subscription.timezone)
            due = marketing_due(max(giveaway.closes_at - lead, now), tz)
            if due >= giveaway.closes_at - NEWS_TOO_LATE:
                continue
            rows.append(
                Reminder(
                    kind=Kind.GIVEAWAY_NEWS,
                    key=giveaway_news_key(giveaway, subscription.email_normalized),
                    subscription=subscription,
                    giveaway=giveaway,
                    email=subscription.email,
                    email_normalized=subscription.email_normalized,
                    due_at=due,
                    created_at=now,
                )
            )
        if not rows:
            continue
        with transaction.atomic():
            Reminder.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
            # People who unsubscribed and came back: their cancelled row comes back, once.
            due_by_key = {row.key: row.due_at for row in rows}
            for key in Reminder.objects.filter(
                key__in=list(due_by_key), state=State.CANCELLED
            ).values_list("key", flat=True):
                Reminder.objects.filter(key=key, state=State.CANCELLED).update(
                    state=State.PENDING, reason="", due_at=due_by_key[key], updated_at=now
                )
        created += len(rows)
    return created
