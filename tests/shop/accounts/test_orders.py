"""An account's orders (GET /api/account/orders/ and /account/orders/): those placed while
signed in, and guest orders placed with one of its verified addresses (normalised); never
another account's; signed out nothing; constant queries for 200 orders."""

from __future__ import annotations

import importlib
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from bench.bench_accounts import orders_create
from shop.checkout.models import Order
from tests.factories import OrderFactory
from tests.shop.checkout_helpers import Catalog, check_out, checkout_body, new_cart, problem

pytestmark = pytest.mark.django_db


def person(email: str, *, verified: bool = True) -> Any:
    user = get_user_model().objects.create_user(
        username=email, email=email, password="a-long-pass-123"
    )
    EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
    return user


def order(email: str, *, user: Any = None, days_ago: int = 0, total: str = "10.00") -> Order:
    placed: Order = OrderFactory(
        email=email,
        customer_email=email.lower(),
        user=user,
        total_amount=Decimal(total),
        subtotal_amount=Decimal(total),
    )
    Order.objects.filter(pk=placed.pk).update(created_at=timezone.now() - timedelta(days=days_ago))
    return placed


def numbers(client: APIClient) -> list[str]:
    response = client.get("/api/account/orders/")
    assert response.status_code == 200, response.content
    return [row["number"] for row in response.json()["results"]]


def as_user(user: Any) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def test_signed_in_orders_and_verified_guest_orders_newest_first() -> None:
    jane = person("janedoe@gmail.com")
    own = order("gift@example.org", user=jane, days_ago=1, total="42.50")
    guest = order("Jane.Doe+shop@gmail.com", days_ago=3)
    guest.customer_email = "janedoe@gmail.com"  # as checkout normalises it
    guest.save(update_fields=["customer_email"])
    order("someone@example.com", days_ago=2)
    response = as_user(jane).get("/api/account/orders/")
    body = response.json()
    assert body["count"] == 2
    assert [row["number"] for row in body["results"]] == [own.number, guest.number]
    first = body["results"][0]
    assert set(first) >= {"number", "status", "total", "created_at"}
    assert (first["status"], first["total"]) == ("placed", "42.50")


def test_guest_orders_show_once_the_address_is_verified() -> None:
    jane = person("jane@example.com", verified=False)
    guest = order("jane@example.com")
    assert numbers(as_user(jane)) == []
    EmailAddress.objects.filter(user=jane).update(verified=True)
    assert numbers(as_user(jane)) == [guest.number]


def test_another_accounts_orders_never_show_even_with_the_same_address() -> None:
    jane = person("jane@example.com")
    mallory = get_user_model().objects.create_user(
        username="m@example.com", email="m@example.com", password="a-long-pass-123"
    )
    theirs = order("jane@example.com", user=mallory)
    mine = order("jane@example.com", user=jane)
    assert numbers(as_user(jane)) == [mine.number]
    assert numbers(as_user(mallory)) == [theirs.number]
    other = person("bob@example.com")
    assert numbers(as_user(other)) == []
    page = Client()
    page.force_login(other)
    assert mine.number not in page.get("/account/orders/").content.decode()


def test_signed_out_gets_a_problem_and_the_page_asks_to_sign_in() -> None:
    order("jane@example.com")
    response = APIClient().get("/api/account/orders/")
    assert response.status_code in (401, 403)
    assert response["Content-Type"] == "application/problem+json"
    page = Client().get("/account/orders/")
    assert page.status_code == 302 and page["Location"].startswith("/account/login/")


def test_an_order_placed_while_signed_in_is_listed_and_opens_from_the_page(
    catalog: Catalog,
) -> None:
    jane = person("jane@example.com")
    client = as_user(jane)
    placed = check_out(client, new_cart(client, {"product": "wash"}), checkout_body())
    assert placed.status_code == 201, placed.content
    number = placed.json()["number"]
    assert numbers(client) == [number]
    page = Client()
    page.force_login(jane)
    html = page.get("/account/orders/").content.decode()
    placed_order = Order.objects.get()
    link = f"/orders/{number}/?token={placed_order.access_token}"
    assert f'href="{link}"' in html and f"${placed_order.total_amount:.2f}" in html
    assert page.get(link).status_code == 200


def test_the_list_is_paginated_and_a_bad_page_is_a_problem() -> None:
    jane = person("jane@example.com")
    for day in range(25):
        order("jane@example.com", user=jane, days_ago=day)
    client = as_user(jane)
    body = client.get("/api/account/orders/?page=2").json()
    assert body["count"] == 25 and len(body["results"]) == 5
    problem(client.get("/api/account/orders/?page=x"), 400, "invalid_page")


@pytest.mark.parametrize("count", [2, 200])
def test_constant_queries_whatever_the_number_of_orders(
    count: int, django_assert_num_queries: Any
) -> None:
    """Session, user, verified addresses, count, page: the same five for 2 or 200 orders
    (the page shows 50 of them, the API its page size up to 100)."""
    jane = person("jane@example.com")
    orders_create(user=jane, email="jane@example.com", count=count)
    client = as_user(jane)
    with django_assert_num_queries(5):
        response = client.get("/api/account/orders/?page_size=100")
    assert response.json()["count"] == count
    page = Client()
    page.force_login(jane)
    with django_assert_num_queries(5):
        html = page.get("/account/orders/").content.decode()
    assert html.count("/orders/BENCH") == min(count, 50)


def test_the_migration_fills_in_the_normalised_email_of_existing_orders() -> None:
    """Orders placed before `customer_email` existed get it from `shop 0004`, so the guest
    orders of a verified address show in the account whatever their age."""
    migration = importlib.import_module("shop.migrations.0004_order_account")
    old = [OrderFactory(email=email, customer_email="") for email in OLD_EMAILS]
    migration.customer_emails_fill(django_apps, None)
    filled = dict(
        Order.objects.filter(pk__in=[o.pk for o in old]).values_list("email", "customer_email")
    )
    assert filled == {
        "Jane.Doe+old@Gmail.com": "janedoe@gmail.com",
        '"bob"@Example.com': "bob@example.com",
    }
    jane = person("janedoe@gmail.com")
    assert len(numbers(as_user(jane))) == 1


OLD_EMAILS = ["Jane.Doe+old@Gmail.com", '"bob"@Example.com']
