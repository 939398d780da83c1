"""PostgreSQL kills the checkout's connection mid-transaction (`pg_terminate_backend`).

A checkout thread is held inside its transaction right after it has written everything it
writes before the payment (the order, its lines, the closed cart, the outbox row, the stock
UPDATE and the PORES15 redemption); another connection terminates its backend, as a database
restart, a failover or an administrator would. Then:

- nothing is half-written: orders, lines, payments, emails, redemptions, code uses, stock and
  the cart are exactly as before;
- the client gets a clean answer: the API a 503 problem+json with a stable code and
  Retry-After, the storefront its form again with the reason at the top;
- a retry (the same Idempotency-Key, or the same button) makes exactly one order, and a
  repeat of it still only that one.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from promotions.codes.models import PromoCode, Promotion, Redemption
from promotions.messaging.models import OutboxMessage
from shop.cart.models import Cart
from shop.catalog.models import Product
from shop.checkout import services as checkout
from shop.checkout.models import Order, OrderLine, OrderLineComponent, Payment
from tests.shop.checkout_helpers import checkout_form

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

KIT = "seven-piece-collection"
BODY = {
    "email": "ana@example.com",
    "name": "Ana Lima",
    "address": {
        "line1": "12 Rose Street",
        "city": "Portland",
        "postal_code": "97201",
        "country": "US",
    },
    "payment": {"method": "test", "token": "tok_ok"},
}


def snapshot() -> dict[str, Any]:
    """Everything a checkout writes."""
    pores15 = PromoCode.objects.get(code="PORES15")
    return {
        "orders": Order.objects.count(),
        "lines": OrderLine.objects.count(),
        "components": OrderLineComponent.objects.count(),
        "payments": Payment.objects.count(),
        "emails": OutboxMessage.objects.filter(purpose="order_confirmation").count(),
        "redemptions": Redemption.objects.count(),
        "code_uses": pores15.uses,
        "promotion_uses": Promotion.objects.get(pk=pores15.promotion_id).uses,
        "stock": dict(Product.objects.values_list("slug", "stock")),
        "open_carts": Cart.objects.filter(status=Cart.Status.OPEN).count(),
    }


class Pause:
    """Holds order_place inside its transaction after the promo uses are taken (the last write
    before the payment), tells the test the backend's pid, and waits to be let go."""

    def __init__(self) -> None:
        self.inside = threading.Event()
        self.release = threading.Event()
        self.pid: int | None = None
        self.armed = True

    def hold(self) -> None:
        if self.armed:
            self.armed = False
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                self.pid = int(cursor.fetchone()[0])
            self.inside.set()
            assert self.release.wait(30), "the test never let the checkout go on"

    def wrap(self, prepare: Callable[..., Any]) -> Callable[..., Any]:
        """`promo_uses_prepare`, whose uses hold once taken."""
        return lambda **kwargs: PausedUses(prepare(**kwargs), self)


@dataclass
class PausedUses:
    uses: Any
    pause: Pause

    def take(self) -> None:
        self.uses.take()
        self.pause.hold()


@pytest.fixture
def pause(monkeypatch: pytest.MonkeyPatch) -> Iterator[Pause]:
    from config.celery import app

    hold = Pause()
    monkeypatch.setattr(checkout, "promo_uses_prepare", hold.wrap(checkout.promo_uses_prepare))
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True  # the confirmation is sent in-process after the commit
    yield hold
    hold.release.set()
    app.conf.task_always_eager = eager


def terminate_while_paused(hold: Pause, request: Callable[[], Any]) -> Any:
    """Run request() in a thread, kill its backend while it is paused, return its answer."""
    answer: list[Any] = []

    def run() -> None:
        try:
            answer.append(request())
        except BaseException as error:  # a 500 would surface here as an exception
            answer.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert hold.inside.wait(30), "the checkout never reached the pause"
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [hold.pid])
        assert cursor.fetchone()[0] is True
    hold.release.set()
    thread.join(60)
    assert not thread.is_alive()
    return answer[0]


def cart_with_kit_and_code(client: APIClient) -> str:
    cart = client.post("/api/carts/", {}, format="json").json()["id"]
    assert client.post(f"/api/carts/{cart}/items/", {"kit": KIT}, format="json").status_code == 201
    applied = client.post(f"/api/carts/{cart}/promo/", {"code": "PORES15"}, format="json")
    assert applied.status_code == 200, applied.content
    return str(cart)


def assert_one_order_taken(before: dict[str, Any], after: dict[str, Any]) -> Order:
    order = Order.objects.get()
    assert order.status == "paid"
    assert after["orders"] == before["orders"] + 1
    assert after["payments"] == before["payments"] + 1
    assert after["emails"] == before["emails"] + 1
    assert after["redemptions"] == before["redemptions"] + 1
    assert after["code_uses"] == before["code_uses"] + 1
    assert after["promotion_uses"] == before["promotion_uses"] + 1
    taken = {
        slug: before["stock"][slug] - stock
        for slug, stock in after["stock"].items()
        if stock != before["stock"][slug]
    }
    components = dict(
        OrderLineComponent.objects.filter(line__order=order).values_list(
            "product__slug", "reserved"
        )
    )
    assert taken == {slug: units for slug, units in components.items() if units}, taken
    return order


def test_api_checkout_whose_connection_is_killed_writes_nothing_and_a_retry_makes_one_order(
    demo: None, pause: Pause
) -> None:
    client = APIClient()
    cart = cart_with_kit_and_code(client)
    key = str(uuid.uuid4())
    before = snapshot()

    def check_out() -> Any:
        return APIClient().post(
            f"/api/carts/{cart}/checkout/", BODY, format="json", HTTP_IDEMPOTENCY_KEY=key
        )

    response = terminate_while_paused(pause, check_out)
    assert not isinstance(response, BaseException), response
    assert response.status_code == 503, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "service_unavailable"
    assert response["Retry-After"] == "1"
    assert snapshot() == before  # not half-written: nothing at all

    retried = check_out()
    assert retried.status_code == 201, retried.content
    order = assert_one_order_taken(before, snapshot())
    assert retried.json()["number"] == order.number
    assert order.total_amount == Decimal("80.75")  # 95.00 less PORES15's 15%, ships free

    again = check_out()
    assert again.status_code in (200, 201) and again.json()["number"] == order.number
    assert Order.objects.count() == 1


def test_storefront_checkout_whose_connection_is_killed_explains_and_the_button_again_orders_once(
    demo: None, pause: Pause
) -> None:
    browser = Client()
    assert browser.post("/cart/add/", {"kit": KIT, "quantity": "1"}).status_code == 302
    assert browser.post("/cart/promo/", {"code": "PORES15"}).status_code == 302
    form = checkout_form()
    before = snapshot()

    response = terminate_while_paused(pause, lambda: browser.post("/checkout/", form))
    assert not isinstance(response, BaseException), response
    assert response.status_code == 503
    html = response.content.decode()
    assert "We lost our connection while placing your order" in html
    assert 'value="ana@example.com"' in html  # the form keeps what was typed
    assert snapshot() == before

    placed = browser.post("/checkout/", form)
    assert placed.status_code == 302 and "/checkout/confirmation/" in placed["Location"]
    order = assert_one_order_taken(before, snapshot())
    assert order.number in placed["Location"]
    # The same button once more (the back button and a resubmit): the same order.
    assert browser.post("/checkout/", form)["Location"] == placed["Location"]
    assert Order.objects.count() == 1
