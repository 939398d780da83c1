"""Shared data and helpers for the cart, checkout and order tests (not a test module)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core import mail
from rest_framework.test import APIClient

from kits.models import Kit, Routine
from promotions.messaging.models import OutboxMessage
from promotions.messaging.sending import outbox_send_messages
from shop.catalog.models import Product
from shop.checkout.models import Order
from tests.factories import (
    KitComponentFactory,
    KitFactory,
    KitGiftFactory,
    ProductFactory,
    RoutineFactory,
    RoutineSlotFactory,
    RoutineTierFactory,
    StepFactory,
)

PROBLEM = "application/problem+json"


@dataclass
class Catalog:
    wash: Product
    toner: Product
    serum: Product
    gift: Product
    duo: Kit  # wash + toner for 30.00 (35.00 value), gift included
    pair: Kit  # toner + serum for 40.00 (45.00 value): shares the toner with the duo
    routine: Routine  # cleanse 1, tone 1, renew 0..1; 10% off from 3 products


def make_catalog(stock: int = 50) -> Catalog:
    cleanse = StepFactory(slug="cleanse", position=1)
    tone = StepFactory(slug="tone", position=2)
    renew = StepFactory(slug="renew", position=3)
    extra = StepFactory(slug="extra", position=7, optional=True)
    wash = ProductFactory(
        name="Citrus Wash", slug="wash", step=cleanse, price_amount=Decimal("20.00"), stock=stock
    )
    toner = ProductFactory(
        name="Firming Toner", slug="toner", step=tone, price_amount=Decimal("15.00"), stock=stock
    )
    serum = ProductFactory(
        name="Renew Serum", slug="serum", step=renew, price_amount=Decimal("30.00"), stock=stock
    )
    gift = ProductFactory(
        name="Eye Gift", slug="eye-gift", step=extra, price_amount=Decimal("10.00"), stock=stock
    )
    duo = KitFactory(name="Duo", slug="duo", price_amount=Decimal("30.00"))
    KitComponentFactory(kit=duo, product=wash, quantity=1)
    KitComponentFactory(kit=duo, product=toner, quantity=1)
    KitGiftFactory(kit=duo, product=gift, quantity=1)
    pair = KitFactory(name="Pair", slug="pair", price_amount=Decimal("40.00"))
    KitComponentFactory(kit=pair, product=toner, quantity=1)
    KitComponentFactory(kit=pair, product=serum, quantity=1)
    routine = RoutineFactory(name="Basic routine", slug="basic")
    RoutineSlotFactory(routine=routine, step=cleanse, position=0, min_items=1, max_items=1)
    RoutineSlotFactory(routine=routine, step=tone, position=1, min_items=1, max_items=1)
    RoutineSlotFactory(
        routine=routine, step=renew, position=2, required=False, min_items=0, max_items=1
    )
    RoutineTierFactory(routine=routine, min_items=3, percent_off=Decimal("10"))
    return Catalog(wash, toner, serum, gift, duo, pair, routine)


ROUTINE_ITEM = {"routine": "basic", "selections": ["wash", "toner", "serum"], "quantity": 1}


def checkout_body(token: str = "tok_ok", **changes: Any) -> dict[str, Any]:  # noqa: S107
    body: dict[str, Any] = {
        "email": "ana@example.com",
        "name": "Ana Lima",
        "address": {
            "line1": "12 Rose Street",
            "city": "Portland",
            "postal_code": "97201",
            "country": "US",
        },
        "payment": {"method": "test", "token": token},
    }
    body.update(changes)
    return body


def checkout_form(**changes: str) -> dict[str, str]:
    """The storefront checkout form's fields (`/checkout/`) for a test card that is accepted."""
    return {
        "email": "ana@example.com",
        "name": "Ana Lima",
        "line1": "12 Rose Street",
        "city": "Portland",
        "postal_code": "97201",
        "country": "US",
        "region": "US-OR",
        "card_number": "4242 4242 4242 4242",
        "card_expiry": "12/34",
        "card_cvc": "123",
        **changes,
    }


def new_cart(client: APIClient, *items: dict[str, Any]) -> str:
    response = client.post("/api/carts/", {}, format="json")
    assert response.status_code == 201, response.content
    cart_id: str = response.json()["id"]
    for item in items:
        added = client.post(f"/api/carts/{cart_id}/items/", item, format="json")
        assert added.status_code == 201, added.content
    return cart_id


def check_out(
    client: APIClient, cart_id: str, body: dict[str, Any] | None = None, key: str | None = None
) -> Any:
    return client.post(
        f"/api/carts/{cart_id}/checkout/",
        body if body is not None else checkout_body(),
        format="json",
        HTTP_IDEMPOTENCY_KEY=key or str(uuid.uuid4()),
    )


def problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    return body


def stock(*products: Product) -> list[int]:
    return [Product.objects.get(pk=p.pk).stock for p in products]


def confirmation_sent() -> OutboxMessage:
    """The order confirmation as the worker sends it: composed from the order, stored on its
    row and sent (tests run without the send that is queued after commit)."""
    row = OutboxMessage.objects.get(purpose="order_confirmation")
    outbox_send_messages(message_ids=[row.pk])
    row.refresh_from_db()
    assert row.state == OutboxMessage.State.SENT and not row.compose_at_send, row.last_error
    return row


def one_email_per_order() -> None:
    """Every order has exactly one confirmation, composed and sent once (the send queued after
    commit runs in-process in these tests), and no confirmation is about a missing order."""
    numbers = sorted(Order.objects.values_list("number", flat=True))
    rows = OutboxMessage.objects.filter(purpose="order_confirmation").order_by("key")
    assert [row.key for row in rows] == sorted(f"order:{number}" for number in numbers)
    assert {(r.state, r.attempts, r.compose_at_send) for r in rows} <= {("sent", 1, False)}
    assert all(r.subject == f"Your order {r.key[6:]} is confirmed" for r in rows)
    ids = sorted(m.extra_headers["X-Outbox-Id"] for m in mail.outbox)
    assert ids == sorted(str(row.pk) for row in rows)
