"""Reminder scheduling and the beat sweep that hands due reminders to the email outbox.

Every reminder is a row with its due time in UTC; nothing waits in the broker as a far-future
ETA. Beat runs `reminders_sweep` every minute:

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

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, tzinfo
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import CharField, Exists, OuterRef, Q, Subquery, Value
from django.db.models.functions import Cast, Concat
from django.urls import reverse
from django.utils import timezone

from promotions.giveaways.models import Entry, Giveaway
from promotions.messaging import outbox
from promotions.messaging.identity import normalize_email
from promotions.messaging.models import OutboxMessage, Suppression
from promotions.reminders import local_time as reminder_time
from promotions.reminders.models import MARKETING_KINDS, ROUTINE_KINDS, Kind, Reminder, Subscription
from promotions.reminders.subscriptions import absolute, manage_url, unsubscribe_scope

logger = logging.getLogger(__name__)

State = Reminder.State
PURPOSE = "reminder"


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def routine_max_late() -> timedelta:
    return timedelta(minutes=_setting("REMINDER_ROUTINE_MAX_LATE_MINUTES", 360))


def news_lead() -> timedelta:
    return timedelta(hours=_setting("GIVEAWAY_NEWS_HOURS_BEFORE", 24))


NEWS_TOO_LATE = timedelta(hours=1)  # news that would arrive in a giveaway's last hour is dropped


def marketing_due(at: datetime, tz: tzinfo) -> datetime:
    """A marketing reminder's send time: `at`, or the end of the quiet hours it falls in."""
    window = outbox.quiet_hours()
    return at if window is None else reminder_time.quiet_shift(at, tz, *window)


def _active(queryset: Any) -> Any:
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
    missing = _active(Subscription.objects.filter(kind__in=sorted(ROUTINE_KINDS))).exclude(
        Exists(Reminder.objects.filter(subscription=OuterRef("pk"), state=State.PENDING))
    )
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
        subscribers = _active(Subscription.objects.filter(kind=Kind.GIVEAWAY_NEWS)).exclude(
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


# -- the sweep ----------------------------------------------------------------------------------


@dataclass
class SweepReport:
    claimed: int = 0
    queued: int = 0
    skipped: int = 0
    scheduled: int = 0
    news_scheduled: int = 0
    synced: int = 0
    orders_caught_up: int = 0
    skip_reasons: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "claimed": self.claimed,
            "queued": self.queued,
            "skipped": self.skipped,
            "scheduled": self.scheduled,
            "news_scheduled": self.news_scheduled,
            "synced": self.synced,
            "orders_caught_up": self.orders_caught_up,
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
    from promotions.reminders.replenishment import replenishment_catch_up

    report.orders_caught_up = replenishment_catch_up(now=now)
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
            from promotions.reminders.replenishment import ReplenishBatch

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
        items: list[outbox.OutboxItem] = []
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
        outbox.email_enqueue_many(purpose=PURPOSE, items=items, now=now)
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
) -> outbox.OutboxItem:
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
        link = outbox.unsubscribe_url(subscription.email, unsubscribe_scope(row.kind))
        headers = outbox.marketing_headers(subscription.email, url=link)
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
    return outbox.OutboxItem(
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


# -- the outbox's outcome ---------------------------------------------------------------------

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


# -- selectors for admin and pages ------------------------------------------------------------


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
    normalized = normalize_email(email)
    return list(
        OutboxMessage.objects.filter(
            Q(recipient__iexact=email) | Q(recipient__iexact=normalized)
        ).order_by("-created_at", "-pk")[:limit]
    )


def routine_time_label(local: time) -> str:
    return local.strftime("%H:%M")
