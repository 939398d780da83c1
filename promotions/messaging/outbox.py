"""The email outbox service every email of the shop goes through (order confirmations,
giveaway mail, reminders).

    email_enqueue(purpose=..., key=..., recipient=..., template=..., context=...)

renders `templates/emails/<template>.subject.txt`, `.txt` and `.html` now, stores one row per
(purpose, key) and queues a send task after commit. Workers claim rows with a lease, send
them with Django's mail API and mark them sent; transient failures retry with exponential
backoff and jitter, permanent ones stop. The beat sweep re-dispatches what is due and what a
dead worker left behind, so nothing is lost when a worker is killed or Redis restarts.

Marketing rows are held to two more rules at send time, whoever enqueued them: a
per-recipient cap (one marketing email per `MARKETING_CAP_HOURS`, enforced under a row lock
per recipient so concurrent workers cannot both send) and, when the row knows the
recipient's time zone, quiet hours (`MARKETING_QUIET_HOURS`). Both delay, never drop.
"""

from __future__ import annotations

import logging
import random
import smtplib
import socket
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from promotions.messaging.identity import normalize_email
from promotions.messaging.models import MarketingStamp, OutboxMessage, Suppression
from promotions.reminders import local_time as reminder_time

logger = logging.getLogger(__name__)

State = OutboxMessage.State
UNSUBSCRIBE_SALT = "promotions.outbox.unsubscribe"


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def lease_seconds() -> int:
    return _setting("OUTBOX_LEASE_SECONDS", 300)


def max_attempts() -> int:
    return _setting("OUTBOX_MAX_ATTEMPTS", 8)


def backoff_base_seconds() -> int:
    return _setting("OUTBOX_BACKOFF_SECONDS", 60)


def redispatch_seconds() -> int:
    return _setting("OUTBOX_REDISPATCH_SECONDS", 600)


def chunk_size() -> int:
    return _setting("OUTBOX_CHUNK_SIZE", 100)


def marketing_cap() -> timedelta:
    """The per-recipient marketing cap window (0: no cap)."""
    return timedelta(hours=float(getattr(settings, "MARKETING_CAP_HOURS", 16)))


def quiet_hours() -> tuple[time, time] | None:
    """The recipient-local window in which marketing waits ("21:30-08:00"); "" turns it off."""
    raw = str(getattr(settings, "MARKETING_QUIET_HOURS", "21:30-08:00")).strip()
    if not raw:
        return None
    start, _, end = raw.partition("-")
    return reminder_time.local_time_parse(start), reminder_time.local_time_parse(end)


# -- rendering -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def email_render(*, template: str, context: dict[str, Any]) -> RenderedEmail:
    """Subject, text and HTML parts from templates/emails/<template>.{subject.txt,txt,html}."""
    full = {
        "SHOP_NAME": settings.SHOP_NAME,
        "SHOP_BASE_URL": settings.SHOP_BASE_URL.rstrip("/"),
        **context,
    }
    subject: str = render_to_string(f"emails/{template}.subject.txt", full)
    # One line, no header injection: newlines in a name cannot start a new header.
    subject = " ".join(subject.split())[:300]
    text = render_to_string(f"emails/{template}.txt", full).strip() + "\n"
    html = render_to_string(f"emails/{template}.html", full)
    return RenderedEmail(subject=subject, text=text, html=html)


def unsubscribe_url(email: str, scope: str = "") -> str:
    """The one-click unsubscribe link for an address. Without `scope` it stops all marketing
    (the suppression list); with one (e.g. "reminder:routine_evening") it stops only that."""
    value: str | dict[str, str] = normalize_email(email)
    if scope:
        value = {"e": normalize_email(email), "s": scope}
    token = signing.dumps(value, salt=UNSUBSCRIBE_SALT, compress=True)
    path = reverse("promotions:email_unsubscribe", args=[token])
    return settings.SHOP_BASE_URL.rstrip("/") + path


@dataclass(frozen=True)
class UnsubscribeToken:
    email: str
    scope: str = ""


