"""The one-click unsubscribe every marketing email links to: from all marketing (the suppression
list) or, for a link scoped to one reminder kind, from that reminder."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from promotions.messaging.consent import is_suppressed, suppression_add
from promotions.messaging.identity import normalize_email
from promotions.messaging.models import Suppression
from promotions.reminders.links import scope_kind
from promotions.reminders.models import MARKETING_KINDS, Reminder, Subscription
from promotions.reminders.subscriptions import subscription_unsubscribe


def email_unsubscribe_apply(*, email: str, scope: str = "", now: datetime | None = None) -> None:
    """What a one-click unsubscribe (RFC 8058 POST, or the page's button) does. With a
    reminder scope: stop that reminder kind. Without: the address joins the suppression list
    and every marketing subscription of it stops, pending rows and waiting emails included."""
    now = now or timezone.now()
    normalized = normalize_email(email)
    kind = scope_kind(scope)
    with transaction.atomic():
        if kind is not None:
            targets = list(Subscription.objects.filter(email_normalized=normalized, kind=kind))
        else:
            suppression_add(email=normalized, reason=Suppression.Reason.UNSUBSCRIBED)
            targets = list(
                Subscription.objects.filter(
                    email_normalized=normalized, kind__in=sorted(MARKETING_KINDS)
                )
            )
        for subscription in targets:
            subscription_unsubscribe(subscription=subscription, now=now)
        if kind is None:
            # Order-derived replenishment rows may exist without a subscription.
            Reminder.objects.filter(
                email_normalized=normalized,
                kind__in=sorted(MARKETING_KINDS),
                state=Reminder.State.PENDING,
            ).update(state=Reminder.State.CANCELLED, reason="unsubscribed", updated_at=now)


def email_unsubscribe_done(*, email: str, scope: str = "") -> bool:
    """Whether that unsubscribe has already taken effect (for the GET page)."""
    kind = scope_kind(scope)
    if kind is None:
        return is_suppressed(email)
    subscription = Subscription.objects.filter(
        email_normalized=normalize_email(email), kind=kind
    ).first()
    return subscription is None or subscription.unsubscribed_at is not None
