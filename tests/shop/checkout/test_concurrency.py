"""Concurrency promises of checkout, proved with real threads on PostgreSQL (and on SQLite in
a subprocess with a file database, where threads can share it).

- 40 buyers racing for the last 10 units: exactly 10 orders, stock 0, the rest 409.
- Two kits sharing products, bought concurrently in opposite orders: no deadlock, exact stock.
- The same Idempotency-Key sent 10 times at once: one order, every answer names it.
- The storefront's double submit (no key) of one cart: one order.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from shop.cart.models import Cart
from shop.checkout import services as checkout
from shop.checkout.models import Order
from tests.factories import KitComponentFactory, KitFactory
from tests.shop.checkout_helpers import make_catalog, new_cart, one_email_per_order, stock
from tests.shop.race import buy, last_units_race, outcomes, race

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.postgres
@pytest.mark.xdist_group("postgres-races")  # 20-50 connections at once: tests/conftest.py
@pytest.mark.django_db(transaction=True)
def test_forty_buyers_for_the_last_ten_units_make_ten_orders() -> None:
    last_units_race()
    one_email_per_order()


@pytest.mark.postgres
@pytest.mark.xdist_group("postgres-races")  # 20-50 connections at once: tests/conftest.py
@pytest.mark.django_db(transaction=True)
def test_kits_sharing_products_bought_in_opposite_orders_never_deadlock() -> None:
    catalog = make_catalog(stock=100)
    # Two kits with the same three products listed in opposite orders, carts holding them in
    # opposite orders too: any "lock as you go" scheme would deadlock here.
    forward = KitFactory(slug="forward", price_amount=Decimal("50.00"))
    backward = KitFactory(slug="backward", price_amount=Decimal("50.00"))
    trio = [catalog.wash, catalog.toner, catalog.serum]
    for position, product in enumerate(trio):
        KitComponentFactory(kit=forward, product=product, quantity=1, position=position)
        KitComponentFactory(kit=backward, product=product, quantity=1, position=2 - position)
    client = APIClient()
    carts = [
        new_cart(client, {"kit": "forward"}, {"kit": "backward"}, {"product": "toner"})
        if i % 2 == 0
        else new_cart(client, {"product": "toner"}, {"kit": "backward"}, {"kit": "forward"})
        for i in range(30)
    ]
    # Each order takes 2 washes, 3 toners, 2 serums; toner (100) allows 33 orders.
    results = race(30, lambda i: buy(carts[i], f"kits-{i}"))
    assert outcomes(results) == {"201": 30}
    assert stock(catalog.wash, catalog.toner, catalog.serum) == [40, 10, 40]

    # Now scarce: 10 toners left, 3 per order: exactly 3 more orders among 12 buyers.
    carts = [
        new_cart(client, {"kit": "forward"}, {"kit": "backward"}, {"product": "toner"})
        if i % 2 == 0
        else new_cart(client, {"product": "toner"}, {"kit": "backward"}, {"kit": "forward"})
        for i in range(12)
    ]
    results = race(12, lambda i: buy(carts[i], f"scarce-{i}"))
    assert outcomes(results) == {"201": 3, "409 out_of_stock": 9}
    assert stock(catalog.wash, catalog.toner, catalog.serum) == [34, 1, 34]
    assert Order.objects.count() == 33
    one_email_per_order()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_idempotency_key_ten_times_at_once_makes_one_order() -> None:
    catalog = make_catalog()
    cart_id = new_cart(APIClient(), {"kit": "duo"}, {"product": "serum"})
    key = str(uuid.uuid4())
    results = race(10, lambda i: buy(cart_id, key))
    assert outcomes(results) == {"201": 1, "200": 9}, outcomes(results)
    assert len({body["number"] for _, body in results}) == 1
    assert Order.objects.count() == 1
    assert stock(catalog.wash, catalog.serum) == [49, 49]
    one_email_per_order()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_key_on_different_carts_at_once_makes_one_order() -> None:
    make_catalog()
    carts = [new_cart(APIClient(), {"kit": "duo"}) for _ in range(6)]
    results = race(6, lambda i: buy(carts[i], "one-key"))
    assert outcomes(results) == {"201": 1, "422 idempotency_key_reused": 5}
    assert Order.objects.count() == 1 and Cart.objects.filter(status="open").count() == 5
    one_email_per_order()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_double_submitted_storefront_checkout_makes_one_order() -> None:
    catalog = make_catalog()
    cart_id = uuid.UUID(new_cart(APIClient(), {"kit": "duo"}))
    details = checkout.CheckoutDetails(
        "ana@example.com", "Ana", "12 Rose St", "Portland", "97201", "US", "test", "tok_ok"
    )
    results = race(8, lambda i: checkout.order_place(cart_id=cart_id, details=details))
    assert all(isinstance(r, checkout.PlacedOrder) for r in results), results
    assert sum(r.created for r in results) == 1
    assert len({r.order.number for r in results}) == 1
    assert Order.objects.count() == 1 and stock(catalog.wash) == [49]
    one_email_per_order()


@pytest.mark.slow
def test_sqlite_does_not_oversell_either(tmp_path: Path) -> None:
    """The 40-buyer race on SQLite (IMMEDIATE transactions), in a subprocess whose test
    database is a file, so that threads share it (an in-memory database is per connection)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "TEST_DATABASE_NAME", "REDIS_URL", "PYTEST_ADDOPTS"}
    }
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        SQLITE_TEST_NAME=str(tmp_path / "test.sqlite3"),
        VAR_DIR=str(tmp_path / "var"),
        DEBUG="1",
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/shop/sqlite_race.py",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert "1 passed" in output, output[-4000:]
