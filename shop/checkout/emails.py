"""The shop's emails, written to the outbox: the order confirmation.

Enqueued inside the checkout transaction, so the outbox row exists exactly when the order
does (a declined or failed checkout leaves no email behind); the outbox queues the send after
commit and its sweep sends it even if the process dies right after the commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.urls import reverse

from promotions.messaging.models import OutboxMessage
from promotions.messaging.services import email_enqueue
from shop.checkout.models import Order
from shop.pricing import Breakdown

ORDER_CONFIRMATION = "order_confirmation"


def order_url(order: Order) -> str:
    """The guest's link to the order: number and access token."""
    path = reverse("shop:order_detail", args=[order.number])
    return f"{settings.SHOP_BASE_URL.rstrip('/')}{path}?token={order.access_token}"


def order_confirmation_context(
    *, order: Order, breakdown: Breakdown, product_names: dict[str, str]
) -> dict[str, Any]:
    lines: list[dict[str, Any]] = []
    for line in breakdown.lines:
        lines.append(
            {
                "name": line.name,
                "quantity": line.quantity,
                "subtotal": line.subtotal,
                "total": line.total,
                "gift": line.gift,
                "adjustments": line.adjustments,
                "parts": [
                    {
                        "name": product_names.get(c.product, c.product),
                        "quantity": c.quantity,
                        "gift": c.gift,
                    }
                    for c in line.components
                    if line.kind != "product"
                ],
            }
        )
    return {
        "order": order,
        "number": order.number,
        "name": order.name,
        "lines": lines,
        "breakdown": breakdown,
        "order_url": order_url(order),
        "address_lines": order.address_lines,
    }


def order_confirmation_enqueue(
    *, order: Order, breakdown: Breakdown, product_names: dict[str, str]
) -> OutboxMessage:
    """One confirmation per order (purpose and key are unique in the outbox)."""
    return email_enqueue(
        purpose=ORDER_CONFIRMATION,
        key=f"order:{order.number}",
        recipient=order.email,
        template=ORDER_CONFIRMATION,
        context=order_confirmation_context(
            order=order, breakdown=breakdown, product_names=product_names
        ),
        object_ref=f"shop.order:{order.pk}",
    )


def order_emails(*, orders: Sequence[Order]) -> dict[int, list[OutboxMessage]]:
    """The outbox rows about each order, in one query (for the admin)."""
    refs = {f"shop.order:{order.pk}": order.pk for order in orders}
    out: dict[int, list[OutboxMessage]] = {order.pk: [] for order in orders}
    for message in OutboxMessage.objects.filter(object_ref__in=list(refs)).order_by("created_at"):
        out[refs[message.object_ref]].append(message)
    return out
