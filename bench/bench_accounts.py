"""An account's pages and API with 200 orders and 10 saved routines, timed against GET
/api/account/ (the same session and user lookup, nothing else) in the same run.

The orders list is a fixed number of queries whatever the number of orders (session, user,
verified addresses, count, page); the saved routines are priced today through the quote
service's cached catalog, so their pages cost queries for the routines and product names only.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client, override_settings

from bench.timing import count_queries, measure_against, record
from kits.models import Routine
from shop.checkout.models import Order

ORDERS = 200
ROUTINES = 10
EMAIL = "bench-account@example.com"


def orders_create(*, user: Any, email: str, count: int) -> None:
    """`count` orders with `email`: the odd ones placed signed in as `user`, the even ones as a
    guest (shared with tests/shop/accounts/test_orders.py)."""
    Order.objects.bulk_create(
        Order(
            number=f"BENCH{index:05d}",
            email=email,
            customer_email=email,
            user=user if index % 2 else None,
            name="Bench Shopper",
            address_line1="1 Bench Road",
            city="Portland",
            postal_code="97201",
            country="US",
            currency="USD",
            subtotal_amount=Decimal("95.00"),
            discount_amount=Decimal("0.00"),
            shipping_amount=Decimal("0.00"),
            total_amount=Decimal("95.00"),
            breakdown={},
        )
        for index in range(count)
    )


def _account() -> Any:
    user = get_user_model().objects.create_user(
        username=EMAIL,
        email=EMAIL,
        password="bench-pass-12345",  # noqa: S106
    )
    EmailAddress.objects.create(user=user, email=EMAIL, verified=True, primary=True)
    orders_create(user=user, email=EMAIL, count=ORDERS)
    return user


def _saved_routines(client: Client) -> None:
    """Ten saved routines of the demo's first routine, saved through the API (valid ones)."""
    routine = Routine.objects.filter(active=True).order_by("position", "pk").first()
    assert routine is not None
    selections: list[str] = []
    for slot in routine.slots.order_by("position").select_related("step"):
        if slot.min_items:
            product = slot.step.products.filter(active=True, stock__gt=0).order_by("pk").first()
            assert product is not None
            selections.append(product.slug)
    for index in range(ROUTINES):
        body = {"name": f"Routine {index}", "routine": routine.slug, "selections": selections}
        response = client.post("/api/account/routines/", body, content_type="application/json")
        assert response.status_code == 201, response.content


def _unthrottled() -> dict[str, Any]:
    """The API settings with a signed-in rate no benchmark reaches (the throttle still runs:
    its cost is part of every request)."""
    rest = dict(settings.REST_FRAMEWORK)
    rest["DEFAULT_THROTTLE_RATES"] = {**rest["DEFAULT_THROTTLE_RATES"], "user": "1000000/min"}
    return rest


def run() -> list[dict[str, Any]]:
    with override_settings(DEBUG=False, REST_FRAMEWORK=_unthrottled()):
        user = _account()
        client = Client()
        client.force_login(user)
        _saved_routines(client)

        def get(path: str, count: int | None = None) -> Any:
            def call() -> None:
                response = client.get(path)
                assert response.status_code == 200, response.content
                if count is not None:
                    assert response.json()["count"] == count

            return call

        floor = get("/api/account/")
        cases = [
            (
                "api.account.orders GET, 200 orders (page of 20)",
                get("/api/account/orders/", ORDERS),
            ),
            (
                "api.account.orders GET, 200 orders (page of 100)",
                get("/api/account/orders/?page_size=100", ORDERS),
            ),
            ("page /account/orders/, 200 orders (50 a page)", get("/account/orders/")),
            ("api.account.routines GET, 10 priced today", get("/api/account/routines/", ROUTINES)),
            ("page /account/routines/, 10 priced today", get("/account/routines/")),
        ]
        rows: list[dict[str, Any]] = []
        for name, call in cases:
            queries = count_queries(call)
            floor_timing, timing = measure_against(floor, call, repeat=200, warmup=20)
            floor_row = record("api.account GET (floor: session and user)", floor_timing)
            if not rows:
                rows.append(floor_row)
            rows.append(record(name, timing, floor=floor_row, queries=queries))
        return rows
