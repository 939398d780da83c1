"""The storefront's "was" price: the 30-day low, only below it, in the EU's wording."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.test import Client

from shop.catalog.models import Product
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db
START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
WORDING = "$30.00, was $40.00 — lowest price in the 30 days before this reduction"


def _priced(*prices: str, days: int = 3) -> Product:
    """A product with these prices in turn, `days` apart."""
    first, *later = prices
    with time_machine.travel(START, tick=False) as clock:
        product = ProductFactory(price_amount=Decimal(first), stock=5)
        for price in later:
            clock.shift(timedelta(days=days))
            product.price_amount = Decimal(price)
            product.save()
    return product


@pytest.mark.parametrize("path", ["/shop/", "/products/{slug}/", "/"])
def test_a_reduction_shows_the_30_day_low_with_the_eu_wording(client: Client, path: str) -> None:
    product = _priced("40.00", "30.00")
    html = client.get(path.format(slug=product.slug)).content.decode()
    assert WORDING in re.sub(r"<[^>]+>", "", html)  # as read, without the tags


@pytest.mark.parametrize(
    "prices",
    [
        pytest.param(("30.00",), id="never-changed"),
        pytest.param(("20.00", "30.00"), id="raised"),
        # 40.00 for three days, but 28.00 before it inside the window: 30.00 is no reduction.
        pytest.param(("28.00", "40.00", "30.00"), id="cut-above-the-30-day-low"),
    ],
)
def test_no_was_price_unless_the_price_is_below_the_30_day_low(
    client: Client, prices: tuple[str, ...]
) -> None:
    product = _priced(*prices)
    for path in ("/shop/", f"/products/{product.slug}/"):
        html = client.get(path).content.decode()
        assert "$30.00" in html
        assert "data-was-price" not in html and "was <span" not in html


def test_a_raise_inside_the_window_cannot_inflate_the_was_price(client: Client) -> None:
    # 30.00 for a long time, raised to 50.00 for a week, "cut" to 40.00: the 30-day low is
    # 30.00, so 40.00 is no reduction and no "was $50.00" appears.
    product = _priced("30.00", "50.00", "40.00", days=7)
    html = client.get(f"/products/{product.slug}/").content.decode()
    assert "$50.00" not in html and "data-was-price" not in html


def test_the_product_list_shows_was_prices_without_a_query_per_product(
    client: Client, django_assert_max_num_queries: Any
) -> None:
    for _ in range(6):
        _priced("40.00", "30.00")
    with django_assert_max_num_queries(9):
        html = client.get("/shop/").content.decode()
    assert html.count("data-was-price") == 6
