"""The account's reminders: the signed-in person's routine and replenishment reminders and
giveaway-news consent, for every address of theirs that is verified (one mailbox is one
person: matched by `normalize_email`), read and changed through the same reminder services
the signed manage links use."""

from __future__ import annotations

from typing import Any

from config.errors import DomainError
from promotions.reminders import manage
from promotions.reminders.models import Subscription
from promotions.reminders.subscriptions import (
    subscription_clean,
    subscription_pause,
    subscription_resume,
    subscription_update,
)
from shop.accounts.orders import account_verified_emails


class ReminderStopped(DomainError):
    code = "reminder_unsubscribed"
    status = 409

    def __init__(self) -> None:
        super().__init__(
            "You unsubscribed from this reminder; ask for it again on the reminders page."
        )


def verified_emails(*, user: Any) -> list[str]:
    """The user's verified addresses, normalised; none for a signed-out visitor."""
    if not getattr(user, "is_authenticated", False):
        return []
    return account_verified_emails(user=user)


def account_subscriptions(*, user: Any) -> list[Subscription]:
    return list(
        Subscription.objects.filter(email_normalized__in=verified_emails(user=user)).order_by(
            "email_normalized", "kind", "pk"
        )
    )


def account_subscription_get(*, user: Any, pk: Any) -> Subscription | None:
    """One of the user's subscriptions by id, or None (somebody else's is not found)."""
    try:
        key = int(pk)
    except (TypeError, ValueError):
        return None
    return Subscription.objects.filter(
        pk=key, email_normalized__in=verified_emails(user=user)
    ).first()


def account_reminder_data(subscription: Subscription) -> dict[str, Any]:
    due = manage.next_send(subscription)
    return {
        "id": subscription.pk,
        "kind": subscription.kind,
        "kind_label": subscription.get_kind_display(),
        "email": subscription.email,
        "status": subscription.status.replace("awaiting confirmation", "awaiting_confirmation"),
        "local_time": subscription.local_time.strftime("%H:%M"),
        "timezone": subscription.timezone,
        "next_send_at": due,
        "next_send_local": manage.next_send_display(subscription) if due else None,
    }


def account_reminder_change(
    *,
    subscription: Subscription,
    paused: bool | None = None,
    local_time: Any = None,
    timezone: Any = None,
) -> Subscription:
    """Pause or resume, and/or move to a new time or time zone (a field left out stays).
    Validated as a new reminder request would be; an unsubscribed one is not changed."""
    if subscription.unsubscribed_at is not None:
        raise ReminderStopped()
    if local_time is not None or timezone is not None:
        cleaned = subscription_clean(
            email=subscription.email,
            kind=subscription.kind,
            local_time=subscription.local_time if local_time is None else local_time,
            timezone=subscription.timezone if timezone is None else timezone,
        )
        subscription = subscription_update(
            subscription=subscription,
            local_time=cleaned.local_time,
            timezone_key=cleaned.timezone,
        )
    if paused is True:
        subscription = subscription_pause(subscription=subscription)
    elif paused is False:
        subscription = subscription_resume(subscription=subscription)
    return subscription
