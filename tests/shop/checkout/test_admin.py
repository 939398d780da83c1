"""Orders in the admin: read-only records, payment and email state, cancel and refund actions."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from shop.checkout.models import Order, OrderLineComponent, Refund
from tests.shop.checkout_helpers import Catalog, check_out, confirmation_sent, new_cart, stock

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(staff_user: Any) -> Client:
    client = Client()
    client.force_login(staff_user)
    return client


def place(api_client: APIClient, *items: dict[str, object]) -> Order:
    response = check_out(api_client, new_cart(api_client, *items))
    assert response.status_code == 201, response.content
    return Order.objects.get(number=response.json()["number"])


def text(page: bytes) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.decode()))


def test_the_order_list_shows_payment_and_email_state(
    catalog: Catalog,
    api_client: APIClient,
    staff_client: Client,
    django_assert_max_num_queries: Any,
) -> None:
    orders = [place(api_client, {"kit": "duo"}) for _ in range(3)]
    with django_assert_max_num_queries(8):
        response = staff_client.get("/admin/shop/order/")
    page = text(response.content)
    for order in orders:
        assert order.number in page
    assert page.count("captured") >= 3 and page.count("pending") >= 3


def test_an_order_page_is_read_only_with_lines_and_emails(
    catalog: Catalog, api_client: APIClient, staff_client: Client
) -> None:
    order = place(api_client, {"kit": "duo", "quantity": 2})
    response = staff_client.get(f"/admin/shop/order/{order.pk}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    page = text(response.content)
    assert "Duo price: −10.00" in page
    assert "Eye Gift: gift, 2 given" in page
    # The confirmation is composed by the worker that sends it: until then the page says so.
    assert "(composed when sent) : pending (0 attempt(s))" in page
    confirmation_sent()
    page = text(staff_client.get(f"/admin/shop/order/{order.pk}/change/").content)
    assert f"Your order {order.number} is confirmed : sent (1 attempt(s))" in page
    assert "captured" in page
    assert 'name="_save"' not in html and 'name="email"' not in html
    for action in ("cancel", "refund", "refund-component"):
        assert f"/admin/shop/order/{order.pk}/{action}/" in html
    assert staff_client.get("/admin/shop/order/add/").status_code == 403


def test_cancel_from_the_order_page(
    catalog: Catalog, api_client: APIClient, staff_client: Client
) -> None:
    order = place(api_client, {"kit": "duo"})
    url = f"/admin/shop/order/{order.pk}/cancel/"
    page = text(staff_client.get(url).content)
    assert f"Cancel order {order.number}?" in page
    assert Order.objects.get().status == "paid"  # a GET changes nothing
    response = staff_client.post(url)
    assert response["Location"] == f"/admin/shop/order/{order.pk}/change/"
    assert Order.objects.get().status == "cancelled"
    assert stock(catalog.wash, catalog.toner, catalog.gift) == [50, 50, 50]
    response = staff_client.post(url, follow=True)
    assert "only placed or paid orders can be cancelled" in text(response.content)


def test_refund_a_component_from_the_order_page(
    catalog: Catalog, api_client: APIClient, staff_client: Client
) -> None:
    order = place(api_client, {"kit": "duo", "quantity": 2})
    toner = OrderLineComponent.objects.get(product_slug="toner")
    url = f"/admin/shop/order/{order.pk}/refund-component/"
    page = staff_client.get(url).content.decode()
    assert "Eye Gift" not in page  # gifts cost nothing: nothing to refund
    response = staff_client.post(url, {"component": toner.pk, "units": 1, "reason": "dented"})
    assert response.status_code == 302
    refund = Refund.objects.get()
    assert refund.amount == Decimal(toner.unit_allocations[0]) and refund.reason == "dented"
    response = staff_client.post(url, {"component": toner.pk, "units": 5}, follow=True)
    assert "choose 1 to 1 unit(s)" in text(response.content)
    assert staff_client.post(url, {"component": 999999, "units": 1}).status_code == 200


def test_bulk_actions_cancel_and_refund(
    catalog: Catalog, api_client: APIClient, staff_client: Client
) -> None:
    first, second = place(api_client, {"kit": "duo"}), place(api_client, {"product": "wash"})
    staff_client.post(
        "/admin/shop/order/", {"action": "refund_orders", "_selected_action": [first.pk]}
    )
    staff_client.post(
        "/admin/shop/order/",
        {"action": "cancel_orders", "_selected_action": [first.pk, second.pk]},
        follow=True,
    )
    statuses = dict(Order.objects.values_list("pk", "status"))
    assert statuses == {first.pk: "refunded", second.pk: "cancelled"}
    # The refunded order was not restocked; the cancelled one was.
    assert stock(catalog.wash, catalog.toner) == [49, 49]


def test_order_actions_are_for_staff_only(
    catalog: Catalog, api_client: APIClient, shopper_user: Any
) -> None:
    order = place(api_client, {"kit": "duo"})
    client = Client()
    client.force_login(shopper_user)
    for action in ("cancel", "refund", "refund-component"):
        response = client.post(f"/admin/shop/order/{order.pk}/{action}/")
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert Order.objects.get().status == "paid"
