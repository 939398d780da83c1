"""The order confirmation is composed by the worker that sends it (issue 20): checkout writes
the outbox row alone, renders no template, and the email sent is exactly what rendering it
inside checkout made."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.core import mail
from django.template import Template
from rest_framework.test import APIClient

from promotions.messaging.models import OutboxMessage
from promotions.messaging.rendering import email_render
from promotions.messaging.sending import outbox_send_messages
from shop.checkout import services as checkout
from shop.checkout.emails import ORDER_CONFIRMATION, order_confirmation_context
from shop.checkout.models import Order
from tests.shop.checkout_helpers import (
    ROUTINE_ITEM,
    Catalog,
    check_out,
    checkout_body,
    confirmation_sent,
    new_cart,
)

pytestmark = pytest.mark.django_db
DETAILS = checkout.CheckoutDetails(
    "ana@example.com",
    "Ana <b>Lima</b> & Co",
    "12 Rose St",
    "Portland",
    "97201",
    "US",
    "test",
    "tok_ok",
    region="OR",
)


def test_the_email_sent_is_byte_for_byte_what_checkout_rendered_before(
    catalog: Catalog, api_client: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What checkout had in hand and rendered from before: the order, the Breakdown it charged
    # and its products' names (`order_rows_write` is handed all three).
    seen: dict[str, Any] = {}
    write = checkout.order_rows_write

    def spy(**kwargs: Any) -> Any:
        seen.update(kwargs)
        return write(**kwargs)

    monkeypatch.setattr(checkout, "order_rows_write", spy)
    # A kit with its gift and parts, a product, a discounted routine; a name to escape.
    cart_id = new_cart(
        api_client, {"kit": "duo", "quantity": 2}, {"product": "serum"}, ROUTINE_ITEM
    )
    body = checkout_body(name="Ana <b>Lima</b> & Co")
    body["address"]["region"] = "OR"
    assert check_out(api_client, cart_id, body).status_code == 201
    before = email_render(
        template=ORDER_CONFIRMATION,
        context=order_confirmation_context(
            order=seen["order"],
            breakdown=seen["breakdown"],
            product_names={n.product.slug: n.product.name for n in seen["needs"].values()},
        ),
    )
    assert "Eye Gift (gift)" in before.text and "&lt;b&gt;Lima" in before.html  # a real render

    row = confirmation_sent()
    assert row.subject == before.subject
    assert row.body_text == before.text
    assert row.body_html == before.html
    (sent,) = mail.outbox
    assert (sent.subject, sent.body, sent.alternatives[0][0]) == (
        before.subject,
        before.text,
        before.html,
    )


def test_checkout_renders_no_template_and_the_worker_does(
    catalog: Catalog, api_client: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    renders: list[str] = []
    render = Template.render

    def counted(self: Template, context: Any) -> Any:
        renders.append(str(self.origin.name if self.origin else self.name))
        return render(self, context)

    monkeypatch.setattr(Template, "render", counted)
    cart_id = uuid.UUID(new_cart(api_client, {"kit": "duo"}, ROUTINE_ITEM))
    renders.clear()
    placed = checkout.order_place(cart_id=cart_id, details=DETAILS)
    assert isinstance(placed, checkout.PlacedOrder) and placed.created
    assert renders == []
    row = OutboxMessage.objects.get()
    assert (row.compose_at_send, row.subject, row.body_text, row.body_html) == (True, "", "", "")
    assert row.object_ref == f"shop.order:{placed.order.pk}"

    confirmation_sent()
    assert any(name.endswith("order_confirmation.html") for name in renders), renders


def test_a_confirmation_whose_order_is_gone_fails_and_the_others_send(
    catalog: Catalog, api_client: APIClient
) -> None:
    numbers = []
    for _ in range(3):
        response = check_out(api_client, new_cart(api_client, {"kit": "duo"}))
        assert response.status_code == 201
        numbers.append(response.json()["number"])
    Order.objects.get(number=numbers[1]).delete()  # e.g. erased before the worker got to it
    ids = list(OutboxMessage.objects.order_by("pk").values_list("pk", flat=True))
    report = outbox_send_messages(message_ids=ids)
    assert (report.sent, report.failed, report.retried) == (2, 1, 0)
    rows = {row.key: row for row in OutboxMessage.objects.all()}
    gone = rows[f"order:{numbers[1]}"]
    assert gone.state == "failed" and gone.compose_at_send and gone.subject == ""
    assert gone.last_error.startswith("ComposeRefused: No order 'shop.order:")
    assert sorted(m.subject for m in mail.outbox) == sorted(
        f"Your order {n} is confirmed" for n in (numbers[0], numbers[2])
    )
