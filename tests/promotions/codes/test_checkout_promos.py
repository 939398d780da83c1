"""Promo codes in the cart and at checkout, end to end: the cart's promo endpoints (uniform
answers, throttling, bad input), the storefront's promo field, redemption through order_place,
payment declines and cancellations giving uses back, and the checkout races on PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db.models import Count, Q
from django.test import Client, override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from promotions.codes.models import PromoCode, Promotion, Redemption
from shop.cart.models import Cart
from shop.checkout import orders
from shop.checkout.models import Order
from tests.factories import PromoCodeFactory, PromotionFactory
from tests.shop.checkout_helpers import (
    Catalog,
    check_out,
    checkout_body,
    make_catalog,
    new_cart,
    problem,
)
from tests.shop.race import outcomes, race

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog(db: Any) -> Catalog:
    return make_catalog()


def assert_counters_match_rows() -> None:
    live = Q(redemptions__released_at__isnull=True)
    for promotion in Promotion.objects.annotate(n=Count("redemptions", filter=live)):
        assert promotion.uses == promotion.n, promotion
    for code in PromoCode.objects.annotate(n=Count("redemptions", filter=live)):
        assert code.uses == code.n, code


def apply(client: APIClient, cart_id: str, code: Any) -> Any:
    return client.post(f"/api/carts/{cart_id}/promo/", {"code": code}, format="json")


def pores15() -> Promotion:
    promotion = PromotionFactory(name="Pores", value=Decimal("15"), min_subtotal_amount="40.00")
    PromoCodeFactory(code="PORES15", promotion=promotion)
    return promotion


# -- the cart's promo endpoints -----------------------------------------------------------------


def test_a_code_is_applied_in_any_case_and_removed(catalog: Catalog) -> None:
    pores15()
    client = APIClient()
    cart_id = new_cart(client, {"product": "serum", "quantity": 2})
    response = apply(client, cart_id, "  pores15 ")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["promo_code"] == "PORES15"
    assert [(a["rule"], a["amount"]) for a in data["breakdown"]["applied"]] == [
        ("PORES15", "9.00"),
        ("free_shipping_over", "5.00"),
    ]
    removed = client.delete(f"/api/carts/{cart_id}/promo/")
    assert removed.status_code == 200 and removed.json()["promo_code"] is None


def _codes_without_a_reason() -> list[str]:
    now = timezone.now()
    past = {"starts_at": now - timedelta(days=30), "ends_at": now - timedelta(days=1)}
    PromoCodeFactory(code="EXPIREDPRIV", promotion=PromotionFactory(**past), public=False)
    PromoCodeFactory(code="USEDUPPRIV", max_uses=1, uses=1, public=False)
    PromoCodeFactory(code="SWITCHEDOFF", promotion=PromotionFactory(active=False))
    PromoCodeFactory(code="NOTYETSTART", promotion=PromotionFactory(starts_at=now + timedelta(1)))
    return ["NEVEREXISTS", "EXPIREDPRIV", "USEDUPPRIV", "SWITCHEDOFF", "NOTYETSTART"]


def test_codes_without_an_earned_reason_answer_exactly_like_unknown_ones(
    catalog: Catalog,
) -> None:
    codes = _codes_without_a_reason()
    client = APIClient()
    cart_id = new_cart(client, {"product": "serum", "quantity": 2})
    answers = []
    for code in codes:
        response = apply(client, cart_id, code.lower())
        data = problem(response, 422, "promo_not_found")
        assert data["detail"] == f"{code} isn't a valid promo code."
        answers.append(
            (response.status_code, response["Content-Type"], str(data).replace(code, "CODE"))
        )
    assert len(set(answers)) == 1, answers
    assert Cart.objects.get(pk=cart_id).promo_code == ""


@pytest.mark.parametrize(
    ("setup", "code", "why", "reason"),
    [
        ("expired", "SUMMER10", "promo_expired", "SUMMER10 has expired."),
        ("used_up", "PUBLIC50", "promo_exhausted", "PUBLIC50 has been fully redeemed."),
        ("min", "PORES15", "promo_min_subtotal", "Spend $10.00 more to use PORES15."),
        ("scoped", "TONER10", "promo_not_applicable", "TONER10 doesn't apply to anything"),
    ],
)
def test_advertised_and_live_codes_tell_why_they_do_not_apply(
    catalog: Catalog, setup: str, code: str, why: str, reason: str
) -> None:
    now = timezone.now()
    if setup == "expired":
        PromoCodeFactory(
            code=code,
            promotion=PromotionFactory(
                starts_at=now - timedelta(days=90), ends_at=now - timedelta(days=1)
            ),
        )
    elif setup == "used_up":
        PromoCodeFactory(code=code, promotion=PromotionFactory(usage_limit=5, uses=5))
    elif setup == "min":
        pores15()
    else:
        scoped = PromotionFactory()
        scoped.products.set([catalog.toner])
        PromoCodeFactory(code=code, promotion=scoped, public=False)
    client = APIClient()
    cart_id = new_cart(client, {"product": "serum"})
    data = problem(apply(client, cart_id, code), 422, why)
    assert data["detail"].startswith(reason) and data["promo_code"] == code


@pytest.mark.parametrize(
    ("code", "status", "why"),
    [
        ("", 400, "validation_error"),
        ("   ", 400, "validation_error"),
        ("X" * 10_240, 400, "validation_error"),
        (7, 400, "validation_error"),
        ("PORЕS15", 422, "promo_not_found"),  # Cyrillic Е
        ("'; DROP TABLE promotions_promocode; --", 422, "promo_not_found"),
        ("PORES15' OR '1'='1", 422, "promo_not_found"),
    ],
)
def test_bad_codes_get_a_clear_answer_and_nothing_is_written(
    catalog: Catalog, code: Any, status: int, why: str
) -> None:
    pores15()
    client = APIClient()
    cart_id = new_cart(client, {"product": "serum", "quantity": 2})
    problem(apply(client, cart_id, code), status, why)
    assert Cart.objects.get(pk=cart_id).promo_code == ""
    assert PromoCode.objects.filter(code="PORES15").exists()


@override_settings(PROMO_ATTEMPTS_PER_CART=3, PROMO_ATTEMPTS_PER_CLIENT=100)
def test_failed_attempts_on_one_cart_are_throttled(catalog: Catalog) -> None:
    pores15()
    client = APIClient()
    cart_id = new_cart(client, {"product": "serum", "quantity": 2})
    for guess in ["GUESS1", "GUESS2", "GUESS3"]:
        problem(apply(client, cart_id, guess), 422, "promo_not_found")
    response = apply(client, cart_id, "PORES15")  # even a good code waits now
    data = problem(response, 429, "too_many_attempts")
    assert 0 < int(response["Retry-After"]) <= 900
    assert "Try again in" in data["detail"]
    other = new_cart(client, {"product": "serum", "quantity": 2})
    assert apply(client, other, "PORES15").status_code == 200


@override_settings(PROMO_ATTEMPTS_PER_CART=100, PROMO_ATTEMPTS_PER_CLIENT=4)
def test_failed_attempts_from_one_client_are_throttled_across_carts(catalog: Catalog) -> None:
    client = APIClient(REMOTE_ADDR="203.0.113.5")
    for n in range(4):
        problem(
            apply(client, new_cart(client, {"product": "serum"}), f"GUESS{n}"),
            422,
            "promo_not_found",
        )
    problem(
        apply(client, new_cart(client, {"product": "serum"}), "GUESS9"), 429, "too_many_attempts"
    )
    neighbour = APIClient(REMOTE_ADDR="203.0.113.6")
    problem(
        apply(neighbour, new_cart(neighbour, {"product": "serum"}), "GUESS9"),
        422,
        "promo_not_found",
    )


# -- the storefront's promo field ---------------------------------------------------------------


def storefront_cart(client: Client) -> None:
    response = client.post("/cart/add/", {"product": "serum", "quantity": "2"})
    assert response.status_code == 302


def test_the_cart_page_shows_the_saving_or_the_reason_in_place(catalog: Catalog) -> None:
    pores15()
    PromoCodeFactory(
        code="SUMMER10",
        promotion=PromotionFactory(
            starts_at=timezone.now() - timedelta(days=90),
            ends_at=timezone.now() - timedelta(days=1),
        ),
    )
    client = Client()
    storefront_cart(client)
    response = client.post("/cart/promo/", {"code": "summer10"})
    assert response.status_code == 422
    page = response.content.decode()
    assert 'id="promo-code_error"' in page and "SUMMER10 has expired." in page
    assert 'aria-invalid="true"' in page and 'value="summer10"' in page
    response = client.post("/cart/promo/", {"code": "<script>x</script>"})
    assert response.status_code == 422
    assert "<script>x" not in response.content.decode()
    response = client.post("/cart/promo/", {"code": "pores15"}, follow=True)
    page = response.content.decode()
    assert "PORES15: 15% off" in page and "9.00" in page
    response = client.post("/cart/promo/", {"remove": "1"}, follow=True)
    assert 'id="promo-code"' in response.content.decode()


@override_settings(PROMO_ATTEMPTS_PER_CART=2)
def test_the_cart_page_says_when_to_try_again(catalog: Catalog) -> None:
    client = Client()
    storefront_cart(client)
    for guess in ["GUESS1", "GUESS2"]:
        assert client.post("/cart/promo/", {"code": guess}).status_code == 422
    response = client.post("/cart/promo/", {"code": "GUESS3"})
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "Too many promo code attempts. Try again in" in response.content.decode()


# -- checkout -----------------------------------------------------------------------------------


def test_checkout_redeems_the_code_and_the_order_shows_it(catalog: Catalog) -> None:
    promotion = pores15()
    client = APIClient()
    cart_id = new_cart(client, {"product": "serum", "quantity": 2})
    assert apply(client, cart_id, "pores15").status_code == 200
    response = check_out(client, cart_id, checkout_body(email="Ana.Lima+shop@Gmail.com"))
    assert response.status_code == 201, response.content
    data = response.json()
    assert next((a["source"], a["rule"], a["amount"]) for a in data["breakdown"]["applied"]) == (
        "promo",
        "PORES15",
        "9.00",
    )
    order = Order.objects.get(number=data["number"])
    redemption = Redemption.objects.get()
    assert (redemption.order, redemption.customer_email) == (order, "analima@gmail.com")
    assert redemption.discount_amount == Decimal("9.00")
    promotion.refresh_from_db()
    assert promotion.uses == 1
    page = Client().get(f"/orders/{order.number}/?token={order.access_token}")
    assert page.status_code == 200
    assert "Promo code PORES15: 15% off</th>" in page.content.decode()  # named once, by its code
    assert_counters_match_rows()


def test_a_declined_payment_gives_the_use_back(catalog: Catalog) -> None:
    promotion = pores15()
    Promotion.objects.filter(pk=promotion.pk).update(usage_limit=1)
    client = APIClient()
    cart_id = new_cart(client, {"product": "serum", "quantity": 2})
    apply(client, cart_id, "PORES15")
    problem(check_out(client, cart_id, checkout_body("tok_decline")), 402, "payment_declined")
    promotion.refresh_from_db()
    assert promotion.uses == 0 and not Redemption.objects.exists()
    assert check_out(client, cart_id).status_code == 201
    promotion.refresh_from_db()
    assert promotion.uses == 1
    assert_counters_match_rows()


def test_a_cancelled_order_gives_the_use_back(catalog: Catalog) -> None:
    promotion = pores15()
    Promotion.objects.filter(pk=promotion.pk).update(usage_limit=1)
    client = APIClient()
    cart_id = new_cart(client, {"product": "serum", "quantity": 2})
    apply(client, cart_id, "PORES15")
    order = Order.objects.get(number=check_out(client, cart_id).json()["number"])
    orders.order_cancel(order=order)
    promotion.refresh_from_db()
    assert promotion.uses == 0
    assert Redemption.objects.get().released_at is not None
    assert_counters_match_rows()
    again = new_cart(client, {"product": "serum", "quantity": 2})
    assert apply(client, again, "PORES15").status_code == 200
    assert check_out(client, again).status_code == 201


def test_a_code_used_up_since_it_was_applied_stops_checkout(catalog: Catalog) -> None:
    promotion = pores15()
    client = APIClient()
    cart_id = new_cart(client, {"product": "serum", "quantity": 2})
    apply(client, cart_id, "PORES15")
    Promotion.objects.filter(pk=promotion.pk).update(usage_limit=3, uses=3)
    data = problem(check_out(client, cart_id), 409, "promo_exhausted")
    assert data["promo_code"] == "PORES15"
    assert not Order.objects.exists() and not Redemption.objects.exists()
    assert Cart.objects.get(pk=cart_id).status == "open"


def test_a_second_order_by_the_same_customer_hits_the_per_customer_limit(
    catalog: Catalog,
) -> None:
    promotion = pores15()
    Promotion.objects.filter(pk=promotion.pk).update(per_customer_limit=1)
    client = APIClient()
    first = new_cart(client, {"product": "serum", "quantity": 2})
    apply(client, first, "PORES15")
    assert check_out(client, first, checkout_body(email="jane.doe@gmail.com")).status_code == 201
    second = new_cart(client, {"product": "serum", "quantity": 2})
    apply(client, second, "PORES15")  # no email yet: the cart accepts it
    data = problem(
        check_out(client, second, checkout_body(email="JaneDoe+again@gmail.com")),
        409,
        "promo_customer_limit",
    )
    assert data["promo_code"] == "PORES15"
    assert Order.objects.count() == 1


# -- races through the real checkout on PostgreSQL ----------------------------------------------


def buy_as(cart_id: str, email: str) -> tuple[int, dict[str, Any]]:
    response = APIClient().post(
        f"/api/carts/{cart_id}/checkout/",
        checkout_body(email=email),
        format="json",
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )
    return response.status_code, response.json()


def carts_with(code: str, count: int) -> list[str]:
    client = APIClient()
    ids = []
    for _ in range(count):
        cart_id = new_cart(client, {"product": "serum", "quantity": 2})
        assert apply(client, cart_id, code).status_code == 200
        ids.append(cart_id)
    return ids


@pytest.mark.postgres
@pytest.mark.xdist_group("postgres-races")  # 20-50 connections at once: tests/conftest.py
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("limit", [1, 10])
def test_fifty_checkouts_race_for_a_limited_code(limit: int) -> None:
    make_catalog(stock=500)
    PromoCodeFactory(code="RUSH", promotion=PromotionFactory(usage_limit=limit))
    ids = carts_with("RUSH", 50)
    results = race(50, lambda i: buy_as(ids[i], f"shopper{i}@example.com"))
    assert outcomes(results) == {"201": limit, "409 promo_exhausted": 50 - limit}
    assert Redemption.objects.count() == limit == Order.objects.count()
    assert Promotion.objects.get().uses == limit
    assert_counters_match_rows()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_customer_checking_out_in_two_tabs_gets_one_use() -> None:
    make_catalog()
    PromoCodeFactory(code="ONCE", promotion=PromotionFactory(per_customer_limit=1))
    ids = carts_with("ONCE", 2)
    emails = ["jane.doe@gmail.com", "JaneDoe+tab2@gmail.com"]
    results = race(2, lambda i: buy_as(ids[i], emails[i]))
    assert outcomes(results) == {"201": 1, "409 promo_customer_limit": 1}
    assert Redemption.objects.count() == 1
    assert_counters_match_rows()


@pytest.mark.postgres
@pytest.mark.xdist_group("postgres-races")  # 20-50 connections at once: tests/conftest.py
@pytest.mark.django_db(transaction=True)
def test_counters_equal_rows_while_checkouts_and_cancellations_interleave() -> None:
    make_catalog(stock=500)
    PromoCodeFactory(code="CHURN", promotion=PromotionFactory(usage_limit=10))
    early, late = carts_with("CHURN", 10), carts_with("CHURN", 30)
    placed = [buy_as(cart_id, f"early{i}@example.com") for i, cart_id in enumerate(early)]
    assert {status for status, _ in placed} == {201}
    numbers = [body["number"] for _, body in placed]

    def work(index: int) -> Any:
        if index < 10:
            orders.order_cancel(order=Order.objects.get(number=numbers[index]))
            return 200, {}
        return buy_as(late[index - 10], f"late{index}@example.com")

    results = race(40, work)
    counts = outcomes(results)
    assert set(counts) <= {"200", "201", "409 promo_exhausted"}, counts
    live = Redemption.objects.filter(released_at__isnull=True).count()
    assert live == counts.get("201", 0) <= 10
    assert Promotion.objects.get().uses == live
    assert_counters_match_rows()
