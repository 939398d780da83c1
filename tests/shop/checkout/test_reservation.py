"""Checkout reserves, then pays, then confirms (shop/checkout/reservation.py): what happens on
each failure after the reservation committed, and that no lock is held while the payment
provider answers (real threads on PostgreSQL).

- a card declined after the reservation: stock, code uses, the order rows and the closed cart
  all come back, as if checkout had never run;
- a process that died between reserving and confirming: the expiry sweep releases it (and not
  a younger one); a confirmation after that voids its authorization;
- while one buyer's authorization hangs, other buyers of the same products with the same
  limited code check out; a repeat of the hanging request waits for it and answers its order.
"""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from promotions.codes.models import PromoCode, Promotion, Redemption
from shop.cart.models import Cart
from shop.catalog.models import Product
from shop.checkout import services as checkout
from shop.checkout.attempts import Attempt
from shop.checkout.models import Order, OrderLine, Payment
from shop.checkout.payments import Authorization, PaymentDeclined, TestGateway
from shop.checkout.reservation import reservations_expire
from tests.factories import PromoCodeFactory, PromotionFactory
from tests.shop.checkout_helpers import (
    Catalog,
    check_out,
    checkout_body,
    make_catalog,
    new_cart,
    problem,
    stock,
)
from tests.shop.race import buy, outcomes, race

DETAILS = checkout.CheckoutDetails(
    "ana@example.com", "Ana", "12 Rose St", "Portland", "97201", "US", "test", "tok_ok"
)


def cart_with_code(client: APIClient, code: str) -> str:
    cart_id = new_cart(client, {"kit": "duo"})
    applied = client.post(f"/api/carts/{cart_id}/promo/", {"code": code}, format="json")
    assert applied.status_code == 200, applied.content
    return cart_id


def uses(code: str) -> tuple[int, int, int]:
    """(promotion uses, code uses, unreleased redemption rows)"""
    row = PromoCode.objects.select_related("promotion").get(code=code)
    live = Redemption.objects.filter(promotion=row.promotion, released_at__isnull=True).count()
    return row.promotion.uses, row.uses, live


def reservation_gone(cart_id: str) -> None:
    assert not Order.objects.exists() and not OrderLine.objects.exists()
    assert not Payment.objects.exists() and not Redemption.objects.exists()
    assert Cart.objects.get(pk=cart_id).status == Cart.Status.OPEN


@pytest.fixture
def catalog(db: Any) -> Catalog:
    made = make_catalog()
    PromoCodeFactory(code="ONCE", promotion=PromotionFactory(usage_limit=1))
    return made


