"""An account's orders: those placed while signed in, and the guest orders placed with one of
its verified addresses (compared normalised: one mailbox is one person)."""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from django.db.models import Q, QuerySet

from promotions.messaging.identity import normalize_email
from shop.checkout.models import Order

ORDER_LIST_FIELDS = ("pk", "number", "access_salt", "status", "currency", "total_amount")


def account_verified_emails(*, user: Any) -> list[str]:
    """The account's verified addresses, normalised (one query)."""
    addresses = EmailAddress.objects.filter(user_id=user.pk, verified=True)
    return sorted({normalize_email(email) for email in addresses.values_list("email", flat=True)})


def account_orders(*, user: Any) -> QuerySet[Order]:
    """The account's orders, newest first: its own, and guest orders (no account) whose
    normalised email is one of its verified addresses. One query for the addresses now, one
    for the orders when evaluated; another account's orders never appear."""
    mine = Q(user_id=user.pk)
    emails = account_verified_emails(user=user)
    if emails:
        mine |= Q(user__isnull=True, customer_email__in=emails)
    return (
        Order.objects.filter(mine)
        .only(*ORDER_LIST_FIELDS, "created_at")
        .order_by("-created_at", "-id")
    )
