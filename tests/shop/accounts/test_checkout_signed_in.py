"""Checkout while signed in: the order joins the account, the API may leave the email out (the
account's is used), and the storefront form starts filled in from the account and its last
order. Guests check out as before."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.middleware.csrf import get_token
from django.test import Client, RequestFactory
from rest_framework.test import APIClient

from shop.checkout.models import Order
from tests.shop.checkout_helpers import (
    Catalog,
    check_out,
    checkout_body,
    checkout_form,
    new_cart,
    problem,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def ana(db: Any) -> Any:
    return get_user_model().objects.create_user(
        username="Ana.Lima@Example.com",
        email="Ana.Lima@Example.com",
        password="a-long-pass-123",
        first_name="Ana",
        last_name="Lima",
    )


def without_email() -> dict[str, Any]:
    body = checkout_body()
    del body["email"]
    return body


def test_signed_in_api_checkout_may_omit_the_email(
    catalog: Catalog, api_client: APIClient, ana: Any
) -> None:
    api_client.force_login(ana)
    cart_id = new_cart(api_client, {"product": "wash"})
    response = check_out(api_client, cart_id, without_email())
    assert response.status_code == 201, response.content
    order = Order.objects.get()
    assert order.user_id == ana.pk
    assert order.email == "Ana.Lima@example.com" == response.json()["email"]
    assert order.customer_email == "ana.lima@example.com"


def test_signed_in_api_checkout_with_another_email_still_joins_the_account(
    catalog: Catalog, api_client: APIClient, ana: Any
) -> None:
    api_client.force_login(ana)
    cart_id = new_cart(api_client, {"product": "wash"})
    response = check_out(api_client, cart_id, checkout_body(email="gift@Example.com"))
    assert response.status_code == 201, response.content
    order = Order.objects.get()
    assert (order.user_id, order.email, order.customer_email) == (
        ana.pk,
        "gift@Example.com",
        "gift@example.com",
    )


def test_signed_out_api_checkout_still_needs_the_email(
    catalog: Catalog, api_client: APIClient
) -> None:
    cart_id = new_cart(api_client, {"product": "wash"})
    body = problem(check_out(api_client, cart_id, without_email()), 400, "validation_error")
    assert "email" in body["errors"]
    assert not Order.objects.exists()


def test_guest_api_checkout_has_no_account(catalog: Catalog, api_client: APIClient) -> None:
    cart_id = new_cart(api_client, {"product": "wash"})
    assert check_out(api_client, cart_id).status_code == 201
    order = Order.objects.get()
    assert order.user_id is None and order.customer_email == "ana@example.com"


def test_signed_in_api_checkout_needs_the_csrf_token(
    catalog: Catalog, ana: Any, rf: RequestFactory
) -> None:
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(ana)
    cart_id = new_cart(client, {"product": "wash"})
    problem(check_out(client, cart_id, without_email()), 403, "permission_denied")
    assert not Order.objects.exists()
    request = rf.get("/")
    token = get_token(request)
    client.cookies["csrftoken"] = request.META["CSRF_COOKIE"]
    response = client.post(
        f"/api/carts/{cart_id}/checkout/",
        without_email(),
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-1",
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 201, response.content
    assert Order.objects.get().user_id == ana.pk


def field_value(page: str, name: str) -> str | None:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
    assert match, name
    value = re.search(r'value="([^"]*)"', match.group(0))
    return value.group(1) if value else None


def selected(page: str, name: str) -> str | None:
    """The value of the selected option of the <select> called `name`."""
    match = re.search(rf'<select[^>]*name="{name}".*?</select>', page, re.S)
    assert match, name
    option = re.search(r'<option value="([^"]*)"[^>]*selected', match.group(0))
    return option.group(1) if option else None


def test_the_checkout_form_starts_filled_in_from_the_account_and_last_order(
    catalog: Catalog, client: Client, ana: Any
) -> None:
    client.force_login(ana)
    client.post("/cart/add/", {"product": "wash", "quantity": "1"})
    page = client.get("/checkout/").content.decode()
    assert field_value(page, "email") == "Ana.Lima@example.com"
    assert field_value(page, "name") == "Ana Lima"
    assert field_value(page, "line1") is None  # no order yet, so no address
    assert "Signed in as Ana.Lima@example.com" in page
    form = checkout_form(
        line1="9 Elm Road", city="Salem", postal_code="97301", phone="+1 503 555 0100"
    )
    response = client.post("/checkout/", form)
    assert response.status_code == 302, response.content.decode()
    assert Order.objects.get().user_id == ana.pk

    client.post("/cart/add/", {"product": "toner", "quantity": "1"})
    page = client.get("/checkout/").content.decode()
    assert (field_value(page, "line1"), field_value(page, "city")) == ("9 Elm Road", "Salem")
    assert field_value(page, "postal_code") == "97301"
    assert (selected(page, "country"), selected(page, "region")) == ("US", "US-OR")
    assert field_value(page, "phone") == "+1 503 555 0100"


def test_a_guest_checkout_form_starts_empty(catalog: Catalog, client: Client) -> None:
    client.post("/cart/add/", {"product": "wash", "quantity": "1"})
    page = client.get("/checkout/").content.decode()
    assert field_value(page, "email") is None and "Signed in as" not in page
    assert client.post("/checkout/", checkout_form()).status_code == 302
    assert Order.objects.get().user_id is None
