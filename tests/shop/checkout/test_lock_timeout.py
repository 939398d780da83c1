"""A checkout waits for a row another transaction holds (a catalog import or an admin edit of the
same products) only CHECKOUT_LOCK_TIMEOUT_MS, then answers 503 checkout_busy having written
and charged nothing, instead of hanging past the web server's timeout (real threads on
PostgreSQL, where lock_timeout exists)."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.db import connection, transaction
from rest_framework.test import APIClient

from shop.cart.models import Cart
from shop.catalog.models import Product
from shop.checkout.models import Order
from shop.checkout.payments import TestGateway
from tests.shop.checkout_helpers import check_out, make_catalog, new_cart, problem, stock


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_product_held_by_another_transaction_is_503_checkout_busy_then_buys(
    settings: Any,
) -> None:
    settings.CHECKOUT_LOCK_TIMEOUT_MS = 300
    catalog = make_catalog(stock=10)
    client = APIClient()
    cart_id = new_cart(client, {"kit": "duo"})
    held, release = threading.Event(), threading.Event()

    def importer() -> None:  # holds every product row, as an import's transaction does
        try:
            with transaction.atomic():
                list(Product.objects.select_for_update().values_list("pk"))
                held.set()
                assert release.wait(60)
        finally:
            connection.close()

    thread = threading.Thread(target=importer, daemon=True)
    thread.start()
    assert held.wait(30)
    try:
        started = time.monotonic()
        body = problem(check_out(client, cart_id), 503, "checkout_busy")
        waited = time.monotonic() - started
    finally:
        release.set()
        thread.join(30)
    assert "Nothing was charged" in body["detail"]
    assert waited < 5, f"waited {waited:.1f} s for the lock"
    assert not Order.objects.exists() and TestGateway.ledger == []
    assert stock(catalog.wash, catalog.toner) == [10, 10]
    assert Cart.objects.get(pk=cart_id).status == Cart.Status.OPEN
    # Once the other transaction is over, the same request buys.
    assert check_out(client, cart_id).status_code == 201
    assert stock(catalog.wash, catalog.toner) == [9, 9]
