"""Concurrent price changes of one product are recorded one after the other (PostgreSQL)."""

from __future__ import annotations

import threading
from decimal import Decimal
from itertools import pairwise

import pytest
from django.db import connection

from shop.catalog.models import Product
from shop.catalog.price_history import PriceChange, price_changes_by
from tests.factories import ProductFactory

PRICES = [Decimal("10.00"), Decimal("20.00"), Decimal("30.00")]


def _race(product_id: int, workers: int) -> list[str]:
    barrier = threading.Barrier(workers)
    errors: list[str] = []

    def run(index: int) -> None:
        try:
            product = Product.objects.get(pk=product_id)
            product.price_amount = PRICES[index % len(PRICES)]
            barrier.wait(timeout=30)
            with price_changes_by(source="bulk"):
                product.save()
        except Exception as error:  # any error fails the test below
            errors.append(f"{type(error).__name__}: {error}")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


@pytest.mark.postgres
@pytest.mark.xdist_group("postgres-races")  # 20 connections at once: tests/conftest.py
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_price_changes_leave_a_history_that_adds_up() -> None:
    product = ProductFactory(price_amount=Decimal("5.00"))
    assert _race(product.pk, 20) == []
    rows = list(
        PriceChange.objects.filter(product=product)
        .order_by("effective_at", "id")
        .values_list("price_amount", "lowest_30d_amount", "source")
    )
    prices = [price for price, _, _ in rows]
    # Each save compared its price with the one stored under the row lock: a save that set
    # the price it found recorded nothing, so no two neighbours repeat a price...
    assert all(a != b for a, b in pairwise(prices)), prices
    # ...the last row is the stored price, and each row's 30-day low is the lowest before it.
    assert prices[-1] == Product.objects.get(pk=product.pk).price_amount
    assert [low for _, low, _ in rows] == [None] + [min(prices[:i]) for i in range(1, len(rows))]
    assert {source for _, _, source in rows[1:]} == {"bulk"}
