"""Privacy: everything held about a signed-in person as JSON (`account_export`), and closing
the account with its personal data erased (`account_erase`).

Whose data: the account itself, the orders placed while signed in, and, for each of its
verified addresses (one mailbox is one person: `normalize_email`), the guest orders, giveaway
entries, reminder subscriptions, scheduled reminders and emails sent to it. An unverified
address proves nothing, so nothing held under it alone is exported or erased.

What erasing keeps, and why:

* Orders stay for the books, anonymised in place: name, email, street, city, postal code and
  phone are emptied, the country and region (tax records) and every amount, line and date are
  kept, the guest access link stops working. Their promo code uses keep their amounts but lose
  the address.
* An entry in a giveaway already drawn is anonymised, not deleted: the published proof lists
  it (id and the "First L." name shown at the draw), and `verify_draw` re-runs the draw from
  that proof, which stays as published. Entries in giveaways not drawn yet are deleted.
* The suppression list keeps the address if the person unsubscribed or complained: it is how
  the shop keeps honouring "never email me" (it is not an account and blocks no sign-up).

Everything else is deleted in the same transaction: the user row (its allauth addresses, and
so its email is free for a new account), saved routines (they cascade with the user),
subscriptions, reminders and replenishment rows, and the outbox's copies of emails to them;
the admin's history of staff edits to the user keeps its dates but no longer names them.
A deleted user's sessions no longer authenticate anyone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from promotions.codes.models import Redemption
from promotions.giveaways.models import Entry
from promotions.messaging.identity import erased_email_key
from promotions.messaging.models import MarketingStamp, OutboxMessage, Suppression
from promotions.reminders.models import Reminder, ReplenishmentItem, Subscription
from shop.accounts.orders import account_orders
from shop.accounts.reminders import account_reminder_data, verified_emails
from shop.accounts.routines import SavedRoutine
from shop.checkout.models import Order, access_salt_new
from shop.checkout.orders import order_data, order_lines

ERASED_NAME = "(erased)"


def _orders(user: Any) -> QuerySet[Order]:
    return Order.objects.filter(pk__in=account_orders(user=user).values("pk"))


def _subscriptions(emails: list[str]) -> QuerySet[Subscription]:
    return Subscription.objects.filter(email_normalized__in=emails)


def _recipients(emails: list[str], orders: list[Order]) -> Q:
    addresses = set(emails) | {order.email for order in orders if order.email}
    query = Q(pk__in=[])
    for address in addresses:
        query |= Q(recipient__iexact=address)
    return query


# -- export -------------------------------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def account_export(*, user: Any) -> dict[str, Any]:
    """Everything held about the person, as plain JSON-able data."""
    emails = verified_emails(user=user)
    orders = list(_orders(user).order_by("created_at", "pk"))
    addresses = {
        (
            order.name,
            order.address_line1,
            order.city,
            order.region,
            order.postal_code,
            str(order.country),
            order.phone,
        )
        for order in orders
        if order.address_line1
    }
    return {
        "exported_at": timezone.now().isoformat(),
        "account": {
            "email": user.email,
            "name": user.get_full_name(),
            "date_joined": _iso(user.date_joined),
            "last_login": _iso(user.last_login),
            "emails": [
                {"email": address.email, "verified": address.verified, "primary": address.primary}
                for address in user.emailaddress_set.order_by("pk")
            ],
        },
        "addresses": [
            {
                "name": n,
                "line1": line1,
                "city": city,
                "region": region,
                "postal_code": code,
                "country": country,
                "phone": phone,
            }
            for n, line1, city, region, code, country, phone in sorted(addresses)
        ],
        "orders": [order_data(order=order, lines=order_lines(order=order)) for order in orders],
        "saved_routines": _saved_routines(user),
        "giveaway_entries": [
            {
                "giveaway": entry.giveaway.slug,
                "title": entry.giveaway.title,
                "name": entry.name,
                "email": entry.email,
                "country": entry.country,
                "comment": entry.comment,
                "status": entry.status,
                "created_at": _iso(entry.created_at),
                "confirmed_at": _iso(entry.confirmed_at),
                "claim": entry.claim,
                "claimed_at": _iso(entry.claimed_at),
                "claim_details": entry.claim_details,
            }
            for entry in Entry.objects.filter(email_normalized__in=emails)
            .select_related("giveaway")
            .order_by("created_at", "pk")
        ],
        "reminder_subscriptions": [
            {
                **account_reminder_data(subscription),
                "created_at": _iso(subscription.created_at),
                "confirmed_at": _iso(subscription.confirmed_at),
                "paused_at": _iso(subscription.paused_at),
                "unsubscribed_at": _iso(subscription.unsubscribed_at),
            }
            for subscription in _subscriptions(emails)
        ],
        "replenishment": [
            {
                "product": item.product.slug,
                "quantity": item.quantity,
                "runs_out_on": item.runs_out_on.isoformat(),
                "remind_on": item.remind_on.isoformat(),
            }
            for item in ReplenishmentItem.objects.filter(email_normalized__in=emails)
            .select_related("product")
            .order_by("remind_on", "pk")
        ],
        "consent": {
            "marketing_suppressed": [
                {"email": row.email, "reason": row.reason, "since": _iso(row.created_at)}
                for row in Suppression.objects.filter(email__in=emails).order_by("pk")
            ],
        },
        "emails_sent": [
            {
                "subject": message.subject_shown,
                "to": message.recipient,
                "purpose": message.purpose,
                "state": message.state,
                "created_at": _iso(message.created_at),
                "sent_at": _iso(message.sent_at),
            }
            for message in OutboxMessage.objects.filter(_recipients(emails, orders)).order_by(
                "created_at", "pk"
            )
        ],
    }


def _saved_routines(user: Any) -> list[dict[str, Any]]:
    return [
        {
            "name": routine.name,
            "routine": routine.routine,
            "selections": list(routine.selections),
            "created_at": _iso(routine.created_at),
        }
        for routine in SavedRoutine.objects.filter(user=user).order_by("pk")
    ]


# -- erasure ------------------------------------------------------------------------------------


def account_erase(*, user: Any, now: datetime | None = None) -> dict[str, int]:
    """Close the account and erase the person's data (see the module docstring), all in one
    transaction. Returns how many rows of each kind were erased or anonymised."""
    now = now or timezone.now()
    User = get_user_model()
    with transaction.atomic():
        locked = User.objects.select_for_update().filter(pk=user.pk).first()
        if locked is None:
            return {}  # erased meanwhile (a second click, another tab): nothing left to do
        emails = verified_emails(user=locked)
        orders = list(_orders(locked).select_for_update(of=("self",)))
        counts = {"orders": len(orders)}
        counts["emails"] = OutboxMessage.objects.filter(_recipients(emails, orders)).delete()[0]
        for order in orders:
            order.email = order.customer_email = ""
            order.name = ERASED_NAME
            order.address_line1 = order.city = order.postal_code = order.phone = ""
            order.user = None
            order.access_salt = access_salt_new()  # the guest link stops working
        Order.objects.bulk_update(
            orders,
            [
                "email",
                "customer_email",
                "name",
                "address_line1",
                "city",
                "postal_code",
                "phone",
                "user",
                "access_salt",
            ],
        )
        for redemption in Redemption.objects.filter(order__in=orders):
            redemption.customer_email = erased_email_key(redemption.customer_email)
            redemption.user = None
            redemption.save(update_fields=["customer_email", "user"])
        counts["entries"] = _entries_erase(emails)
        Subscription.objects.filter(user=locked).exclude(email_normalized__in=emails).update(
            user=None
        )
        counts["subscriptions"] = _subscriptions(emails).delete()[0]
        Reminder.objects.filter(email_normalized__in=emails).delete()
        ReplenishmentItem.objects.filter(email_normalized__in=emails).delete()
        MarketingStamp.objects.filter(email__in=emails).delete()
        counts["saved_routines"] = SavedRoutine.objects.filter(user=locked).delete()[0]
        # Staff edits of this user stay in the admin's history without naming the person.
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(User), object_id=str(locked.pk)
        ).update(object_repr=ERASED_NAME, change_message="")
        locked.delete()
    return counts


def _entries_erase(emails: list[str]) -> int:
    entries = list(
        Entry.objects.select_for_update(of=("self",))
        .select_related("giveaway")
        .filter(email_normalized__in=emails)
    )
    drawn = [entry for entry in entries if entry.giveaway.drawn_at is not None]
    Entry.objects.filter(pk__in=[e.pk for e in entries if e not in drawn]).delete()
    for entry in drawn:
        # The proof lists the entry by id and its public name, both kept there as published.
        entry.name = ERASED_NAME
        entry.email = ""
        entry.email_normalized = f"erased:{entry.pk}"
        entry.comment = ""
        entry.country = ""
        entry.ip_hash = ""
        entry.claim_details = {}
        entry.spam_reasons = []
    Entry.objects.bulk_update(
        drawn,
        [
            "name",
            "email",
            "email_normalized",
            "comment",
            "country",
            "ip_hash",
            "claim_details",
            "spam_reasons",
        ],
    )
    return len(entries)
