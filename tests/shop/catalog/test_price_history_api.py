"""Price history through the API: writes record source and user, `lowest_price_30d` on
products, and the staff-only `GET /api/products/{slug}/prices/`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from rest_framework.test import APIClient

from shop.catalog.models import Product
from shop.catalog.price_history import PriceChange
from tests.factories import ProductFactory, StepFactory
from tests.shop.catalog.test_api import assert_problem

pytestmark = pytest.mark.django_db
START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def _cut(product: Product, client: APIClient, price: str) -> Any:
    return client.patch(f"/api/products/{product.slug}/", {"price": price}, format="json")


def test_an_api_price_change_is_recorded_as_api_by_the_staff_user(
    staff_api: APIClient, staff_user: Any
) -> None:
    product = ProductFactory(price_amount=Decimal("40.00"))
    assert _cut(product, staff_api, "30.00").status_code == 200
    latest = PriceChange.objects.filter(product=product).latest("effective_at", "id")
    assert (latest.price_amount, latest.source, latest.changed_by) == (
        Decimal("30.00"),
        "api",
        staff_user,
    )


def test_an_api_update_that_keeps_the_price_records_nothing(staff_api: APIClient) -> None:
    product = ProductFactory(price_amount=Decimal("40.00"))
    response = staff_api.patch(
        f"/api/products/{product.slug}/", {"price": "40.00", "name": "New name"}, format="json"
    )
    assert response.status_code == 200
    assert PriceChange.objects.filter(product=product).count() == 1


def test_an_api_created_product_starts_its_history_as_api(staff_api: APIClient) -> None:
    StepFactory(slug="cleanse", position=1)
    response = staff_api.post(
        "/api/products/",
        {"name": "Wash", "slug": "wash", "sku": "W-1", "step": "cleanse", "price": "12.50"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["lowest_price_30d"] is None
    assert list(PriceChange.objects.values_list("price_amount", "source")) == [
        (Decimal("12.50"), "api")
    ]


def test_products_carry_lowest_price_30d(staff_api: APIClient, api_client: APIClient) -> None:
    with time_machine.travel(START, tick=False) as clock:
        product = ProductFactory(price_amount=Decimal("40.00"))
        untouched = ProductFactory(price_amount=Decimal("15.00"))
        clock.shift(timedelta(days=3))
        assert _cut(product, staff_api, "30.00").status_code == 200
    body = api_client.get(f"/api/products/{product.slug}/").json()
    assert (body["price"], body["lowest_price_30d"]) == ("30.00", "40.00")
    listed = {
        p["slug"]: p["lowest_price_30d"] for p in api_client.get("/api/products/").json()["results"]
    }
    assert listed == {product.slug: "40.00", untouched.slug: None}


def test_the_product_list_reads_the_30_day_lows_without_a_query_per_product(
    api_client: APIClient, django_assert_num_queries: Any
) -> None:
    for price in ("10.00", "20.00", "30.00"):
        product = ProductFactory(price_amount=Decimal(price))
        product.price_amount = Decimal(price) - 1
        product.save()
    # count, products (with their 30-day lows), ingredients, concerns: as without history.
    with django_assert_num_queries(4):
        body = api_client.get("/api/products/").json()["results"]
    assert sorted(p["lowest_price_30d"] for p in body) == ["10.00", "20.00", "30.00"]


def test_prices_lists_each_period_with_from_and_to(staff_api: APIClient, staff_user: Any) -> None:
    with time_machine.travel(START, tick=False) as clock:
        product = ProductFactory(price_amount=Decimal("40.00"))
        clock.shift(timedelta(days=3, hours=2))
        assert _cut(product, staff_api, "30.00").status_code == 200
    response = staff_api.get(f"/api/products/{product.slug}/prices/")
    assert response.status_code == 200
    assert response.json() == [
        {
            "price": "40.00",
            "from": "2026-03-01T09:00:00Z",
            "to": "2026-03-04T11:00:00Z",
            "source": "system",
            "changed_by": None,
        },
        {
            "price": "30.00",
            "from": "2026-03-04T11:00:00Z",
            "to": None,
            "source": "api",
            "changed_by": staff_user.username,
        },
    ]


def test_prices_of_an_inactive_product_are_there_for_staff(staff_api: APIClient) -> None:
    product = ProductFactory(price_amount=Decimal("40.00"), active=False)
    response = staff_api.get(f"/api/products/{product.slug}/prices/")
    assert [period["price"] for period in response.json()] == ["40.00"]


def test_prices_are_staff_only(api_client: APIClient, shopper_user: Any) -> None:
    product = ProductFactory()
    assert_problem(
        api_client.get(f"/api/products/{product.slug}/prices/"), 401, "not_authenticated"
    )
    api_client.force_authenticate(shopper_user)
    assert_problem(
        api_client.get(f"/api/products/{product.slug}/prices/"), 403, "permission_denied"
    )


def test_prices_of_an_unknown_product_is_404(staff_api: APIClient) -> None:
    assert_problem(staff_api.get("/api/products/no-such-thing/prices/"), 404, "not_found")