def unsubscribe_token_parse(token: str) -> UnsubscribeToken | None:
    """What an unsubscribe token was made for, or None when it was tampered with."""
    try:
        value = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if isinstance(value, str):
        return UnsubscribeToken(value)
    if (
        isinstance(value, dict)
        and isinstance(value.get("e"), str)
        and isinstance(value.get("s"), str)
    ):
        return UnsubscribeToken(value["e"], value["s"])
    return None


def unsubscribe_token_email(token: str) -> str | None:
    """The address an unsubscribe token was made for, or None when it was tampered with."""
    parsed = unsubscribe_token_parse(token)
    return parsed.email if parsed else None


def marketing_headers(
    email: str, headers: dict[str, str] | None = None, *, scope: str = "", url: str = ""
) -> dict[str, str]:
    """RFC 8058 one-click unsubscribe, unless the caller brought its own List-Unsubscribe
    (`url`: the unsubscribe link when the caller has it already)."""
    out = dict(headers or {})
    if "List-Unsubscribe" not in out:
        out["List-Unsubscribe"] = f"<{url or unsubscribe_url(email, scope)}>"
        out["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return out


def is_suppressed(email: str) -> bool:
    return Suppression.objects.filter(email=normalize_email(email)).exists()


def suppression_add(*, email: str, reason: str = Suppression.Reason.UNSUBSCRIBED) -> Suppression:
    """Add an address to the global suppression list (idempotent, race-safe)."""
    normalized = normalize_email(email)
    try:
        with transaction.atomic():
            suppression, _ = Suppression.objects.get_or_create(
                email=normalized, defaults={"reason": reason}
            )
    except IntegrityError:
        suppression = Suppression.objects.get(email=normalized)
    return suppression


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
        _dispatch_on_commit([message.pk])
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
    _dispatch_on_commit(result.dispatched)
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


def _dispatch_on_commit(ids: Sequence[int]) -> None:
    if not ids:
        return
    size = chunk_size()
    chunks = [list(ids[i : i + size]) for i in range(0, len(ids), size)]

    def dispatch() -> None:
        from promotions.tasks import outbox_send, outbox_send_batch

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


# -- sending ---------------------------------------------------------------------------------


class TransientError(Exception):
    pass


class PermanentError(Exception):
    pass


def classify_error(exc: BaseException) -> type[TransientError] | type[PermanentError]:
    """Transient: try again later (connection trouble, timeouts, 4xx). Permanent: stop (5xx
    refusals, an address that cannot be an address)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return PermanentError if codes and all(c >= 500 for c in codes) else TransientError
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return TransientError  # our configuration, not the recipient: fixable, retry
    if isinstance(exc, smtplib.SMTPResponseException):
        return PermanentError if exc.smtp_code >= 500 else TransientError
    if isinstance(
        exc,
        smtplib.SMTPServerDisconnected | smtplib.SMTPConnectError | socket.timeout | OSError,
    ):
        return TransientError
    if isinstance(exc, ValueError | UnicodeError):
        return PermanentError  # a malformed address or header: sending again cannot help
    return TransientError


def backoff_delay(attempts: int) -> timedelta:
    """Exponential backoff with equal jitter: half the step fixed, half random."""
    step = min(backoff_base_seconds() * (2 ** max(attempts - 1, 0)), 6 * 3600)
    return timedelta(seconds=step / 2 + random.uniform(0, step / 2))


def _claimable(now: datetime) -> Q:
    return Q(state=State.PENDING, next_attempt_at__lte=now) | Q(
        state=State.SENDING, claimed_until__lt=now
    )


def outbox_claim(*, message_ids: Sequence[int], now: datetime | None = None) -> list[int]:
    """Atomically take the claimable rows among these ids: pending -> sending with a lease.
    Rows another worker holds are skipped, never waited for."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(_claimable(now), pk__in=list(message_ids))
            .values_list("pk", flat=True)
        )
        if ids:
            OutboxMessage.objects.filter(pk__in=ids).update(
                state=State.SENDING,
                claimed_until=now + timedelta(seconds=lease_seconds()),
                attempts=F("attempts") + 1,
            )
    return ids


