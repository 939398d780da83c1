"""The beat sweep that hands due reminders to the email outbox.

Every reminder is a row with its due time in UTC (made by `scheduling` and `replenishment`);
nothing waits in the broker as a far-future ETA. Beat runs `reminders_sweep` every minute:

1. claim due rows in batches (`SELECT ... FOR UPDATE SKIP LOCKED` on PostgreSQL, so two
   sweeps never take the same row; on SQLite the transaction is BEGIN IMMEDIATE, which
   serialises sweeps, and the hand-off is keyed in the outbox as well);
2. check consent at that moment (confirmed, not paused or unsubscribed, not suppressed for
   marketing kinds), render each email into the outbox (`purpose="reminder"`,
   `key="reminder:<id>"`, so a row can become at most one email) and mark the row queued;
3. schedule a routine subscription's next occurrence from *now*, so a sweep that was down for
   hours sends the missed one once (or skips it when it is more than
   `REMINDER_ROUTINE_MAX_LATE_MINUTES` late) and never one per missed minute;
4. create giveaway-news rows for giveaways about to close, and mirror the outbox's outcome
   (sent, suppressed, cancelled, failed) back onto queued rows.

Marketing kinds (replenish, giveaway_news) are scheduled outside quiet hours and carry the
recipient's time zone into the outbox, which holds them to quiet hours and the per-recipient
cap again at send time (a cap or a retry can push a send into the night).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import CharField, OuterRef, Subquery, Value
from django.db.models.functions import Cast, Concat
from django.urls import reverse
from django.utils import timezone

from promotions.giveaways.models import Entry
from promotions.messaging import local_time as reminder_time
from promotions.messaging.consent import marketing_headers, unsubscribe_url
from promotions.messaging.models import OutboxMessage, Suppression
from promotions.messaging.services import OutboxItem, email_enqueue_many
from promotions.reminders.links import absolute, manage_url, unsubscribe_scope
from promotions.reminders.models import MARKETING_KINDS, ROUTINE_KINDS, Kind, Reminder, Subscription
from promotions.reminders.outcomes import reminders_sync
from promotions.reminders.replenishment import ReplenishBatch
from promotions.reminders.scheduling import (
    NEWS_TOO_LATE,
    giveaway_news_schedule,
    routine_key,
    routine_max_late,
    routine_next_due,
    routine_reminders_ensure,
)

State = Reminder.State
PURPOSE = "reminder"


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


@dataclass
class SweepReport:
    claimed: int = 0
    queued: int = 0
    skipped: int = 0
    scheduled: int = 0
    news_scheduled: int = 0
    synced: int = 0
    skip_reasons: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "claimed": self.claimed,
            "queued": self.queued,
            "skipped": self.skipped,
            "scheduled": self.scheduled,
            "news_scheduled": self.news_scheduled,
            "synced": self.synced,
            "skip_reasons": dict(self.skip_reasons),
        }


def reminders_sweep(
    *, now: datetime | None = None, limit: int | None = None, batch_size: int | None = None
) -> SweepReport:
    """Beat's minute (see the module docstring). Safe to run twice at once."""
    now = now or timezone.now()
    limit = limit if limit is not None else _setting("REMINDER_SWEEP_LIMIT", 20000)
    batch_size = batch_size or _setting("REMINDER_SWEEP_BATCH", 500)
    report = SweepReport()
    report.news_scheduled = giveaway_news_schedule(now=now)
    while report.claimed < limit:
        size = min(batch_size, limit - report.claimed)
        if _sweep_batch(now=now, size=size, report=report) < size:
            break  # nothing more is due (or the rest is another sweeper's)
    report.scheduled += routine_reminders_ensure(now=now)
    report.synced = reminders_sync()
    return report


def _claim(*, now: datetime, size: int) -> list[Reminder]:
    return list(
        Reminder.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("giveaway")
        .filter(state=State.PENDING, due_at__lte=now)
        .order_by("due_at", "pk")[:size]
    )


