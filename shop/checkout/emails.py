"""The shop's emails, written to the outbox: the order confirmation.

Enqueued inside the checkout transaction, so the outbox row exists exactly when the order
does (a declined or failed checkout leaves no email behind); the outbox queues the send after
commit and its sweep sends it even if the process dies right after the commit.

The row is written without its subject and bodies: the worker that sends it composes them from
the order as stored (`order_confirmation_compose`, registered in shop/apps.py), so checkout
renders no template (about 6 ms of CPU a checkout, issue 20).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.urls import reverse

from promotions.messaging.composers import ComposeRefused
from promotions.messaging.models import OutboxMessage
from promotions.messaging.rendering import RenderedEmail, email_render
from promotions.messaging.services import email_enqueue_composed
from shop.checkout.models import Order, OrderLineComponent
from shop.pricing import Breakdown, PricingError

ORDER_CONFIRMATION = "order_confirmation"
# An outbox row's object_ref for an order: this and the order's id.
ORDER_REF = "shop.order:"


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


def order_confirmation_enqueue(*, order: Order) -> OutboxMessage:
    """One confirmation per order (purpose and key are unique in the outbox), composed when
    sent: nothing is rendered or read here."""
    return email_enqueue_composed(
        purpose=ORDER_CONFIRMATION,
        key=f"order:{order.number}",
        recipient=order.email,
        object_ref=f"{ORDER_REF}{order.pk}",
    )


def order_confirmation_compose(object_ref: str) -> RenderedEmail:
    """The confirmation of the order `object_ref` names, from the order as stored: what was
    charged (its breakdown), the product names its components were written with, its address
    and its link. Raises ComposeRefused when the order is gone or its breakdown unreadable."""
    pk = object_ref.removeprefix(ORDER_REF)
    order = Order.objects.filter(pk=int(pk)).first() if pk.isdecimal() else None
    if order is None:
        raise ComposeRefused(f"No order {object_ref!r} to confirm.")
    try:
        breakdown = Breakdown.from_dict(order.breakdown)
    except PricingError as exc:
        raise ComposeRefused(f"Order {order.number}: {exc}") from exc
    product_names = dict(
        OrderLineComponent.objects.filter(line__order=order).values_list(
            "product_slug", "product_name"
        )
    )
    return email_render(
        template=ORDER_CONFIRMATION,
        context=order_confirmation_context(
            order=order, breakdown=breakdown, product_names=product_names
        ),
    )


def order_emails(*, orders: Sequence[Order]) -> dict[int, list[OutboxMessage]]:
    """The outbox rows about each order, in one query (for the admin)."""
    refs = {f"{ORDER_REF}{order.pk}": order.pk for order in orders}
    out: dict[int, list[OutboxMessage]] = {order.pk: [] for order in orders}
    for message in OutboxMessage.objects.filter(object_ref__in=list(refs)).order_by("created_at"):
        out[refs[message.object_ref]].append(message)
    return out