def _from_domain() -> str:
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return address.rpartition("@")[2] or "localhost"


def build_email(message: OutboxMessage, connection: Any = None) -> EmailMultiAlternatives:
    headers = {str(k): str(v) for k, v in (message.headers or {}).items()}
    # Stable across retries: a receiving system that saw this Message-ID can drop a repeat.
    headers.setdefault(
        "Message-ID",
        f"<outbox-{message.pk}.{int(message.created_at.timestamp())}@{_from_domain()}>",
    )
    headers["X-Outbox-Id"] = str(message.pk)
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.recipient],
        headers=headers,
        connection=connection,
    )
    email.attach_alternative(message.body_html, "text/html")
    return email


@dataclass
class SendReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    suppressed: int = 0
    skipped: int = 0
    deferred: int = 0
    expired: int = 0


def outbox_send_messages(
    *,
    message_ids: Sequence[int],
    connection_factory: Callable[[], Any] | None = None,
    now: datetime | None = None,
) -> SendReport:
    """Claim, send and mark the given rows; rows already sent or held by another worker are
    skipped, so a task delivered twice sends nothing twice. `now` (tests) is the clock the
    claim, quiet hours, the cap and expiry are judged by."""
    report = SendReport()
    now = now or timezone.now()
    claimed = outbox_claim(message_ids=message_ids, now=now)
    report.skipped = len(set(message_ids)) - len(claimed)
    if not claimed:
        return report
    messages = list(OutboxMessage.objects.filter(pk__in=claimed).order_by("pk"))
    suppressed = set(
        Suppression.objects.filter(
            email__in={normalize_email(m.recipient) for m in messages if m.marketing}
        ).values_list("email", flat=True)
    )
    waiting = _marketing_gate(
        [m for m in messages if m.marketing and normalize_email(m.recipient) not in suppressed],
        now=now,
    )
    connection = (connection_factory or get_connection)()
    opened = False
    try:
        for message in messages:
            if message.marketing and normalize_email(message.recipient) in suppressed:
                _finish(message, state=State.SUPPRESSED, error="")
                report.suppressed += 1
                continue
            if message.expires_at is not None and now >= message.expires_at:
                _finish(message, state=State.CANCELLED, error="Expired before it could be sent.")
                _release_slot(message)
                report.expired += 1
                continue
            if message.pk in waiting:
                until, why = waiting[message.pk]
                if message.expires_at is not None and until >= message.expires_at:
                    _finish(
                        message,
                        state=State.CANCELLED,
                        error=f"Expired: it would have waited for {why}.",
                    )
                    report.expired += 1
                    continue
                _defer(message, until, why)
                report.deferred += 1
                continue
            try:
                if not opened:
                    connection.open()
                    opened = True
                sent = connection.send_messages([build_email(message, connection)])
                if not sent:
                    raise PermanentError("the mail backend refused the message")
            except Exception as exc:
                kind = PermanentError if isinstance(exc, PermanentError) else classify_error(exc)
                _record_failure(message, exc, permanent=kind is PermanentError)
                if kind is PermanentError or message.attempts >= max_attempts():
                    report.failed += 1
                else:
                    report.retried += 1
                if isinstance(exc, OSError | smtplib.SMTPServerDisconnected):
                    _close_quietly(connection)
                    opened = False
                continue
            _finish(message, state=State.SENT, error="")
            report.sent += 1
    finally:
        if opened:
            _close_quietly(connection)
    return report