class _Batch:
    """What one batch of claimed rows needs, fetched in a fixed number of queries."""

    def __init__(self, rows: Sequence[Reminder]) -> None:
        self.shop_url = absolute(reverse("shop:product_list"))
        self.routine_url = absolute(reverse("kits:kit_list"))
        people = {row.email_normalized for row in rows}
        kinds = {row.kind for row in rows}
        self.subscriptions = {
            (s.email_normalized, s.kind): s
            for s in Subscription.objects.filter(
                email_normalized__in=people, kind__in=sorted(kinds)
            )
        }
        marketing_people = {row.email_normalized for row in rows if row.kind in MARKETING_KINDS}
        self.suppressed = set(
            Suppression.objects.filter(email__in=marketing_people).values_list("email", flat=True)
        )
        news = [row for row in rows if row.kind == Kind.GIVEAWAY_NEWS and row.giveaway_id]
        self.entered: set[tuple[int, str]] = set()
        if news:
            self.entered = {
                (giveaway_id, email)
                for giveaway_id, email in Entry.objects.filter(
                    giveaway_id__in={row.giveaway_id for row in news},
                    email_normalized__in={row.email_normalized for row in news},
                ).values_list("giveaway_id", "email_normalized")
            }
        self.replenish = None
        replenish_rows = [row for row in rows if row.kind == Kind.REPLENISH]
        if replenish_rows:
            self.replenish = ReplenishBatch(replenish_rows)

    def subscription(self, row: Reminder) -> Subscription | None:
        return self.subscriptions.get((row.email_normalized, row.kind))


def _why_not(row: Reminder, subscription: Subscription | None, batch: _Batch, now: datetime) -> str:
    """Why this due row must not be sent now ("" when it may)."""
    if subscription is None or subscription.confirmed_at is None:
        return "no confirmed subscription"
    if subscription.unsubscribed_at is not None:
        return "unsubscribed"
    if subscription.paused_at is not None:
        return "paused"
    if row.kind in MARKETING_KINDS and row.email_normalized in batch.suppressed:
        return "on the suppression list"
    if row.kind in ROUTINE_KINDS and now - row.due_at > routine_max_late():
        return "too late (the sweep was down); the next one is scheduled"
    if row.kind == Kind.GIVEAWAY_NEWS:
        giveaway = row.giveaway
        if giveaway is None or giveaway.drawn_at is not None or giveaway.closes_at <= now:
            return "the giveaway has closed"
    if row.kind == Kind.REPLENISH and (batch.replenish is None or not batch.replenish.has(row)):
        return "nothing left to remind about (reordered or no longer sold)"
    return ""


def _sweep_batch(*, now: datetime, size: int, report: SweepReport) -> int:
    with transaction.atomic():
        rows = _claim(now=now, size=size)
        if not rows:
            return 0
        batch = _Batch(rows)
        items: list[OutboxItem] = []
        handed: list[Reminder] = []
        next_for: list[tuple[Subscription, datetime]] = []
        for row in rows:
            subscription = batch.subscription(row)
            reason = _why_not(row, subscription, batch, now)
            if reason:
                row.state = State.SKIPPED
                row.reason = reason[:200]
                report.skipped += 1
                report.skip_reasons[reason] = report.skip_reasons.get(reason, 0) + 1
            else:
                assert subscription is not None
                items.append(_email_for(row, subscription, batch, now))
                row.state = State.QUEUED
                row.handed_at = now
                handed.append(row)
            if (
                row.kind in ROUTINE_KINDS
                and subscription is not None
                and subscription.is_active
                and row.subscription_id == subscription.pk
            ):
                next_for.append((subscription, max(now, row.due_at)))
        email_enqueue_many(purpose=PURPOSE, items=items, now=now)
        _record(rows, handed, now=now)
        report.scheduled += _schedule_next_occurrences(next_for, now=now)
        report.claimed += len(rows)
        report.queued += len(handed)
    return len(rows)


