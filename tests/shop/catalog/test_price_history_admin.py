"""The product admin records its price changes as "admin" and shows the history."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from shop.catalog.models import Product
from shop.catalog.price_history import PriceChange
from tests.admin_forms import change_form_data
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db
START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def staff_client(staff_user: Any, client: Client) -> Client:
    client.force_login(staff_user)
    return client


def _save(client: Client, product: Product, **changes: Any) -> None:
    url = reverse("admin:shop_product_change", args=[product.pk])
    response = client.post(url, change_form_data(client, url, **changes))
    assert response.status_code == 302, response.context["adminform"].form.errors


def test_an_admin_price_change_is_recorded_as_admin_by_the_user(
    staff_client: Client, staff_user: Any
) -> None:
    product = ProductFactory(price_amount=Decimal("40.00"))
    _save(staff_client, product, price_amount="35.00")
    rows = PriceChange.objects.filter(product=product).order_by("effective_at", "id")
    assert [(r.price_amount, r.source, r.changed_by_id) for r in rows] == [
        (Decimal("40.00"), "system", None),
        (Decimal("35.00"), "admin", staff_user.pk),
    ]


def test_an_admin_save_that_keeps_the_price_records_nothing(staff_client: Client) -> None:
    product = ProductFactory(price_amount=Decimal("40.00"))
    _save(staff_client, product, name="Renamed in the admin")
    assert Product.objects.get(pk=product.pk).name == "Renamed in the admin"
    assert PriceChange.objects.filter(product=product).count() == 1


def test_the_change_page_shows_the_history_as_a_chart_and_a_table(
    staff_client: Client, staff_user: Any
) -> None:
    with time_machine.travel(START, tick=False) as clock:
        product = ProductFactory(price_amount=Decimal("40.00"))
        clock.shift(timedelta(days=10))
        _save(staff_client, product, price_amount="30.00")
        clock.shift(timedelta(days=10))
        html = staff_client.get(reverse("admin:shop_product_change", args=[product.pk]))
    page = html.content.decode()
    history = page[page.index('<div class="price-history">') :]
    history = history[: history.index("</table>")]
    assert '<svg viewBox="0 0 600 160"' in history and "<path d=" in history
    # The step line: 40.00 (the top) for half the span, then down to 30.00 until today.
    path = re.search(r'<path d="([^"]+)"', history)
    assert path is not None and path.group(1) == "M64.0 12.0 V12.0 H324.0 V42.0 H584.0"
    assert "Lowest price in the 30 days before the current price took effect: <strong>$40.00" in (
        history
    )
    # In the shop's time zone (Los Angeles: summer time from March 8th).
    rows = re.findall(
        r"<tr><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td>", history
    )
    assert rows == [
        ("$30.00", "2026-03-11 02:00 PDT", "now", "admin", staff_user.username),
        ("$40.00", "2026-03-01 01:00 PST", "2026-03-11 02:00 PDT", "system", "–"),
    ]
    assert "<script" not in history and "style=" not in history  # the CSP allows neither
