"""Per-customer promo limits count by account as well as by normalised email: a one-per-customer
code used once by an account is refused to that account under another address, to the same
address signed out, and to the account's own address signed out; two checkouts by one account
at once redeem it once (PostgreSQL, real threads)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from promotions.codes.models import Redemption
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


def account() -> Any:
    return get_user_model().objects.create_user(
        username="jane@example.com", email="jane@example.com", password="a-long-pass-123"
    )


def once_code() -> None:
    PromoCodeFactory(code="ONCE", promotion=PromotionFactory(per_customer_limit=1))


def cart_with_code(client: APIClient) -> str:
    cart_id = new_cart(client, {"product": "serum"})
    applied = client.post(f"/api/carts/{cart_id}/promo/", {"code": "ONCE"}, format="json")
    assert applied.status_code == 200, applied.content
    return cart_id


def signed_in(user: Any) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_the_account_cannot_use_the_code_again_with_another_email(catalog: Catalog) -> None:
    user = account()
    once_code()
    client = signed_in(user)
    first = check_out(client, cart_with_code(client), checkout_body(email="jane@example.com"))
    assert first.status_code == 201, first.content
    second = check_out(client, cart_with_code(client), checkout_body(email="other@example.org"))
    problem(second, 409, "promo_customer_limit")
    assert Order.objects.count() == 1
    assert Redemption.objects.get().user_id == user.pk


@pytest.mark.django_db
@pytest.mark.parametrize("email", ["other@example.org", "Jane@Example.com"])
def test_signing_out_does_not_get_around_the_limit(catalog: Catalog, email: str) -> None:
    """Used signed in with other@example.org: signed out, neither that address nor the
    account's own (jane@example.com) gets it again."""
    user = account()
    once_code()
    client = signed_in(user)
    first = check_out(client, cart_with_code(client), checkout_body(email="other@example.org"))
    assert first.status_code == 201, first.content
    guest = APIClient()
    problem(
        check_out(guest, cart_with_code(guest), checkout_body(email=email)),
        409,
        "promo_customer_limit",
    )
    assert Redemption.objects.count() == 1


@pytest.mark.django_db
def test_a_guest_use_of_the_accounts_address_counts_for_the_account(catalog: Catalog) -> None:
    user = account()
    once_code()
    guest = APIClient()
    used = check_out(guest, cart_with_code(guest), checkout_body(email="jane@example.com"))
    assert used.status_code == 201, used.content
    client = signed_in(user)
    problem(
        check_out(client, cart_with_code(client), checkout_body(email="new@example.org")),
        409,
        "promo_customer_limit",
    )


@pytest.mark.django_db
def test_another_account_may_still_use_it(catalog: Catalog) -> None:
    user = account()
    once_code()
    client = signed_in(user)
    assert check_out(client, cart_with_code(client)).status_code == 201
    other = get_user_model().objects.create_user(
        username="bob@example.com", email="bob@example.com", password="a-long-pass-123"
    )
    client = signed_in(other)
    body = checkout_body(email="bob@example.com")
    assert check_out(client, cart_with_code(client), body).status_code == 201
    assert Redemption.objects.count() == 2


@pytest.mark.postgres
@pytest.mark.xdist_group("postgres-races")  # connections at once: tests/conftest.py
@pytest.mark.django_db(transaction=True)
def test_two_checkouts_by_one_account_at_once_redeem_the_code_once() -> None:
    make_catalog()
    user = account()
    once_code()
    setup = signed_in(user)
    carts = [cart_with_code(setup), cart_with_code(setup)]
    emails = ["first@example.org", "second@example.net"]

    def buy(index: int) -> tuple[int, dict[str, Any]]:
        client = signed_in(user)
        response = client.post(
            f"/api/carts/{carts[index]}/checkout/",
            checkout_body(email=emails[index]),
            format="json",
            HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
        )
        return response.status_code, response.json()

    assert outcomes(race(2, buy)) == {"201": 1, "409 promo_customer_limit": 1}
    assert Redemption.objects.filter(user=user).count() == 1 == Order.objects.count()