def _marketing_gate(
    messages: Sequence[OutboxMessage], *, now: datetime
) -> dict[int, tuple[datetime, str]]:
    """Which claimed marketing rows must wait, until when and why: the recipient's quiet
    hours, or the per-recipient cap. Every row let through takes its recipient's cap slot,
    under a lock on the recipient's MarketingStamp (taken in email order, so two workers never
    deadlock), before anything is sent."""
    waiting: dict[int, tuple[datetime, str]] = {}
    window = quiet_hours()

    def quiet(at: datetime, message: OutboxMessage) -> datetime:
        if window is None or not message.recipient_timezone:
            return at
        tz = reminder_time.zone(message.recipient_timezone)
        return reminder_time.quiet_shift(at, tz, *window)

    through: list[OutboxMessage] = []
    for message in messages:
        later = quiet(now, message)
        if later > now:
            waiting[message.pk] = (later, f"quiet hours in {message.recipient_timezone}")
        else:
            through.append(message)
    cap = marketing_cap()
    if not through or cap <= timedelta(0):
        return waiting
    addresses = sorted({normalize_email(m.recipient) for m in through})
    with transaction.atomic():
        MarketingStamp.objects.bulk_create(
            [MarketingStamp(email=address) for address in addresses], ignore_conflicts=True
        )
        stamps = {
            stamp.email: stamp
            for stamp in MarketingStamp.objects.select_for_update()
            .filter(email__in=addresses)
            .order_by("email")
        }
        taken: dict[str, MarketingStamp] = {}
        for message in through:
            stamp = stamps[normalize_email(message.recipient)]
            mine = stamp.message_id == message.pk
            if not mine and stamp.sent_at is not None and now < stamp.sent_at + cap:
                later = quiet(stamp.sent_at + cap, message)
                waiting[message.pk] = (
                    later,
                    f"one marketing email per {cap.total_seconds() / 3600:g} h to this address",
                )
                continue
            if not mine:
                stamp.previous_sent_at = stamp.sent_at
            stamp.sent_at = now
            stamp.message_id = message.pk
            taken[stamp.email] = stamp
        if taken:
            MarketingStamp.objects.bulk_update(
                list(taken.values()), ["sent_at", "previous_sent_at", "message_id"]
            )
    return waiting


def _defer(message: OutboxMessage, until: datetime, why: str) -> None:
    """Put a claimed row back to wait; waiting is not a failed attempt."""
    OutboxMessage.objects.filter(pk=message.pk, state=State.SENDING).update(
        state=State.PENDING,
        claimed_until=None,
        dispatched_at=None,
        next_attempt_at=until,
        attempts=F("attempts") - 1,
        last_error=f"Waiting until {until:%Y-%m-%d %H:%M} UTC: {why}.",
    )


def _release_slot(message: OutboxMessage) -> None:
    """A marketing row that will never be sent gives its cap slot back."""
    if message.marketing:
        MarketingStamp.objects.filter(message_id=message.pk).update(
            sent_at=F("previous_sent_at"), message_id=None
        )


def _close_quietly(connection: Any) -> None:
    try:
        connection.close()
    except Exception:  # closing a broken connection must not hide the real outcome
        logger.warning("Closing the mail connection failed", exc_info=True)


def _finish(message: OutboxMessage, *, state: str, error: str) -> None:
    now = timezone.now()
    OutboxMessage.objects.filter(pk=message.pk, state=State.SENDING).update(
        state=state,
        sent_at=now if state == State.SENT else None,
        claimed_until=None,
        last_error=error,
    )


def _record_failure(message: OutboxMessage, exc: BaseException, *, permanent: bool) -> None:
    error = f"{type(exc).__name__}: {exc}"[:2000]
    if permanent or message.attempts >= max_attempts():
        logger.warning("Outbox message %s failed for good: %s", message.pk, error)
        _finish(message, state=State.FAILED, error=error)
        _release_slot(message)
        return
    logger.info("Outbox message %s will be retried: %s", message.pk, error)
    OutboxMessage.objects.filter(pk=message.pk, state=State.SENDING).update(
        state=State.PENDING,
        claimed_until=None,
        dispatched_at=None,
        next_attempt_at=timezone.now() + backoff_delay(message.attempts),
        last_error=error,
    )


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
        _dispatch_on_commit(ids)
    report.dispatched = len(ids)
    return report


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
        _dispatch_on_commit(ids)
    return len(ids)
