"""Payment settings in production: the test gateway is off with DEBUG=0 unless named,
`check --deploy` warns when it is on, and the storefront uses whichever gateway is configured,
with a clear refusal when none is."""

from __future__ import annotations

import subprocess
import sys
import uuid
from decimal import Decimal

import pytest
from django.test import Client, override_settings
from rest_framework.test import APIClient

from promotions.messaging.models import OutboxMessage
from shop.cart.models import Cart
from shop.checkout import payments
from shop.checkout.checks import (
    TEST_GATEWAY_IN_PRODUCTION,
    UNKNOWN_PAYMENT_METHOD,
    check_payment_methods_known,
    check_test_gateway_off,
)
from shop.checkout.models import Order, Payment
from tests.shop.checkout.test_storefront import FORM, add, field_errors, text
from tests.shop.checkout_helpers import Catalog, check_out, checkout_body, new_cart, problem, stock
from tests.test_config import ROOT, _deploy_env


class CardGateway:
    """A stand-in provider: approves every token, records what it was asked."""

    name = "card"
    label = "Card"
    form_help = "Paid through Card Co."
    form_initial = ""
    calls: list[tuple[str, str]] = []

    def authorize(
        self, *, amount: Decimal, currency: str, token: str, reference: str
    ) -> payments.Authorization:
        self.calls.append(("authorize", token))
        return payments.Authorization(f"card_auth_{uuid.uuid4().hex}", amount, currency)

    def capture(self, *, authorization: str, amount: Decimal) -> str:
        self.calls.append(("capture", authorization))
        return authorization.replace("auth", "capture")

    def void(self, *, authorization: str) -> None:
        self.calls.append(("void", authorization))

    def refund(self, *, capture: str, amount: Decimal, reference: str) -> str:
        return f"card_refund_{uuid.uuid4().hex}"


@pytest.fixture
def card(monkeypatch: pytest.MonkeyPatch) -> type[CardGateway]:
    CardGateway.calls = []
    monkeypatch.setitem(payments.GATEWAYS, "card", CardGateway)
    return CardGateway


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=_deploy_env(**env),
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_accepts_no_payment_method_unless_one_is_named() -> None:
    show = "from django.conf import settings; print(settings.SHOP_PAYMENT_METHODS)"
    assert _manage("shell", "-c", show).stdout.strip().splitlines()[-1] == "[]"
    named = _manage("shell", "-c", show, SHOP_PAYMENT_METHODS="test")
    assert named.stdout.strip().splitlines()[-1] == "['test']", named.stderr


def test_check_deploy_warns_when_the_test_gateway_is_on_in_production() -> None:
    result = _manage("check", "--deploy", "--fail-level", "WARNING", SHOP_PAYMENT_METHODS="test")
    assert result.returncode != 0
    assert TEST_GATEWAY_IN_PRODUCTION in result.stderr + result.stdout
    assert "tok_ok" in result.stderr + result.stdout


def test_the_check_is_quiet_in_development_and_without_the_test_gateway() -> None:
    with override_settings(DEBUG=True, SHOP_PAYMENT_METHODS=["test"]):
        assert check_test_gateway_off() == []
    with override_settings(DEBUG=False, SHOP_PAYMENT_METHODS=["card"]):
        assert check_test_gateway_off() == []
    with override_settings(DEBUG=False, SHOP_PAYMENT_METHODS=["card", "test"]):
        assert [m.id for m in check_test_gateway_off()] == [TEST_GATEWAY_IN_PRODUCTION]


def test_a_payment_method_no_gateway_answers_to_is_a_system_check_error() -> None:
    """A typo (`SHOP_PAYMENT_METHODS=stripe,tset`) would leave the shop without the method."""
    with override_settings(SHOP_PAYMENT_METHODS=["test"]):
        assert check_payment_methods_known() == []
    with override_settings(SHOP_PAYMENT_METHODS=["test", "tset"]):
        [error] = check_payment_methods_known()
    assert error.id == UNKNOWN_PAYMENT_METHOD and "'tset'" in error.msg
    result = _manage("check", SHOP_PAYMENT_METHODS="tset")
    assert result.returncode != 0 and UNKNOWN_PAYMENT_METHOD in result.stderr


@pytest.mark.django_db
def test_the_storefront_pays_with_the_configured_gateway(
    catalog: Catalog, client: Client, card: type[CardGateway]
) -> None:
    add(client, kit="duo")
    with override_settings(SHOP_PAYMENT_METHODS=["card"]):
        page = client.get("/checkout/").content.decode()
        assert "Paid through Card Co." in page and "tok_ok" not in page
        assert 'name="payment_method"' not in page  # one method: nothing to choose
        placed = client.post("/checkout/", {**FORM, "card_token": "card_tok_123"})
    assert placed.status_code == 302, field_errors(placed.content.decode())
    order = Order.objects.get()
    assert order.status == "paid" and order.payment.gateway == "card"
    assert [call[0] for call in card.calls] == ["authorize", "capture"]
    assert card.calls[0] == ("authorize", "card_tok_123")


@pytest.mark.django_db
def test_with_several_gateways_the_shopper_chooses(
    catalog: Catalog, client: Client, card: type[CardGateway]
) -> None:
    add(client, kit="duo")
    with override_settings(SHOP_PAYMENT_METHODS=["test", "card"]):
        page = client.get("/checkout/").content.decode()
        assert 'name="payment_method"' in page and "Card (test token)" in page
        refused = client.post("/checkout/", {**FORM, "payment_method": "cash"})
        assert refused.status_code == 400
        assert "id_payment_method" in field_errors(refused.content.decode())
        placed = client.post("/checkout/", {**FORM, "payment_method": "card"})
    assert placed.status_code == 302
    assert Payment.objects.get().gateway == "card"


@pytest.mark.django_db
def test_the_storefront_without_a_gateway_says_so_and_writes_nothing(
    catalog: Catalog, client: Client
) -> None:
    add(client, kit="duo")
    with override_settings(SHOP_PAYMENT_METHODS=[]):
        assert "not taking payments" in text(client.get("/checkout/").content.decode())
        response = client.post("/checkout/", FORM)
    assert response.status_code == 503
    page = text(response.content.decode())
    assert "This shop is not taking payments at the moment" in page
    assert "lost our connection" not in page and "did not answer" not in page
    assert 'value="ana@example.com"' in response.content.decode()
    assert not Order.objects.exists() and not OutboxMessage.objects.exists()
    assert Cart.objects.get().status == "open" and stock(catalog.wash) == [50]


@pytest.mark.django_db
def test_the_api_without_a_gateway_answers_payments_not_configured(
    catalog: Catalog, api_client: APIClient
) -> None:
    cart_id = new_cart(api_client, {"kit": "duo"})
    with override_settings(SHOP_PAYMENT_METHODS=[]):
        answer = check_out(api_client, cart_id, checkout_body())
    body = problem(answer, 503, "payments_not_configured")
    assert "no payment method" in body["detail"] and not answer.has_header("Retry-After")
    assert not Order.objects.exists() and Cart.objects.get().status == "open"


def test_an_unknown_method_beside_a_configured_one_is_still_a_field_error(
    card: type[CardGateway],
) -> None:
    with (
        override_settings(SHOP_PAYMENT_METHODS=["card"]),
        pytest.raises(payments.UnknownPaymentMethod),
    ):
        payments.gateway_for("test")
    with (
        override_settings(SHOP_PAYMENT_METHODS=["no-such-gateway"]),
        pytest.raises(payments.PaymentsNotConfigured),
    ):
        payments.gateway_for("test")
