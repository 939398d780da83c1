"""Automatic offers reach every price: the quote, the cart (API and page), the builder and
checkout, from offers cached under the catalog token (no query of their own on a warm quote),
and a promotion write reaches the very next price (issue 18)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from promotions.codes.models import Promotion, Redemption
from promotions.codes.offer_selectors import offer_rules_load, offers_for_customer
from shop.catalog.offers import catalog_offers, catalog_offers_forget
from shop.quoting.snapshot import catalog_snapshot_forget
from tests.factories import OrderFactory, PromotionFactory
from tests.shop.checkout_helpers import Catalog, check_out, make_catalog, new_cart

pytestmark = pytest.mark.django_db

THREE = [{"product": "wash"}, {"product": "toner"}, {"product": "serum"}]  # 20 + 15 + 30


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


def any_three(**fields: Any) -> Promotion:
    """The issue's example: any 3 products, 10% off."""
    return PromotionFactory(
        **{"name": "Any 3 products: 10% off", "automatic": True, "min_items": 3, **fields}
    )


def quote(client: APIClient, items: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    response = client.post("/api/quote/", {"items": items, **extra}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def offers_in(data: dict[str, Any]) -> list[tuple[str, str]]:
    return [(a["rule"], a["amount"]) for a in data["applied"] if a["source"] == "offer"]


def test_an_offer_applies_to_a_quote_of_separate_products(
    catalog: Catalog, api_client: APIClient
) -> None:
    offer = any_three()
    data = quote(api_client, THREE)
    assert offers_in(data) == [(str(offer.pk), "6.50")]  # 10% of 65.00
    assert data["total"] == "58.50"  # 58.50 merchandise: over 50.00, ships free


def test_a_cart_short_of_the_threshold_gets_the_hint(
    catalog: Catalog, api_client: APIClient
) -> None:
    offer = any_three()
    data = quote(api_client, THREE[:2])
    assert offers_in(data) == []
    (hint,) = [r for r in data["rejected"] if r["source"] == "offer"]
    assert (hint["rule"], hint["code"]) == (str(offer.pk), "offer_not_reached")
    assert hint["reason"].startswith("Add 1 more item to get 10% off")


@pytest.mark.parametrize(
    "fields",
    [
        {"active": False},
        {"ends_at": "2020-01-01T00:00:00Z"},
        {"starts_at": "2999-01-01T00:00:00Z"},
        {"usage_limit": 2, "uses": 2},
    ],
    ids=["inactive", "ended", "not-started", "used-up"],
)
def test_offers_out_of_play_do_not_apply(
    catalog: Catalog, api_client: APIClient, fields: dict[str, Any]
) -> None:
    any_three(**fields)
    assert offers_in(quote(api_client, THREE)) == []


def test_code_promotions_are_not_offers(catalog: Catalog, api_client: APIClient) -> None:
    PromotionFactory(name="Not automatic", min_items=None)
    assert offers_in(quote(api_client, THREE)) == []
    assert offer_rules_load() == ()


def test_a_warm_quote_with_offers_still_takes_one_query(
    catalog: Catalog, api_client: APIClient, django_assert_num_queries: Any
) -> None:
    offers = {any_three().pk, any_three(name="Any 3: 5% off", value=5, combinable=True).pk}
    Promotion.objects.filter(pk__in=offers).update(combinable=True)
    # Cold: the token, the catalog snapshot (products, kit slugs, kits, routine slugs,
    # routines, tiers), then the offers (promotions, their scope).
    with CaptureQueriesContext(connection) as cold:
        quote(api_client, THREE)
    assert len(cold) == 1 + 6 + 2
    with django_assert_num_queries(1):  # the token: catalog and offers from memory
        data = quote(api_client, THREE)
    assert {int(rule) for rule, _ in offers_in(data)} == offers


def test_a_promotion_write_reaches_the_very_next_quote(
    catalog: Catalog, api_client: APIClient
) -> None:
    offer = any_three()
    assert offers_in(quote(api_client, THREE)) == [(str(offer.pk), "6.50")]
    Promotion.objects.filter(pk=offer.pk).update(value=Decimal("20"))
    assert offers_in(quote(api_client, THREE)) == [(str(offer.pk), "13.00")]
    offer.products.set([catalog.serum])  # the scope is watched too
    assert offers_in(quote(api_client, THREE)) == []  # one eligible unit: short of 3
    Promotion.objects.filter(pk=offer.pk).update(active=False)
    assert quote(api_client, THREE)["rejected"] == []


def test_a_use_does_not_throw_the_cache_away_but_the_last_one_does(
    catalog: Catalog, django_assert_num_queries: Any
) -> None:
    from shop.catalog.version import catalog_token

    offer = any_three(usage_limit=3)
    catalog_offers()
    token = catalog_token()
    Promotion.objects.filter(pk=offer.pk).update(uses=1)  # what a checkout's use does
    assert catalog_token() == token
    with django_assert_num_queries(1):
        (cached,) = catalog_offers()
    assert cached.uses == 0  # stale, and harmless: checkout's guarded UPDATE decides


def test_the_shoppers_own_uses_count_against_a_per_customer_limit(catalog: Catalog) -> None:
    offer = any_three(per_customer_limit=1)
    Redemption.objects.create(
        promotion=offer, order=OrderFactory(), customer_email="ana@example.com"
    )
    offers = catalog_offers()
    (mine,) = offers_for_customer(offers, emails=["Ana@Example.com"])
    (theirs,) = offers_for_customer(offers, emails=["bo@example.com"])
    assert (mine.customer_uses, theirs.customer_uses) == (1, 0)
    assert offers_for_customer(offers, emails=[""]) == offers


def test_the_cart_api_shows_the_offer_and_the_hint(catalog: Catalog, api_client: APIClient) -> None:
    any_three()
    cart = new_cart(api_client, THREE[0], THREE[1])
    data = api_client.get(f"/api/carts/{cart}/").json()["breakdown"]
    assert [r["code"] for r in data["rejected"] if r["source"] == "offer"] == ["offer_not_reached"]
    api_client.post(f"/api/carts/{cart}/items/", THREE[2], format="json")
    data = api_client.get(f"/api/carts/{cart}/").json()["breakdown"]
    assert [a["amount"] for a in data["applied"] if a["source"] == "offer"] == ["6.50"]


def test_the_cart_page_shows_the_hint_then_the_offer_line(catalog: Catalog, client: Client) -> None:
    any_three()
    client.post("/cart/add/", {"product": "wash"})
    client.post("/cart/add/", {"product": "toner"})
    page = client.get("/cart/").content.decode()
    assert "Add 1 more item to get 10% off" in page
    assert 'data-code="offer_not_reached"' in page
    client.post("/cart/add/", {"product": "serum"})
    page = client.get("/cart/").content.decode()
    assert "<dt>Any 3 products: 10% off</dt>" in page
    assert "Add 1 more" not in page


def test_checkout_charges_the_offer_and_stores_it(catalog: Catalog, api_client: APIClient) -> None:
    offer = any_three(usage_limit=10)
    cart = new_cart(api_client, *THREE)
    response = check_out(api_client, cart)
    assert response.status_code == 201, response.content
    order = response.json()
    assert (order["discount_total"], order["total"]) == ("6.50", "58.50")
    offer.refresh_from_db()
    assert offer.uses == 1
    (use,) = Redemption.objects.all()
    assert (use.code, use.promotion, use.discount_amount) == (None, offer, Decimal("6.50"))
    assert use.customer_email == "ana@example.com"


def test_a_customer_who_had_a_once_per_customer_offer_checks_out_without_it(
    catalog: Catalog, api_client: APIClient
) -> None:
    offer = any_three(per_customer_limit=1)
    first = check_out(api_client, new_cart(api_client, *THREE))
    assert first.status_code == 201 and first.json()["discount_total"] == "6.50"
    # Checkout prices the offer as this shopper may still have it: charged at full price,
    # never refused again and again for an offer the cart would keep showing.
    second = check_out(api_client, new_cart(api_client, *THREE))
    assert second.status_code == 201, second.content
    assert second.json()["discount_total"] == "0.00"
    assert Redemption.objects.filter(promotion=offer).count() == 1


def test_the_builder_shows_the_offer_line_and_the_hint(catalog: Catalog, client: Client) -> None:
    any_three()  # a routine is one item of the cart: short of three
    PromotionFactory(name="Routine week: $5 off", kind="amount", value=5, automatic=True)
    Promotion.objects.filter(automatic=True).update(combinable=True)
    chosen = {"step-cleanse": "wash", "step-tone": "toner", "step-renew": "serum"}
    page = client.post("/kits/routines/basic/", chosen).content.decode()
    assert "<dt>Routine week: $5 off</dt>" in page
    assert "Add 2 more items to get 10% off" in page
    assert 'data-code="offer_not_reached"' in page
