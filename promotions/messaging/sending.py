"""Sending outbox rows: claim them with a lease, hold marketing to the cap and quiet hours, send
over one mail connection, and record each outcome (sent, retried with backoff, failed).

A row to be composed at send (`compose_at_send`) is composed first, by its purpose's composer
(`composers`), and what it wrote is stored on the row before it goes: a composer that fails is
a failed send like any other (retried with backoff, or failed for good).

Sending never queues anything: a row put back to wait is found again by the sweep."""

from __future__ import annotations

import logging
import random
import smtplib
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from promotions.messaging import local_time
from promotions.messaging.composers import ComposeRefused, email_compose
from promotions.messaging.identity import normalize_email
from promotions.messaging.models import MarketingStamp, OutboxMessage, Suppression
from promotions.messaging.policy import (
    backoff_base_seconds,
    lease_seconds,
    marketing_cap,
    max_attempts,
    quiet_hours,
)

logger = logging.getLogger(__name__)

State = OutboxMessage.State


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
    if isinstance(exc, ComposeRefused):
        return PermanentError  # the email's object is gone: composing again cannot help
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
                if message.compose_at_send:
                    _compose(message)
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
        tz = local_time.zone(message.recipient_timezone)
        return local_time.quiet_shift(at, tz, *window)

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


def _compose(message: OutboxMessage) -> None:
    """Write a row's subject and bodies with its composer and keep them on the row (what was
    sent stays in the outbox, and a retry sends the same email). Raises what the composer
    raised, for the caller to record as a failed attempt."""
    rendered = email_compose(purpose=message.purpose, object_ref=message.object_ref)
    OutboxMessage.objects.filter(pk=message.pk, state=State.SENDING).update(
        subject=rendered.subject,
        body_text=rendered.text,
        body_html=rendered.html,
        compose_at_send=False,
    )
    message.subject, message.body_text = rendered.subject, rendered.text
    message.body_html, message.compose_at_send = rendered.html, False


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
