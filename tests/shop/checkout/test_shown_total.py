"""Checkout never charges more than the total on the button the shopper pressed: a price that
rose meanwhile, or an automatic offer the cart showed that this shopper has already used
(once per customer, known only from the email typed at checkout), stops the order with the
new total on the page; pressing the button again pays it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from promotions.codes.models import Redemption
from shop.catalog.models import Product
from shop.catalog.offers import catalog_offers_forget
from shop.checkout.models import Order
from shop.quoting.snapshot import catalog_snapshot_forget
from tests.factories import OrderFactory, PromotionFactory
from tests.shop.checkout_helpers import Catalog, checkout_form, make_catalog

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _forget_what_is_cached() -> Iterator[None]:
    catalog_snapshot_forget()
    catalog_offers_forget()
    yield
    catalog_snapshot_forget()
    catalog_offers_forget()


@pytest.fixture
def catalog(db: Any) -> Catalog:
    return make_catalog()


def shown_total(page: str) -> str:
    """The total the checkout page would send with the button, as the browser would."""
    match = re.search(r'name="shown_total" value="([0-9.]+)"', page)
    assert match, "the checkout page carries the total it shows"
    return match.group(1)


def fill_cart(client: Client) -> str:
    for slug in ("wash", "toner", "serum"):  # 20 + 15 + 30
        client.post("/cart/add/", {"product": slug})
    page = client.get("/checkout/").content.decode()
    return shown_total(page)


def test_an_offer_already_used_is_not_charged_without_showing_the_new_total(
    catalog: Catalog, client: Client
) -> None:
    offer = PromotionFactory(
        name="Any 3 products: 10% off", automatic=True, min_items=3, per_customer_limit=1
    )
    earlier = OrderFactory()
    Redemption.objects.create(promotion=offer, order=earlier, customer_email="ana@example.com")
    seen = fill_cart(client)
    assert seen == "58.50"  # the page cannot know the shopper yet: 65.00 - 6.50, free shipping

    refused = client.post("/checkout/", checkout_form(shown_total=seen))
    assert refused.status_code == 409
    page = refused.content.decode()
    assert "Your total is now $65.00, not the $58.50 you saw" in page
    assert not Order.objects.exclude(pk=earlier.pk).exists()
    assert Redemption.objects.filter(promotion=offer).count() == 1
    assert shown_total(page) == "65.00"  # priced for ana now: the button says $65.00
    assert "Place order and pay $65.00" in page

    placed = client.post("/checkout/", checkout_form(shown_total=shown_total(page)))
    assert placed.status_code == 302, placed.content.decode()[:2000]
    (order,) = Order.objects.exclude(pk=earlier.pk)
    assert (order.total_amount, order.discount_amount) == (Decimal("65.00"), Decimal("0.00"))


def test_a_price_raised_after_the_page_was_shown_stops_the_order(
    catalog: Catalog, client: Client
) -> None:
    seen = fill_cart(client)
    serum = Product.objects.get(slug="serum")
    serum.price_amount = Decimal("31.00")
    serum.save()
    refused = client.post("/checkout/", checkout_form(shown_total=seen))
    assert refused.status_code == 409
    assert f"not the ${seen} you saw" in refused.content.decode()
    assert not Order.objects.exists()


def test_a_lower_total_than_shown_is_charged_as_it_is(catalog: Catalog, client: Client) -> None:
    seen = fill_cart(client)
    serum = Product.objects.get(slug="serum")
    serum.price_amount = Decimal("29.00")
    serum.save()
    placed = client.post("/checkout/", checkout_form(shown_total=seen))
    assert placed.status_code == 302
    assert Order.objects.get().total_amount == Decimal(seen) - 1
