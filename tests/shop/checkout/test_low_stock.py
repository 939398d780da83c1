"""The admin's low-stock list: products under the threshold, days of cover from the last 30 days'
sales (placed, paid, refunded orders; not cancelled, pending or older ones), fewest first."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shop.catalog.models import Product
from shop.checkout.low_stock import cover, low_stock
from shop.checkout.models import Order, OrderLine, OrderLineComponent
from tests.factories import OrderFactory, ProductFactory, StepFactory

URL = "/admin/shop/lowstockproduct/"


def sell(
    product: Product, units: int, *, days_ago: float = 1, status: str = "paid", gift: bool = False
) -> None:
    order = OrderFactory(status=status)
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(days=days_ago))
    line = OrderLine.objects.create(
        order=order,
        position=0,
        line_id="l0",
        kind="product",
        ref=product.slug,
        name=product.name,
        quantity=units,
        unit_price_amount=product.price_amount,
        subtotal_amount=product.price_amount * units,
        discount_amount=Decimal("0.00"),
        total_amount=product.price_amount * units,
    )
    OrderLineComponent.objects.create(
        line=line,
        product=product,
        product_slug=product.slug,
        product_name=product.name,
        quantity=units,
        allocated_amount=Decimal("0.00") if gift else product.price_amount * units,
        gift=gift,
        reserved=units,
    )


@pytest.fixture
def shelf(db: Any) -> dict[str, Product]:
    step = StepFactory(slug="renew", position=3)

    def make(name: str, stock: int) -> Product:
        return ProductFactory(name=name, slug=name.lower(), step=step, stock=stock)

    products = {
        "Alpha": make("Alpha", 5),
        "Bravo": make("Bravo", 12),
        "Charlie": make("Charlie", 0),
        "Delta": make("Delta", 15),
        "Echo": make("Echo", 19),
        "Golf": make("Golf", 7),
        "Plenty": make("Plenty", 25),
        "Twenty": make("Twenty", 20),
    }
    sell(products["Alpha"], 30)
    sell(products["Bravo"], 50, status="placed")
    sell(products["Bravo"], 40, status="refunded", days_ago=29)
    sell(products["Echo"], 5)
    sell(products["Echo"], 2, gift=True)  # gifts leave the shelf too
    sell(products["Echo"], 40, days_ago=31)  # too old
    sell(products["Echo"], 10, status="cancelled")  # put back
    sell(products["Echo"], 3, status="pending")  # not sold yet
    sell(products["Golf"], 3)
    sell(products["Plenty"], 100)
    return products


@pytest.fixture
def staff(staff_user: Any, client: Client) -> Client:
    client.force_login(staff_user)
    return client


def rows(html: str) -> list[list[str]]:
    body = html.split('id="result_list"')[1].split("</table>")[0].split("<tbody>")[1]
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)
        ]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]


def test_low_stock_lists_products_under_the_threshold_fewest_days_of_cover_first(
    shelf: dict[str, Product], staff: Client
) -> None:
    response = staff.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Products with fewer than 20 in stock, fewest days of cover first" in html
    table = [(r[0], r[3], r[4], r[5], r[6]) for r in rows(html)]
    assert table == [
        ("Charlie", "0", "0", "0.00", "0.0"),  # out of stock
        ("Bravo", "12", "90", "3.00", "4.0"),  # 12 / 3 a day
        ("Alpha", "5", "30", "1.00", "5.0"),
        ("Golf", "7", "3", "0.10", "70.0"),
        ("Echo", "19", "7", "0.23", "81.4"),  # 19 * 30 / 7 = 81.43, rounded down
        ("Delta", "15", "0", "0.00", "no sales in 30 days"),
    ]
    assert "Adjust stock" in html and f"/admin/shop/product/{shelf['Echo'].pk}/stock/" in html


def test_the_threshold_is_a_setting(
    shelf: dict[str, Product], staff: Client, settings: Any
) -> None:
    settings.SHOP_LOW_STOCK_THRESHOLD = 8
    names = [r[0] for r in rows(staff.get(URL).content.decode())]
    assert names == ["Charlie", "Alpha", "Golf"]


def test_the_selector_orders_in_the_database(shelf: dict[str, Product]) -> None:
    listed = list(low_stock())
    assert [p.name for p in listed] == ["Charlie", "Bravo", "Alpha", "Golf", "Echo", "Delta"]
    echo = next(p for p in listed if p.name == "Echo")
    assert echo.sold_30d == 7 and echo.cover_days == pytest.approx(19 * 30 / 7)  # type: ignore[attr-defined]


def test_cover_figures_are_exact() -> None:
    assert cover(stock=10, sold_30d=45) == cover(stock=10, sold_30d=45)
    figures = cover(stock=10, sold_30d=45)
    assert (figures.per_day, figures.days) == (Decimal("1.50"), Decimal("6.6"))  # 6.67 down
    assert cover(stock=1, sold_30d=1).per_day == Decimal("0.03")  # 0.0333 half up
    assert cover(stock=0, sold_30d=0).days == Decimal("0.0")
    assert cover(stock=3, sold_30d=0).days is None


def test_the_list_takes_the_same_queries_for_more_products(
    shelf: dict[str, Product], staff: Client
) -> None:
    staff.get(URL)  # warm the session and content types
    with CaptureQueriesContext(connection) as few:
        staff.get(URL)
    step = shelf["Alpha"].step
    for i in range(30):
        product = ProductFactory(name=f"More {i}", slug=f"more-{i}", step=step, stock=i % 19)
        sell(product, i + 1)
    with CaptureQueriesContext(connection) as many:
        html = staff.get(URL).content.decode()
    assert len(rows(html)) == 36
    assert len(many) == len(few) <= 8, [q["sql"] for q in many]


def test_the_list_needs_the_products_permission(shelf: dict[str, Product], client: Client) -> None:
    clerk = get_user_model().objects.create_user("clerk", password="clerk-pass-123", is_staff=True)
    client.force_login(clerk)
    assert client.get(URL).status_code == 403
    clerk.user_permissions.add(Permission.objects.get(codename="view_product"))
    clerk = get_user_model().objects.get(pk=clerk.pk)  # fresh permission cache
    client.force_login(clerk)
    response = client.get(URL)
    assert response.status_code == 200 and "Charlie" in response.content.decode()
    assert client.post(
        URL, {"action": "delete_selected", "_selected_action": [shelf["Alpha"].pk]}
    ).status_code in (200, 302)
    assert Product.objects.filter(pk=shelf["Alpha"].pk).exists()