def test_a_card_declined_after_the_reservation_gives_everything_back(
    catalog: Catalog, api_client: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    cart_id = cart_with_code(api_client, "ONCE")
    during: list[Any] = []
    approve = TestGateway.authorize

    def decline_after_looking(self: TestGateway, **kwargs: Any) -> Authorization:
        # The reservation is committed while the provider is asked: the order pending, the
        # stock and the code's only use taken.
        order = Order.objects.get()
        during.append((order.status, stock(catalog.wash, catalog.toner), uses("ONCE")))
        if kwargs["token"] == "tok_ok":
            return approve(self, **kwargs)
        raise PaymentDeclined("Your card was declined. Try another card.")

    monkeypatch.setattr(TestGateway, "authorize", decline_after_looking)
    problem(check_out(api_client, cart_id, checkout_body("tok_decline")), 402, "payment_declined")
    assert during == [("pending", [49, 49], (1, 1, 1))]
    reservation_gone(cart_id)
    assert stock(catalog.wash, catalog.toner, catalog.gift) == [50, 50, 50]
    assert uses("ONCE") == (0, 0, 0)
    assert Cart.objects.get(pk=cart_id).promo_code == "ONCE"

    # The code's one use is free again: the same cart goes through with a card that works.
    placed = check_out(api_client, cart_id)
    assert placed.status_code == 201, placed.content
    assert uses("ONCE") == (1, 1, 1)
    assert Order.objects.get().status == Order.Status.PAID


def test_a_checkout_that_died_after_reserving_is_released_by_the_sweep(
    catalog: Catalog, api_client: APIClient, settings: Any
) -> None:
    cart_id = cart_with_code(api_client, "ONCE")
    # The process reserves, then dies before asking for the payment: nothing undoes it.
    reserved = checkout._reserve(
        cart_id=uuid.UUID(cart_id), details=DETAILS, key="k1", request_hash="", attempt=Attempt()
    )
    assert isinstance(reserved, tuple)
    assert stock(catalog.wash) == [49] and uses("ONCE") == (1, 1, 1)
    # A repeat of that request, meanwhile, waits and then says it is still being paid for.
    settings.CHECKOUT_WAIT_SECONDS = 0.05
    with pytest.raises(checkout.CheckoutInProgress):
        checkout.order_place(cart_id=uuid.UUID(cart_id), details=DETAILS, idempotency_key="k1")

    assert reservations_expire() == 0  # younger than CHECKOUT_RESERVATION_SECONDS: left alone
    assert Order.objects.get().status == Order.Status.PENDING
    later = timezone.now() + timedelta(seconds=601)
    assert reservations_expire(now=later) == 1
    reservation_gone(cart_id)
    assert stock(catalog.wash, catalog.toner, catalog.gift) == [50, 50, 50]
    assert uses("ONCE") == (0, 0, 0)
    assert reservations_expire(now=later) == 0

    # The same request again (the shopper's retry) now makes the order.
    placed = checkout.order_place(cart_id=uuid.UUID(cart_id), details=DETAILS, idempotency_key="k1")
    assert placed.created and placed.order.status == Order.Status.PAID


def test_a_confirmation_after_the_reservation_expired_voids_its_authorization(
    catalog: Catalog, api_client: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    cart_id = new_cart(api_client, {"kit": "duo"})
    approve = TestGateway.authorize

    def slow(self: TestGateway, **kwargs: Any) -> Authorization:
        authorization = approve(self, **kwargs)
        # The provider took longer than a reservation lasts: beat's sweep released it.
        assert reservations_expire(now=timezone.now() + timedelta(hours=1)) == 1
        return authorization

    monkeypatch.setattr(TestGateway, "authorize", slow)
    body = problem(check_out(api_client, cart_id), 409, "checkout_expired")
    assert "nothing was charged" in body["detail"]
    assert [e.operation for e in TestGateway.ledger] == ["authorize", "void"]
    reservation_gone(cart_id)
    assert stock(catalog.wash, catalog.toner) == [50, 50]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_no_lock_is_held_while_the_provider_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    catalog = make_catalog(stock=10)
    PromoCodeFactory(code="FEW", promotion=PromotionFactory(usage_limit=5, value=Decimal("10")))
    client = APIClient()
    slow_cart = cart_with_code(client, "FEW")
    quick = [cart_with_code(client, "FEW") for _ in range(4)]
    inside, go_on = threading.Event(), threading.Event()
    approve = TestGateway.authorize

    def hang_first(self: TestGateway, **kwargs: Any) -> Authorization:
        if not inside.is_set():
            inside.set()
            assert go_on.wait(60), "the test never let the first buyer's payment answer"
        return approve(self, **kwargs)

    monkeypatch.setattr(TestGateway, "authorize", hang_first)
    answers: dict[str, Any] = {}

    def first() -> None:
        answers["first"] = buy(slow_cart, "slow")

    def repeat() -> None:
        answers["repeat"] = buy(slow_cart, "slow")

    threads = [threading.Thread(target=first, daemon=True)]
    threads[0].start()
    assert inside.wait(30)
    # Its stock and code use are reserved and its payment hangs: four more buyers of the same
    # products with the same code (one use left each) check out meanwhile, in parallel.
    results = race(4, lambda i: buy(quick[i], f"quick-{i}"), timeout=60)
    assert outcomes(results) == {"201": 4}
    assert Promotion.objects.get().uses == 5
    assert stock(catalog.wash, catalog.toner) == [5, 5]
    # A repeat of the hanging request waits for it rather than making a second order.
    threads.append(threading.Thread(target=repeat, daemon=True))
    threads[1].start()
    threads[1].join(0.3)
    assert threads[1].is_alive()
    go_on.set()
    for thread in threads:
        thread.join(60)
    assert answers["first"][0] == 201 and answers["repeat"][0] == 200
    assert answers["first"][1]["number"] == answers["repeat"][1]["number"]
    assert Order.objects.filter(status=Order.Status.PAID).count() == 5
    assert Redemption.objects.filter(released_at__isnull=True).count() == 5


@pytest.mark.postgres
@pytest.mark.xdist_group("postgres-races")  # 20-50 connections at once: tests/conftest.py
@pytest.mark.django_db(transaction=True)
def test_declined_buyers_racing_for_the_last_units_give_them_back() -> None:
    catalog = make_catalog(stock=50)
    Product.objects.filter(pk=catalog.serum.pk).update(stock=10)
    client = APIClient()
    carts = [new_cart(client, {"product": "serum"}) for _ in range(30)]

    def attempt(index: int) -> tuple[int, dict[str, Any]]:
        token = "tok_decline" if index % 3 == 0 else "tok_ok"
        return buy(carts[index], f"buyer-{index}", token)

    results = race(30, attempt)
    declined = [outcomes([r]) for i, r in enumerate(results) if i % 3 == 0]
    approved = [outcomes([r]) for i, r in enumerate(results) if i % 3 != 0]
    # A declining buyer either reserved and was declined, or found the shelf empty first.
    assert all(set(c) <= {"402 payment_declined", "409 out_of_stock"} for c in declined), declined
    assert all(set(c) <= {"201", "409 out_of_stock"} for c in approved)
    sold = sum(c["201"] for c in approved)
    assert 0 < sold <= 10 and stock(catalog.serum) == [10 - sold]
    assert Order.objects.count() == sold == Payment.objects.count()
    assert Cart.objects.filter(status="open").count() == 30 - sold
    # What declined buyers held came back: the rest of the shelf sells, exactly.
    more = [new_cart(client, {"product": "serum"}) for _ in range(10 - sold + 2)]
    counts = outcomes(race(len(more), lambda i: buy(more[i], f"more-{i}")))
    assert (counts["201"], counts["409 out_of_stock"]) == (10 - sold, 2), counts
    assert sum(counts.values()) == len(more)
    assert stock(catalog.serum) == [0]