def _record(rows: Sequence[Reminder], handed: Sequence[Reminder], *, now: datetime) -> None:
    """Write the batch's outcome in a few set-based updates (not one CASE per row and
    column): queued rows link their outbox row by its key, skipped rows by reason."""
    if handed:
        Reminder.objects.filter(pk__in=[row.pk for row in handed]).update(
            state=State.QUEUED,
            reason="",
            handed_at=now,
            updated_at=now,
            outbox_message_id=Subquery(
                OutboxMessage.objects.filter(
                    purpose=PURPOSE,
                    key=Concat(Value("reminder:"), Cast(OuterRef("pk"), CharField())),
                ).values("pk")[:1]
            ),
        )
    skipped: dict[str, list[int]] = {}
    for row in rows:
        if row.state == State.SKIPPED:
            skipped.setdefault(row.reason, []).append(row.pk)
    for reason, ids in skipped.items():
        Reminder.objects.filter(pk__in=ids).update(
            state=State.SKIPPED, reason=reason, updated_at=now
        )
    # Replenishment rows record which products their email listed.
    listed = [row for row in handed if row.kind == Kind.REPLENISH]
    if listed:
        Reminder.objects.bulk_update(listed, ["payload"])


def _schedule_next_occurrences(
    pairs: Iterable[tuple[Subscription, datetime]], *, now: datetime
) -> int:
    """The next occurrence of each routine subscription just handled, in one insert (a clash
    with a cancelled row of the same occurrence is left to routine_reminders_ensure)."""
    rows = []
    for subscription, after in pairs:
        due = routine_next_due(subscription, after=after)
        rows.append(
            Reminder(
                kind=subscription.kind,
                key=routine_key(subscription, due),
                subscription=subscription,
                email=subscription.email,
                email_normalized=subscription.email_normalized,
                due_at=due,
                created_at=now,
            )
        )
    if not rows:
        return 0
    created = Reminder.objects.bulk_create(rows, ignore_conflicts=True)
    return len(created)


def _outbox_key(row: Reminder) -> str:
    return f"reminder:{row.pk}"


def _email_for(
    row: Reminder, subscription: Subscription, batch: _Batch, now: datetime
) -> OutboxItem:
    tz = reminder_time.zone(subscription.timezone)
    context: dict[str, Any] = {
        "kind": row.kind,
        "kind_label": Kind(row.kind).label,
        "manage_url": manage_url(subscription.email),
        "local_time": subscription.local_time.strftime("%H:%M"),
        "timezone": tz.key,
        "shop_url": batch.shop_url,
    }
    headers: dict[str, str] | None = None
    if row.kind in ROUTINE_KINDS:
        link = unsubscribe_url(subscription.email, unsubscribe_scope(row.kind))
        headers = marketing_headers(subscription.email, url=link)
        context["unsubscribe_url"] = link
        context["routine_url"] = batch.routine_url
    elif row.kind == Kind.GIVEAWAY_NEWS:
        giveaway = row.giveaway
        assert giveaway is not None
        closes_local = giveaway.closes_at.astimezone(tz)
        context.update(
            giveaway_title=giveaway.title,
            giveaway_url=absolute(giveaway.get_absolute_url()),
            closes_local=f"{closes_local:%A} {closes_local.day} {closes_local:%B, %H:%M}",
            entered=(giveaway.pk, row.email_normalized) in batch.entered,
        )
    elif row.kind == Kind.REPLENISH:
        assert batch.replenish is not None
        context.update(batch.replenish.context(row, now=now))
    return OutboxItem(
        key=_outbox_key(row),
        recipient=subscription.email,
        template=f"reminder_{row.kind}",
        context=context,
        marketing=row.kind in MARKETING_KINDS,
        headers=headers,
        object_ref=row.ref,
        recipient_timezone=tz.key if row.kind in MARKETING_KINDS else "",
        expires_at=_expires_at(row, subscription),
    )


def _expires_at(row: Reminder, subscription: Subscription) -> datetime | None:
    """After this the email is pointless and the outbox drops it (a cap or quiet hours can hold
    marketing back): giveaway news in the giveaway's last hour, a routine reminder once the
    next one is due."""
    if row.kind == Kind.GIVEAWAY_NEWS and row.giveaway is not None:
        return row.giveaway.closes_at - NEWS_TOO_LATE
    if row.kind in ROUTINE_KINDS:
        return row.due_at + routine_max_late()
    return None
