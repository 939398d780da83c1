"""Reminder subscriptions: asking (double opt-in), confirming, changing, pausing, unsubscribing.

Consent rules:

* Nothing is sent before the person confirms from the emailed link (GET shows a button, POST
  confirms, so mail scanners confirm nothing).
* Asking again for the same kind is answered the same way (202) and changes nothing a
  stranger could abuse: an unconfirmed request takes the new time and, at most once per
  `REMINDER_CONFIRM_RESEND_MINUTES`, a new confirmation email goes out; a confirmed
  subscription is left as it is and its owner is emailed the link to manage it instead.
* A confirmed opt-in to a marketing kind lifts a suppression the person made themselves
  (reason `unsubscribed`): it is newer consent. Complaints, bounces and staff entries stay.
* Unsubscribing from a kind, or the global one-click unsubscribe (marketing kinds, in
  `unsubscribe`), cancels the pending reminders and the emails of theirs still waiting in the
  outbox, at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from config.errors import DomainError
from promotions.giveaways.models import Entry
from promotions.messaging import local_time as reminder_time
from promotions.messaging.identity import normalize_email
from promotions.messaging.models import Suppression
from promotions.messaging.services import email_enqueue, outbox_cancel
from promotions.reminders.links import confirm_url, default_timezone, manage_url, resend_window
from promotions.reminders.models import (
    DEFAULT_LOCAL_TIMES,
    MARKETING_KINDS,
    ROUTINE_KINDS,
    Kind,
    Reminder,
    Subscription,
)
from promotions.reminders.outcomes import reminders_sync
from promotions.reminders.replenishment import replenishment_reschedule
from promotions.reminders.scheduling import routine_schedule_next


class ReminderError(DomainError):
    code = "reminder_error"


class InvalidSubscription(ReminderError):
    code = "validation_error"
    status = 400


# -- input --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubscriptionData:
    email: str
    kind: str
    local_time: time
    timezone: str


def subscription_clean(
    *, email: Any = "", kind: Any = "", local_time: Any = None, timezone: Any = None
) -> SubscriptionData:
    """Validate raw input; InvalidSubscription names every field that is wrong. A missing
    time is the kind's usual one (morning 07:30, evening 21:00, others 10:00); a missing time
    zone is REMINDER_DEFAULT_TIMEZONE."""
    errors: dict[str, list[str]] = {}
    email_s = str(email if email is not None else "").strip()
    if not email_s:
        errors["email"] = ["Enter your email address."]
    elif len(email_s) > 254:
        errors["email"] = ["An email address has 254 characters at most."]
    else:
        try:
            validate_email(email_s)
        except ValidationError:
            errors["email"] = ["Enter a valid email address, like name@example.com."]
    kind_s = str(kind) if isinstance(kind, str) else ""
    if kind_s not in Kind.values:
        errors["kind"] = [f"Choose one of {', '.join(Kind.values)}."]
    parsed_time: time | None = None
    if local_time is None or local_time == "":
        parsed_time = DEFAULT_LOCAL_TIMES.get(Kind(kind_s)) if kind_s in Kind.values else None
    else:
        try:
            parsed_time = reminder_time.local_time_parse(local_time)
        except reminder_time.InvalidLocalTime as exc:
            errors["local_time"] = [str(exc)]
    tz_key = default_timezone()
    if timezone is not None and timezone != "":
        try:
            tz_key = reminder_time.timezone_parse(timezone).key
        except reminder_time.InvalidTimezone as exc:
            errors["timezone"] = [str(exc)]
    if errors:
        raise InvalidSubscription(
            "; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()), errors=errors
        )
    assert parsed_time is not None
    return SubscriptionData(email=email_s, kind=kind_s, local_time=parsed_time, timezone=tz_key)


# -- asking -----------------------------------------------------------------------------------


def _locked(normalized: str, kind: str) -> Subscription | None:
    return (
        Subscription.objects.select_for_update()
        .filter(email_normalized=normalized, kind=kind)
        .first()
    )


def _get_or_create_locked(data: SubscriptionData, normalized: str, now: datetime) -> Subscription:
    subscription = _locked(normalized, data.kind)
    if subscription is not None:
        return subscription
    try:
        with transaction.atomic():
            return Subscription.objects.create(
                email=data.email,
                email_normalized=normalized,
                kind=data.kind,
                local_time=data.local_time,
                timezone=data.timezone,
                created_at=now,
            )
    except IntegrityError:
        # A concurrent request for the same person and kind created it first.
        subscription = _locked(normalized, data.kind)
        assert subscription is not None
        return subscription


def _may_email(subscription: Subscription, now: datetime) -> bool:
    sent = subscription.confirm_sent_at
    return sent is None or now - sent >= resend_window()


def subscription_request(
    *, data: SubscriptionData, user: Any = None, now: datetime | None = None
) -> Subscription:
    """Ask for a reminder (see the module docstring for what a repeat does). The emails are
    queued in the outbox inside this transaction and sent after commit."""
    now = now or timezone.now()
    normalized = normalize_email(data.email)
    with transaction.atomic():
        subscription = _get_or_create_locked(data, normalized, now)
        confirmed = subscription.confirmed_at is not None and subscription.unsubscribed_at is None
        if not confirmed:
            subscription.email = data.email
            subscription.local_time = data.local_time
            subscription.timezone = data.timezone
            if subscription.unsubscribed_at is not None:
                subscription.confirmed_at = None  # back to asking: consent is given again
        if user is not None and getattr(user, "is_authenticated", False):
            subscription.user = user
        if _may_email(subscription, now):
            subscription.confirm_sent_at = now
            subscription.confirm_emails += 1
            subscription.save()
            if confirmed:
                _manage_link_send(subscription)
            else:
                _confirmation_send(subscription)
        else:
            subscription.save()
    return subscription


def _confirmation_send(subscription: Subscription) -> None:
    tz = reminder_time.zone(subscription.timezone)
    email_enqueue(
        purpose="reminder_confirm",
        key=f"subscription:{subscription.pk}:{subscription.confirm_emails}",
        recipient=subscription.email,
        template="reminder_confirm",
        context={
            "kind": subscription.kind,
            "kind_label": subscription.get_kind_display(),
            "local_time": subscription.local_time.strftime("%H:%M"),
            "timezone": tz.key,
            "routine": subscription.kind in ROUTINE_KINDS,
            "confirm_url": confirm_url(subscription),
        },
        object_ref=f"promotions.subscription:{subscription.pk}",
    )


def _manage_link_send(subscription: Subscription) -> None:
    email_enqueue(
        purpose="reminder_manage",
        key=f"subscription:{subscription.pk}:{subscription.confirm_emails}",
        recipient=subscription.email,
        template="reminder_manage",
        context={
            "kind_label": subscription.get_kind_display(),
            "manage_url": manage_url(subscription.email),
        },
        object_ref=f"promotions.subscription:{subscription.pk}",
    )


def replenish_opt_in(*, email: str, user_id: int | None = None) -> Subscription:
    """The buyer ticked "remind me when this runs out" at checkout: consent to replenishment
    reminders. A confirmed subscription is kept (resumed if paused; no email); otherwise it
    is asked for like any other, confirmed by the emailed link before anything is sent."""
    with transaction.atomic():
        subscription = _locked(normalize_email(email), Kind.REPLENISH)
        if subscription is None or not _confirmed(subscription):
            data = subscription_clean(email=email, kind=Kind.REPLENISH)
            subscription = subscription_request(data=data, user=None)
        elif subscription.paused_at is not None:
            subscription = subscription_resume(subscription=subscription)
        if user_id is not None and subscription.user_id is None:
            subscription.user_id = user_id
            subscription.save(update_fields=["user", "updated_at"])
    return subscription


def _confirmed(subscription: Subscription) -> bool:
    return subscription.confirmed_at is not None and subscription.unsubscribed_at is None


# -- confirming -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConfirmOutcome:
    subscription: Subscription
    outcome: str  # confirmed | already_confirmed


def subscription_confirm(*, token: str, now: datetime | None = None) -> ConfirmOutcome | None:
    """Confirm from the emailed link; a replayed link changes nothing. None: no such token."""
    now = now or timezone.now()
    with transaction.atomic():
        subscription = Subscription.objects.select_for_update().filter(confirm_token=token).first()
        if subscription is None:
            return None
        if subscription.confirmed_at is not None and subscription.unsubscribed_at is None:
            return ConfirmOutcome(subscription, "already_confirmed")
        _activate(subscription, now)
    return ConfirmOutcome(subscription, "confirmed")


def _activate(subscription: Subscription, now: datetime) -> None:
    subscription.confirmed_at = now
    subscription.unsubscribed_at = None
    subscription.paused_at = None
    subscription.save(update_fields=["confirmed_at", "unsubscribed_at", "paused_at", "updated_at"])
    if subscription.kind in MARKETING_KINDS:
        Suppression.objects.filter(
            email=subscription.email_normalized, reason=Suppression.Reason.UNSUBSCRIBED
        ).delete()
    _schedule(subscription, now)


def _schedule(subscription: Subscription, now: datetime) -> None:
    if subscription.kind in ROUTINE_KINDS:
        routine_schedule_next(subscription=subscription, now=now)
    elif subscription.kind == Kind.REPLENISH:
        replenishment_reschedule(email_normalized=subscription.email_normalized, now=now)


# -- giveaway entrants -----------------------------------------------------------------------


def giveaway_news_opt_in(*, entry: Entry, now: datetime | None = None) -> Subscription:
    """An entrant ticked "tell me about giveaways": the entry's own confirmation link confirms
    this too (one email, one click). An address already subscribed is left as it is."""
    now = now or timezone.now()
    data = SubscriptionData(
        email=entry.email,
        kind=Kind.GIVEAWAY_NEWS,
        local_time=DEFAULT_LOCAL_TIMES[Kind.GIVEAWAY_NEWS],
        timezone=default_timezone(),
    )
    subscription = _get_or_create_locked(data, entry.email_normalized, now)
    if subscription.confirmed_at is None or subscription.unsubscribed_at is not None:
        subscription.source_entry = entry
        subscription.email = entry.email
        if subscription.unsubscribed_at is not None:
            subscription.confirmed_at = None
        subscription.save()
    if entry.confirmed_at is not None:
        # Imported or already confirmed: the address is proven.
        giveaway_news_confirm_for_entry(entry=entry, now=now)
    return subscription


def giveaway_news_confirm_for_entry(*, entry: Entry, now: datetime | None = None) -> int:
    """The entry was confirmed by its emailed link: confirm the news opt-in made with it."""
    now = now or timezone.now()
    confirmed = 0
    for subscription in Subscription.objects.select_for_update().filter(
        source_entry=entry, kind=Kind.GIVEAWAY_NEWS
    ):
        if subscription.confirmed_at is None or subscription.unsubscribed_at is not None:
            _activate(subscription, now)
            confirmed += 1
    return confirmed


# -- managing ---------------------------------------------------------------------------------


def subscription_update(
    *, subscription: Subscription, local_time: time, timezone_key: str, now: datetime | None = None
) -> Subscription:
    """A new time or time zone from the manage page: pending reminders move to it."""
    now = now or timezone.now()
    tz_key = reminder_time.timezone_parse(timezone_key).key
    with transaction.atomic():
        locked = Subscription.objects.select_for_update().get(pk=subscription.pk)
        if locked.local_time == local_time and locked.timezone == tz_key:
            return locked
        locked.local_time = local_time
        locked.timezone = tz_key
        locked.save(update_fields=["local_time", "timezone", "updated_at"])
        if locked.is_active:
            _cancel_pending(locked, reason="time changed", now=now, outbox_too=False)
            _schedule(locked, now)
    return locked


def subscription_pause(*, subscription: Subscription, now: datetime | None = None) -> Subscription:
    now = now or timezone.now()
    with transaction.atomic():
        locked = Subscription.objects.select_for_update().get(pk=subscription.pk)
        if locked.paused_at is None and locked.unsubscribed_at is None:
            locked.paused_at = now
            locked.save(update_fields=["paused_at", "updated_at"])
            _cancel_pending(locked, reason="paused", now=now)
    return locked


def subscription_resume(*, subscription: Subscription, now: datetime | None = None) -> Subscription:
    now = now or timezone.now()
    with transaction.atomic():
        locked = Subscription.objects.select_for_update().get(pk=subscription.pk)
        if locked.paused_at is not None and locked.unsubscribed_at is None:
            locked.paused_at = None
            locked.save(update_fields=["paused_at", "updated_at"])
            if locked.confirmed_at is not None:
                _schedule(locked, now)
    return locked


def subscription_unsubscribe(
    *, subscription: Subscription, now: datetime | None = None, reason: str = "unsubscribed"
) -> Subscription:
    """Stop this kind now: the subscription is marked, pending reminders are cancelled and the
    emails of it still waiting in the outbox are cancelled too."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Subscription.objects.select_for_update().get(pk=subscription.pk)
        if locked.unsubscribed_at is None:
            locked.unsubscribed_at = now
            locked.save(update_fields=["unsubscribed_at", "updated_at"])
        _cancel_pending(locked, reason=reason, now=now)
    return locked


def _cancel_pending(
    subscription: Subscription, *, reason: str, now: datetime, outbox_too: bool = True
) -> int:
    """Cancel this person's pending reminders of this kind (and, `outbox_too`, the queued ones
    whose email is still waiting in the outbox)."""
    rows = Reminder.objects.filter(
        email_normalized=subscription.email_normalized, kind=subscription.kind
    )
    cancelled = rows.filter(state=Reminder.State.PENDING).update(
        state=Reminder.State.CANCELLED, reason=reason[:200], updated_at=now
    )
    if outbox_too:
        queued = list(rows.filter(state=Reminder.State.QUEUED).values_list("pk", flat=True))
        if queued:
            outbox_cancel(
                object_refs=[f"promotions.reminder:{pk}" for pk in queued],
                reason=f"Reminder {reason} before it was sent.",
            )
            reminders_sync(reminder_ids=queued)
    return cancelled
