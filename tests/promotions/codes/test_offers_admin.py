"""Automatic offers in the admin: the "Automatic offer" fieldset, the type filter, no code
inlines (and no codes) for offers, and the simulator saying what every offer did (issue 18)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from promotions.codes.models import CodeBatch, PromoCode, Promotion
from shop.catalog.offers import catalog_offers_forget
from tests.factories import PromoCodeFactory, PromotionFactory
from tests.shop.checkout_helpers import make_catalog

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(staff_user: Any) -> Client:
    client = Client()
    client.force_login(staff_user)
    return client


def offer_form(**overrides: Any) -> dict[str, Any]:
    data = {
        "name": "Any 3 products: 10% off",
        "active": "on",
        "kind": "percent",
        "value": "10",
        "applies_to_bundles": "on",
        "automatic": "on",
        "min_items": "3",
        "priority": "0",
        "codes-TOTAL_FORMS": "1",
        "codes-INITIAL_FORMS": "0",
        "codes-MIN_NUM_FORMS": "0",
        "codes-MAX_NUM_FORMS": "1000",
        "codes-0-code": "",
        "codes-0-max_uses": "",
        "codes-0-public": "on",
    }
    data.update(overrides)
    return data


def test_an_offer_is_added_in_the_admin_and_has_no_code_inlines(admin_client: Client) -> None:
    add = admin_client.get(reverse("admin:promotions_promotion_add")).content.decode()
    assert "Automatic offer (applies by itself, without a code)" in add
    assert 'name="min_items"' in add and 'name="buy_quantity"' in add
    response = admin_client.post(reverse("admin:promotions_promotion_add"), offer_form())
    assert response.status_code == 302, response.content.decode()[:3000]
    offer = Promotion.objects.get()
    assert (offer.automatic, offer.min_items, offer.codes.count()) == (True, 3, 0)
    page = admin_client.get(reverse("admin:promotions_promotion_change", args=[offer.pk]))
    html = page.content.decode()
    assert "codes-TOTAL_FORMS" not in html and "Automatic offer: no codes" in html


def test_an_offer_with_a_code_typed_in_is_refused_next_to_the_codes(admin_client: Client) -> None:
    response = admin_client.post(
        reverse("admin:promotions_promotion_add"), offer_form(**{"codes-0-code": "auto10"})
    )
    assert response.status_code == 200
    assert "An automatic offer applies by itself: it has no codes." in response.content.decode()
    assert not Promotion.objects.exists() and not PromoCode.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"kind": "buy_x_get_y", "buy_quantity": "2"}, "Give how many units are free"),
        ({"automatic": "", "min_items": "3"}, "Only automatic offers take a minimum"),
        ({"buy_quantity": "2"}, "Only buy X get Y offers take a buy quantity."),
    ],
)
def test_bad_offers_are_refused_next_to_the_field(
    admin_client: Client, overrides: dict[str, str], message: str
) -> None:
    response = admin_client.post(reverse("admin:promotions_promotion_add"), offer_form(**overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Promotion.objects.exists()


def test_the_list_filters_offers_from_code_promotions(admin_client: Client) -> None:
    PromotionFactory(name="Offer A", automatic=True)
    PromoCodeFactory(promotion=PromotionFactory(name="Coded B"))
    url = reverse("admin:promotions_promotion_changelist")
    offers = admin_client.get(url, {"type": "automatic"}).content.decode()
    coded = admin_client.get(url, {"type": "code"}).content.decode()
    assert "Offer A" in offers and "Coded B" not in offers
    assert "Coded B" in coded and "Offer A" not in coded


def test_generating_codes_for_an_offer_is_refused_with_a_message(admin_client: Client) -> None:
    offer = PromotionFactory(automatic=True)
    url = reverse("admin:promotions_promotion_generate", args=[offer.pk])
    response = admin_client.post(url, {"count": "5", "code_prefix": "", "length": "10"})
    assert response.status_code == 302
    page = admin_client.get(response["Location"]).content.decode()
    assert "An automatic offer applies by itself: it has no codes." in page
    assert not CodeBatch.objects.exists() and not PromoCode.objects.exists()


def simulate(client: Client, url: str, **params: str) -> str:
    response = client.get(url, {"simulate": "1", **params})
    assert response.status_code == 200
    return response.content.decode()


def test_the_simulator_shows_offers_applied_not_reached_and_out_of_play(
    admin_client: Client,
) -> None:
    catalog = make_catalog()
    catalog_offers_forget()
    three = PromotionFactory(name="Any 3 products: 10% off", automatic=True, min_items=3)
    PromotionFactory(name="Two or more: $5 off", kind="amount", value=5, automatic=True)
    Promotion.objects.filter(name="Two or more: $5 off").update(min_items=2, combinable=True)
    three.combinable = True
    three.save()
    PromotionFactory(name="Sleeping offer", automatic=True, active=False)
    url = reverse("admin:promotions_promotion_simulate")
    params = {"product_1": str(catalog.wash.pk), "product_1_quantity": "2"}
    page = simulate(admin_client, url, **params)
    assert "Automatic offers" in page
    assert "Two or more: $5 off</a></td><td>applied</td><td>Took $5.00 off." in page
    assert "Any 3 products: 10% off</a></td><td>not applied</td><td>Add 1 more item" in page
    assert "Sleeping offer</a></td><td>not in effect</td><td>Inactive." in page


def test_the_simulator_previews_an_offer_before_launch(admin_client: Client) -> None:
    catalog = make_catalog()
    launch = timezone.now() + timedelta(days=7)
    offer = PromotionFactory(
        name="Launch: $20 off", kind="amount", value=Decimal("20"), automatic=True, active=False
    )
    Promotion.objects.filter(pk=offer.pk).update(starts_at=launch)
    url = reverse("admin:promotions_promotion_simulate_one", args=[offer.pk])
    at = timezone.localtime(launch + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    params = {"product_1": str(catalog.serum.pk), "at": at}
    page = simulate(admin_client, url, treat_as_active="on", **params)
    assert "Launch: $20 off</a></td><td>applied</td><td>Took $20.00 off." in page
    assert "PREVIEW" not in page  # an offer is not previewed as a code
    page = simulate(admin_client, url, **params)
    assert "Launch: $20 off</a></td><td>not in effect</td><td>Inactive." in page
