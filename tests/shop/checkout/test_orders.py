"""After checkout: capture, cancellation (stock and code uses come back), refunds from stored
allocations."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from shop.catalog.models import Product
from shop.checkout import orders
from shop.checkout.models import Order, OrderLineComponent, Payment, Refund, order_number_normalise
from shop.checkout.payments import GatewayError, TestGateway
from tests.shop.checkout_helpers import ROUTINE_ITEM, Catalog, check_out, new_cart, stock

pytestmark = pytest.mark.django_db


def place(api_client: APIClient, *items: dict[str, object]) -> Order:
    response = check_out(api_client, new_cart(api_client, *items))
    assert response.status_code == 201, response.content
    return Order.objects.select_related("payment").get(number=response.json()["number"])


def test_cancelling_returns_stock_releases_codes_and_refunds(
    catalog: Catalog, api_client: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    released: list[str] = []
    monkeypatch.setattr(
        orders, "promo_codes_release", lambda *, order: released.append(order.number)
    )
    order = place(api_client, {"kit": "duo", "quantity": 2}, {"product": "toner"})
    assert stock(catalog.wash, catalog.toner, catalog.gift) == [48, 47, 48]
    cancelled = orders.order_cancel(order=order, reason="changed her mind")
    assert cancelled.status == "cancelled" and cancelled.cancelled_at is not None
    assert stock(catalog.wash, catalog.toner, catalog.gift) == [50, 50, 50]
    assert released == [order.number]
    refund = Refund.objects.get()
    assert refund.amount == order.total_amount == Decimal("75.00")
    assert Order.objects.get().refunded_amount == Decimal("75.00")
    assert [e.operation for e in TestGateway.ledger][-1] == "refund"
    with pytest.raises(orders.OrderActionRefused):
        orders.order_cancel(order=order)
    assert stock(catalog.wash) == [50]  # a second cancel changes nothing


def test_cancelling_an_unpaid_order_voids_the_authorization(
    catalog: Catalog, api_client: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def down(self: TestGateway, **kwargs: object) -> str:
        raise GatewayError("provider timeout")

    monkeypatch.setattr(TestGateway, "capture", down)
    order = place(api_client, {"kit": "duo"})
    assert order.status == "placed"
    assert (order.payment.state, order.payment.last_error) == ("authorized", "provider timeout")
    orders.order_cancel(order=order)
    assert Payment.objects.get().state == "voided"
    assert not Refund.objects.exists()
    assert [e.operation for e in TestGateway.ledger] == ["authorize", "void"]


def placed_while_capture_is_down(api_client: APIClient, monkeypatch: pytest.MonkeyPatch) -> Order:
    """A duo's order, placed while the provider's capture failed: authorized, not paid."""

    def down(self: TestGateway, **kwargs: object) -> str:
        raise GatewayError("down")

    with monkeypatch.context() as patched:
        patched.setattr(TestGateway, "capture", down)
        assert place(api_client, {"kit": "duo"}).status == "placed"
    return Order.objects.select_related("payment").get()


def test_a_failed_capture_can_be_retried(
    catalog: Catalog, api_client: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    order = placed_while_capture_is_down(api_client, monkeypatch)
    assert orders.order_payment_capture(order=order).status == "paid"
    assert Payment.objects.get().state == "captured"
    orders.order_payment_capture(order=order)  # again: nothing more happens
    assert [e.operation for e in TestGateway.ledger].count("capture") == 1


def test_a_capture_changes_only_what_is_still_in_the_state_it_expects(
    catalog: Catalog, api_client: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    order = placed_while_capture_is_down(api_client, monkeypatch)
    Order.objects.update(status="cancelled")  # by staff meanwhile, after the order was read
    with CaptureQueriesContext(connection) as queries:
        assert orders.order_payment_capture(order=order).status == "placed"  # not made paid
    assert Order.objects.get().status == "cancelled" and Order.objects.get().paid_at is None
    payment = Payment.objects.get()
    assert (payment.state, payment.last_error) == ("captured", "")
    assert payment.capture_ref.startswith("test_capture_")
    if connection.vendor == "postgresql":  # both guarded UPDATEs in one statement
        assert len(queries) == 1


def test_a_full_refund_gives_back_what_is_left(catalog: Catalog, api_client: APIClient) -> None:
    order = place(api_client, {"product": "wash"})  # 20.00 + 5.00 shipping
    component = OrderLineComponent.objects.get()
    orders.order_refund_component(order=order, component_id=component.pk, units=1)
    refund = orders.order_refund(order=order)
    assert refund.amount == Decimal("5.00")  # the shipping was what was left
    order.refresh_from_db()
    assert (order.status, order.refunded_amount) == ("refunded", Decimal("25.00"))
    assert Payment.objects.get().refunded_amount == Decimal("25.00")
    assert stock(catalog.wash) == [49]  # a refund does not restock
    with pytest.raises(orders.OrderActionRefused):
        orders.order_refund(order=order)


def test_a_component_refund_uses_the_stored_allocation(
    catalog: Catalog, api_client: APIClient
) -> None:
    order = place(api_client, {"kit": "duo", "quantity": 3})  # 3 duos at 30.00: 90.00
    toner = OrderLineComponent.objects.get(product_slug="toner")
    stored = [Decimal(u) for u in toner.unit_allocations]
    assert sum(stored) == toner.allocated_amount and len(stored) == 3
    # Prices change after the order: the refund still uses what was charged.
    Product.objects.update(price_amount=Decimal("1.00"))
    first = orders.order_refund_component(order=order, component_id=toner.pk, units=1)
    second = orders.order_refund_component(order=order, component_id=toner.pk, units=2)
    assert [first.amount, second.amount] == [stored[0], stored[1] + stored[2]]
    toner.refresh_from_db()
    assert (toner.refunded_units, toner.refunded_amount) == (3, toner.allocated_amount)
    order.refresh_from_db()
    assert order.status == "paid" and order.refunded_amount == toner.allocated_amount
    with pytest.raises(orders.OrderActionRefused, match="choose 1 to 0"):
        orders.order_refund_component(order=order, component_id=toner.pk, units=1)


def test_component_refunds_refuse_gifts_strangers_and_unpaid_orders(
    catalog: Catalog, api_client: APIClient
) -> None:
    order = place(api_client, {"kit": "duo"})
    other = place(api_client, ROUTINE_ITEM)
    gift = OrderLineComponent.objects.get(line__order=order, gift=True)
    stranger = OrderLineComponent.objects.filter(line__order=other).first()
    assert stranger is not None
    with pytest.raises(orders.OrderActionRefused, match="free gift"):
        orders.order_refund_component(order=order, component_id=gift.pk)
    with pytest.raises(orders.OrderActionRefused, match="not part of this order"):
        orders.order_refund_component(order=order, component_id=stranger.pk)
    with pytest.raises(orders.OrderActionRefused, match="choose 1 to 1"):
        orders.order_refund_component(
            order=order,
            component_id=OrderLineComponent.objects.get(line__order=order, product_slug="wash").pk,
            units=2,
        )
    orders.order_cancel(order=order)
    with pytest.raises(orders.OrderActionRefused, match="only paid orders"):
        orders.order_refund(order=order)
    assert Refund.objects.filter(order=order).count() == 1  # the cancellation's


def test_order_numbers_are_read_as_people_type_them(
    catalog: Catalog, api_client: APIClient
) -> None:
    order = place(api_client, {"kit": "duo"})
    typed = f" {order.number[:4].lower()}-{order.number[4:]} "
    assert order_number_normalise(typed) == order.number
    assert orders.order_get(number=typed) == order
    assert orders.order_for_viewer(number=typed, token="", staff=False) is None
    assert orders.order_for_viewer(number=typed, token=order.access_token, staff=False) == order
