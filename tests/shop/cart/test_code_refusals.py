"""The cart refuses a code that checkout would refuse, with the reason, and checkout's "Place
order and pay" never includes a discount it will not give: a code this shopper has used up (by
the signed-in account, or by the email typed at checkout), exhausted, expired, not applicable."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from promotions.codes.models import Promotion
from shop.cart.models import Cart
from shop.checkout.models import Order
from tests.factories import PromoCodeFactory, PromotionFactory
from tests.shop.checkout.test_storefront import FORM, add, field_errors, text
from tests.shop.checkout_helpers import Catalog

pytestmark = pytest.mark.django_db

SERUM, SERUM_LESS_10 = "$35.00", "$32.00"  # serum with $5.00 shipping, and with the 10% code


def account(email: str = "jane@example.com") -> Any:
    return get_user_model().objects.create_user(
        username=email, email=email, password="a-long-pass-123"
    )


def once_code(**promotion: Any) -> Promotion:
    made: Promotion = PromotionFactory(per_customer_limit=1, **promotion)
    PromoCodeFactory(code="ONCE", promotion=made)
    return made


def cart_with_code(client: Client) -> None:
    add(client, product="serum")
    response = client.post("/cart/promo/", {"code": "once"})
    assert response.status_code == 302, field_errors(response.content.decode())


def ordered_with_code(client: Client, email: str) -> None:
    cart_with_code(client)
    placed = client.post("/checkout/", {**FORM, "email": email})
    assert placed.status_code == 302, field_errors(placed.content.decode())


def pay_button(page: str) -> str:
    found = re.search(r"Place order and pay ([^<]+)</button>", page)
    assert found, "no pay button"
    return found.group(1).strip()


def test_a_signed_in_shopper_cannot_apply_a_code_they_used_up(
    catalog: Catalog, client: Client
) -> None:
    once_code()
    client.force_login(account())
    ordered_with_code(client, "jane@example.com")
    add(client, product="serum")
    response = client.post("/cart/promo/", {"code": "once"})
    assert response.status_code == 422
    error = field_errors(response.content.decode())["promo-code"]
    assert "already used ONCE" in error, error
    assert Cart.objects.filter(status="open").get().promo_code == ""


def test_a_code_on_the_cart_shows_refused_once_the_shopper_signs_in(
    catalog: Catalog, client: Client
) -> None:
    """Applied signed out; the account used it up under another address: the cart says so,
    and neither the cart's total nor checkout's button counts the discount."""
    once_code()
    user = account()
    other = Client()
    other.force_login(user)
    ordered_with_code(other, "jane.work@example.org")
    cart_with_code(client)
    assert SERUM_LESS_10 in text(client.get("/cart/").content.decode())
    client.force_login(user)
    page = client.get("/cart/").content.decode()
    assert "ONCE" in page and 'class="field-error"' in page
    total = re.search(r"data-total[^>]*>([^<]+)<", page)
    assert total is not None and total.group(1) == SERUM


def test_checkout_with_an_address_that_used_the_code_shows_the_real_total(
    catalog: Catalog, client: Client
) -> None:
    once_code()
    ordered_with_code(Client(), "ana@example.com")
    cart_with_code(client)
    assert pay_button(client.get("/checkout/").content.decode()) == SERUM_LESS_10  # unknown yet
    response = client.post("/checkout/", {**FORM, "email": "Ana@Example.com"})
    assert response.status_code == 409
    page = response.content.decode()
    assert pay_button(page) == SERUM  # the button now shows what checkout will charge
    assert Order.objects.count() == 1


def test_checkout_signed_in_never_counts_a_code_the_account_used_up(
    catalog: Catalog, client: Client
) -> None:
    once_code()
    user = account()
    other = Client()
    other.force_login(user)
    ordered_with_code(other, "jane.work@example.org")
    cart_with_code(client)
    client.force_login(user)
    assert pay_button(client.get("/checkout/").content.decode()) == SERUM


def refused_in_cart(client: Client) -> str:
    page = client.get("/cart/").content.decode()
    found = re.search(
        r"Promo code <strong>ONCE</strong>:\s*<span class=\"field-error\">([^<]+)<", page
    )
    assert found, "the code is not shown as refused"
    total = re.search(r"data-total[^>]*>([^<]+)<", page)
    assert total is not None and total.group(1) == SERUM
    return found.group(1)


def test_an_exhausted_code_shows_refused_in_the_cart(catalog: Catalog, client: Client) -> None:
    promotion = once_code(usage_limit=1)
    cart_with_code(client)
    # Another shopper's order takes the last use: the code, held in memory under the catalog
    # token, leaves it at once (the use that reaches the limit touches the token).
    ordered_with_code(Client(), "someone.else@example.com")
    promotion.refresh_from_db()
    assert promotion.uses == 1
    assert "fully redeemed" in refused_in_cart(client)
    assert pay_button(client.get("/checkout/").content.decode()) == SERUM


def test_an_expired_code_shows_refused_in_the_cart(catalog: Catalog, client: Client) -> None:
    promotion = once_code()
    cart_with_code(client)
    Promotion.objects.filter(pk=promotion.pk).update(ends_at=timezone.now() - timedelta(hours=1))
    assert "expired" in refused_in_cart(client)
    assert pay_button(client.get("/checkout/").content.decode()) == SERUM


def test_a_code_that_no_longer_applies_shows_refused_in_the_cart(
    catalog: Catalog, client: Client
) -> None:
    promotion = once_code()
    cart_with_code(client)
    Promotion.objects.filter(pk=promotion.pk).update(min_subtotal_amount=Decimal("100.00"))
    assert "$70.00" in refused_in_cart(client)  # how much more to spend
    assert pay_button(client.get("/checkout/").content.decode()) == SERUM
