"""The payment gateway interface and the built-in test gateway."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from shop.checkout.payments import (
    GATEWAYS,
    PaymentDeclined,
    PaymentGateway,
    PaymentsNotConfigured,
    TestGateway,
    UnknownPaymentMethod,
    gateway_for,
    payment_methods,
)
from tests.shop.checkout_helpers import Catalog, check_out, checkout_body, new_cart, problem


def test_the_test_gateway_follows_the_interface() -> None:
    gateway: PaymentGateway = gateway_for("test")
    held = gateway.authorize(amount=Decimal("95.00"), currency="USD", token="tok_ok", reference="N")
    assert held.amount == Decimal("95.00") and held.reference.startswith("test_auth_")
    capture = gateway.capture(authorization=held.reference, amount=held.amount)
    refund = gateway.refund(capture=capture, amount=Decimal("10.00"), reference="N")
    gateway.void(authorization=held.reference)
    assert refund.startswith("test_refund_")
    assert [e.operation for e in TestGateway.ledger] == ["authorize", "capture", "refund", "void"]
    with pytest.raises(PaymentDeclined, match="declined"):
        gateway.authorize(
            amount=Decimal("1.00"), currency="USD", token="tok_decline", reference="N"
        )


def test_only_configured_methods_are_offered() -> None:
    assert payment_methods() == ["test"]
    with override_settings(SHOP_PAYMENT_METHODS=["card"]):
        assert payment_methods() == []
        with pytest.raises(PaymentsNotConfigured):
            gateway_for("test")
    with pytest.raises(UnknownPaymentMethod):
        gateway_for("cash")


@pytest.mark.django_db
def test_a_shop_without_the_test_gateway_refuses_test_payments(
    catalog: Catalog, api_client: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    cart_id = new_cart(api_client, {"kit": "duo"})
    monkeypatch.setitem(GATEWAYS, "card", TestGateway)
    with override_settings(SHOP_PAYMENT_METHODS=["card"]):
        body = problem(check_out(api_client, cart_id, checkout_body()), 400, "validation_error")
    assert "payment.method" in body["errors"]


@pytest.mark.django_db
def test_the_schema_documents_carts_checkout_and_orders(api_client: APIClient) -> None:
    schema: dict[str, Any] = api_client.get("/api/schema/?format=json").json()
    paths = schema["paths"]
    for path in (
        "/api/carts/",
        "/api/carts/{cart_id}/",
        "/api/carts/{cart_id}/items/",
        "/api/carts/{cart_id}/items/{item_id}/",
        "/api/carts/{cart_id}/promo/",
        "/api/carts/{cart_id}/checkout/",
        "/api/orders/{number}/",
    ):
        assert path in paths, path
    checkout = paths["/api/carts/{cart_id}/checkout/"]["post"]
    header = next(p for p in checkout["parameters"] if p["in"] == "header")
    assert header["name"] == "Idempotency-Key" and header["required"] is True
    assert {"200", "201", "402", "409", "422"} <= set(checkout["responses"])
