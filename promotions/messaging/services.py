"""Putting email in the outbox, the service every email of the shop goes through (order
confirmations, giveaway mail, reminders).

    email_enqueue(purpose=..., key=..., recipient=..., template=..., context=...)

renders `templates/emails/<template>.subject.txt`, `.txt` and `.html` now, stores one row per
(purpose, key) and queues a send task after commit (`tasks.outbox_dispatch_on_commit`).
`email_enqueue_composed` stores the row alone and leaves the rendering to the sending worker
(`composers`): for emails enqueued inside a transaction that must stay short (checkout).
Workers claim rows with a lease, send them with Django's mail API and mark them sent
(`sending`); transient failures retry with exponential backoff and jitter, permanent ones
stop. The beat sweep (`tasks.outbox_sweep`) re-dispatches what is due and what a dead worker
left behind, so nothing is lost when a worker is killed or Redis restarts.

Marketing rows are held to two more rules at send time, whoever enqueued them: a
per-recipient cap (one marketing email per `MARKETING_CAP_HOURS`, enforced under a row lock
per recipient so concurrent workers cannot both send) and, when the row knows the
recipient's time zone, quiet hours (`MARKETING_QUIET_HOURS`). Both delay, never drop.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from promotions.messaging import tasks
from promotions.messaging.consent import is_suppressed, marketing_headers, unsubscribe_url
from promotions.messaging.identity import normalize_email
from promotions.messaging.models import OutboxMessage, Suppression
from promotions.messaging.rendering import email_render

State = OutboxMessage.State


# -- enqueueing ------------------------------------------------------------------------------


def email_enqueue(
    *,
    purpose: str,
    key: str,
    recipient: str,
    template: str,
    context: dict[str, Any],
    marketing: bool = False,
    headers: dict[str, str] | None = None,
    object_ref: str = "",
    send_after: datetime | None = None,
    recipient_timezone: str = "",
    expires_at: datetime | None = None,
) -> OutboxMessage:
    """Store one email and queue its sending after commit; the same purpose and key again
    returns the existing row and sends nothing more (the unique constraint decides races).
    `recipient_timezone` (IANA): a marketing email then waits out the recipient's quiet hours.
    `expires_at`: not sent after this (it is cancelled), for news that goes stale."""
    existing = OutboxMessage.objects.filter(purpose=purpose, key=key).first()
    if existing is not None:
        return existing
    now = timezone.now()
    if marketing:
        context = {"unsubscribe_url": unsubscribe_url(recipient), **context}
    rendered = email_render(template=template, context=context)
    message = OutboxMessage(
        purpose=purpose,
        key=key,
        recipient=recipient,
        object_ref=object_ref,
        subject=rendered.subject,
        body_text=rendered.text,
        body_html=rendered.html,
        headers=marketing_headers(recipient, headers) if marketing else dict(headers or {}),
        marketing=marketing,
        recipient_timezone=recipient_timezone,
        expires_at=expires_at,
        next_attempt_at=send_after or now,
    )
    if marketing and is_suppressed(recipient):
        message.state = State.SUPPRESSED
    due = message.state == State.PENDING and message.next_attempt_at <= now
    if due:
        message.dispatched_at = now
    try:
        with transaction.atomic():
            message.save()
    except IntegrityError:
        # A concurrent enqueue of the same purpose and key won: that row is the email.
        return OutboxMessage.objects.get(purpose=purpose, key=key)
    if due:
        tasks.outbox_dispatch_on_commit([message.pk])
    return message


def email_enqueue_composed(
    *, purpose: str, key: str, recipient: str, object_ref: str
) -> OutboxMessage:
    """Store one transactional email to be composed when sent, by the composer registered
    for `purpose` from `object_ref` (`composers`), and queue its sending after commit.

    No rendering and no read here: the unique (purpose, key) constraint decides, in a
    savepoint, whether the row already exists (then it is returned, nothing more is sent).
    Call it inside the transaction that writes the object, so the email exists exactly when
    the object does."""
    now = timezone.now()
    message = OutboxMessage(
        purpose=purpose,
        key=key,
        recipient=recipient,
        object_ref=object_ref,
        compose_at_send=True,
        next_attempt_at=now,
        dispatched_at=now,
        created_at=now,
    )
    try:
        with transaction.atomic():
            message.save(force_insert=True)
    except IntegrityError:
        return OutboxMessage.objects.get(purpose=purpose, key=key)
    tasks.outbox_dispatch_on_commit([message.pk])
    return message


@dataclass(frozen=True)
class FanoutItem:
    """One recipient of a fan-out: its key, address, object and its own template context."""

    key: str
    recipient: str
    context: dict[str, Any] = field(default_factory=dict)
    object_ref: str = ""


def email_fanout(
    *,
    purpose: str,
    template: str,
    items: Iterable[FanoutItem],
    marketing: bool = False,
    headers: dict[str, str] | None = None,
    common_context: dict[str, Any] | None = None,
    batch_size: int = 500,
) -> int:
    """Enqueue one email per item in batches (bulk insert, existing keys skipped) and queue
    the sends in chunks after commit. Returns how many rows are new."""
    created = 0
    batch: list[FanoutItem] = []
    for item in items:
        batch.append(item)
        if len(batch) >= batch_size:
            created += _fanout_batch(purpose, template, batch, marketing, headers, common_context)
            batch = []
    if batch:
        created += _fanout_batch(purpose, template, batch, marketing, headers, common_context)
    return created


def _fanout_batch(
    purpose: str,
    template: str,
    batch: Sequence[FanoutItem],
    marketing: bool,
    headers: dict[str, str] | None,
    common_context: dict[str, Any] | None,
) -> int:
    result = email_enqueue_many(
        purpose=purpose,
        items=[
            OutboxItem(
                key=item.key,
                recipient=item.recipient,
                template=template,
                context={**(common_context or {}), **item.context},
                marketing=marketing,
                headers=headers,
                object_ref=item.object_ref,
            )
            for item in batch
        ],
    )
    return len(result.dispatched)


@dataclass(frozen=True)
class OutboxItem:
    """One email of a batch, each with its own template, consent class, timing and headers."""

    key: str
    recipient: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    marketing: bool = False
    headers: dict[str, str] | None = None
    object_ref: str = ""
    send_after: datetime | None = None
    recipient_timezone: str = ""
    expires_at: datetime | None = None


@dataclass
class EnqueueResult:
    """`ids`: key -> row id for every item (rows that existed before included); `created`: the
    keys inserted by this call; `dispatched`: the ids whose send task is queued after commit."""

    ids: dict[str, int] = field(default_factory=dict)
    created: set[str] = field(default_factory=set)
    dispatched: list[int] = field(default_factory=list)


def email_enqueue_many(
    *, purpose: str, items: Sequence[OutboxItem], now: datetime | None = None
) -> EnqueueResult:
    """`email_enqueue` for a batch in a fixed number of queries: existing keys are left alone,
    new rows are rendered and bulk-inserted, and the due ones are queued in chunks after
    commit. Call it inside the caller's transaction to tie the emails to its other writes."""
    now = now or timezone.now()
    result = EnqueueResult()
    unique: dict[str, OutboxItem] = {}
    for item in items:
        unique.setdefault(item.key, item)
    if not unique:
        return result
    existing = dict(
        OutboxMessage.objects.filter(purpose=purpose, key__in=list(unique)).values_list("key", "pk")
    )
    todo = [item for key, item in unique.items() if key not in existing]
    suppressed: set[str] = set()
    marketing_addresses = {normalize_email(item.recipient) for item in todo if item.marketing}
    if marketing_addresses:
        suppressed = set(
            Suppression.objects.filter(email__in=marketing_addresses).values_list(
                "email", flat=True
            )
        )
    rows = []
    for item in todo:
        context = dict(item.context)
        link = ""
        if item.marketing:
            link = unsubscribe_url(item.recipient)
            context.setdefault("unsubscribe_url", link)
        rendered = email_render(template=item.template, context=context)
        is_suppressed_row = item.marketing and normalize_email(item.recipient) in suppressed
        due_at = item.send_after or now
        dispatch_now = not is_suppressed_row and due_at <= now
        rows.append(
            OutboxMessage(
                purpose=purpose,
                key=item.key,
                recipient=item.recipient,
                object_ref=item.object_ref,
                subject=rendered.subject,
                body_text=rendered.text,
                body_html=rendered.html,
                headers=marketing_headers(item.recipient, item.headers, url=link)
                if item.marketing
                else dict(item.headers or {}),
                marketing=item.marketing,
                recipient_timezone=item.recipient_timezone,
                expires_at=item.expires_at,
                state=State.SUPPRESSED if is_suppressed_row else State.PENDING,
                next_attempt_at=due_at,
                dispatched_at=now if dispatch_now else None,
                created_at=now,
            )
        )
    with transaction.atomic():
        if rows:
            OutboxMessage.objects.bulk_create(rows, ignore_conflicts=True)
        for key, pk, state, dispatched_at, created_at in OutboxMessage.objects.filter(
            purpose=purpose, key__in=list(unique)
        ).values_list("key", "pk", "state", "dispatched_at", "created_at"):
            result.ids[key] = pk
            if key in existing or created_at != now:
                continue  # there before, or a concurrent call inserted it first
            result.created.add(key)
            if state == State.PENDING and dispatched_at == now:
                result.dispatched.append(pk)
    result.dispatched.sort()
    tasks.outbox_dispatch_on_commit(result.dispatched)
    return result


def outbox_cancel(*, object_refs: Sequence[str], reason: str) -> int:
    """Stop emails about these objects that are still waiting (pending) from going out, e.g.
    a reminder whose person unsubscribed from it. A row a worker is sending right now goes."""
    if not object_refs:
        return 0
    return OutboxMessage.objects.filter(
        object_ref__in=list(object_refs), state=State.PENDING
    ).update(
        state=State.CANCELLED,
        claimed_until=None,
        last_error=reason[:2000],
    )


def outbox_retry_now(*, message_ids: Sequence[int]) -> int:
    """Staff: send failed or waiting rows again now (sent and suppressed rows stay as they are)."""
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            OutboxMessage.objects.filter(
                pk__in=list(message_ids), state__in=[State.PENDING, State.FAILED]
            ).values_list("pk", flat=True)
        )
        OutboxMessage.objects.filter(pk__in=ids).update(
            state=State.PENDING,
            next_attempt_at=now,
            dispatched_at=now,
            attempts=0,
            last_error="",
        )
        tasks.outbox_dispatch_on_commit(ids)
    return len(ids)
