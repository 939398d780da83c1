"""Addresses by country at checkout: the country list, regions required and checked where the
country has them, the phone rule, the field order per country, the test gateway's card form,
and full country and region names on the order's pages, email and admin."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from shop.checkout import addresses
from shop.checkout.forms import luhn_valid
from shop.checkout.models import Order
from tests.shop.checkout.test_storefront import FORM, add, field_errors, text
from tests.shop.checkout_helpers import (
    Catalog,
    check_out,
    checkout_body,
    confirmation_sent,
    new_cart,
    problem,
)

pytestmark = pytest.mark.django_db


def post(client: Client, **changes: str) -> Any:
    add(client, kit="duo")
    return client.post("/checkout/", {**FORM, **changes})


def test_the_form_offers_countries_by_name_and_regions_grouped_by_country(
    catalog: Catalog, client: Client
) -> None:
    add(client, kit="duo")
    page = client.get("/checkout/").content.decode()
    assert '<option value="DE">Germany</option>' in page
    assert '<option value="US" selected>United States of America</option>' in page
    assert '<optgroup label="Canada">' in page and '<option value="CA-QC">Quebec</option>' in page
    assert '<option value="GB-SCT">Scotland</option>' in page
    assert '<option value="AU-VIC">Victoria</option>' in page


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"region": ""}, "id_region", "Choose a state."),
        ({"region": "CA-ON"}, "id_region", "Choose a state of United States of America"),
        ({"region": "US-XX"}, "id_region", "Choose a state of United States of America"),
        (
            {"country": "CA", "region": "US-OR", "postal_code": "H2X 1Y4"},
            "id_region",
            "Choose a province of Canada",
        ),
        ({"country": "GB", "region": "", "postal_code": "M1 1AE"}, "id_region", "Choose a nation."),
        (
            {"country": "AU", "region": "", "postal_code": "2000"},
            "id_region",
            "Choose a state or territory.",
        ),
        ({"country": "ZZ"}, "id_country", "two-letter country code"),
        ({"phone": "call me maybe"}, "id_phone", addresses.PHONE_MESSAGE),
        ({"phone": "+1 (5)"}, "id_phone", addresses.PHONE_MESSAGE),
    ],
)
def test_the_form_refuses_an_address_its_country_would_not_take(
    catalog: Catalog, client: Client, changes: dict[str, str], field: str, message: str
) -> None:
    response = post(client, **changes)
    assert response.status_code == 400
    errors = field_errors(response.content.decode())
    assert list(errors) == [field] and message in errors[field]
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    ("changes", "region", "phone"),
    [
        ({"phone": " +1 (503)  555-0100 "}, "OR", "+1 (503) 555-0100"),
        ({"country": "gb", "region": "GB-WLS", "postal_code": "CF10 1AA"}, "WLS", ""),
        ({"country": "AU", "region": "AU-WA", "postal_code": "6000"}, "WA", ""),
        # A country without a list: a region chosen from another country's is dropped.
        ({"country": "DE", "region": "US-OR", "postal_code": "10115"}, "", ""),
    ],
)
def test_the_form_takes_each_countrys_address(
    catalog: Catalog, client: Client, changes: dict[str, str], region: str, phone: str
) -> None:
    response = post(client, **changes)
    assert response.status_code == 302, field_errors(response.content.decode())
    order = Order.objects.get()
    assert (order.region, order.phone) == (region, phone)
    assert order.country == changes.get("country", "US").upper()


def test_without_javascript_the_fields_come_in_the_countrys_order(
    catalog: Catalog, client: Client
) -> None:
    """The page as served (and served again with errors) puts the postal code before the
    city for Germany and after it for the United States."""

    def order_of(page: str) -> list[str]:
        names = ["id_city", "id_region", "id_postal_code"]
        return sorted(names, key=lambda name: page.index(f'for="{name}"'))

    add(client, kit="duo")
    assert order_of(client.get("/checkout/").content.decode()) == [
        "id_city",
        "id_region",
        "id_postal_code",
    ]
    refused = client.post("/checkout/", {**FORM, "country": "DE", "name": ""})
    assert order_of(refused.content.decode())[0] == "id_postal_code"
    assert addresses.layout("fr") == addresses.POSTAL_FIRST


@pytest.mark.parametrize(
    ("number", "status", "field", "message"),
    [
        ("4000 0000 0000 0002", 402, "id_card_number", "Your card was declined."),
        ("4111 1111 1111 1111", 402, "id_card_number", "declines this card: use 4242"),
        ("4242 4242 4242 4241", 400, "id_card_number", "12 to 19 digits"),
        ("", 400, "id_card_number", "12 to 19 digits"),
    ],
)
def test_the_test_gateways_card_form_maps_numbers_to_tokens(
    catalog: Catalog, client: Client, number: str, status: int, field: str, message: str
) -> None:
    response = post(client, card_number=number)
    assert response.status_code == status
    errors = field_errors(response.content.decode())
    assert list(errors) == [field] and message in errors[field]
    assert not Order.objects.exists()


def test_the_card_form_checks_expiry_and_cvc_and_documents_the_test_cards(
    catalog: Catalog, client: Client
) -> None:
    add(client, kit="duo")
    assert "4242 4242 4242 4242 is approved" in text(client.get("/checkout/").content.decode())
    response = client.post("/checkout/", {**FORM, "card_expiry": "01/20", "card_cvc": "12a"})
    errors = field_errors(response.content.decode())
    assert errors == {
        "id_card_expiry": "This card has expired.",
        "id_card_cvc": "Enter the 3 or 4 digit security code from the back of the card.",
    }
    assert client.post("/checkout/", {**FORM, "card_expiry": "13/40"}).status_code == 400
    assert client.post("/checkout/", {**FORM, "card_expiry": "1/2040"}).status_code == 400
    assert luhn_valid("4242424242424242") and not luhn_valid("4242424242424243")


def test_country_and_region_names_show_on_the_order_pages_email_and_admin(
    catalog: Catalog, client: Client, admin_client: Client
) -> None:
    response = post(client, phone="+1 503 555 0100")
    confirmation = text(client.get(response["Location"]).content.decode())
    order = Order.objects.get()
    assert (
        "Shipping to Ana Lima 12 Rose Street Portland, Oregon 97201 United States" in confirmation
    )
    page = text(client.get(f"/orders/{order.number}/?token={order.access_token}").content.decode())
    assert "Portland, Oregon 97201 United States of America" in page
    email = confirmation_sent()
    assert "Portland, Oregon 97201\nUnited States of America" in email.body_text
    assert "United States of America" in email.body_html
    admin = text(admin_client.get(f"/admin/shop/order/{order.pk}/change/").content.decode())
    assert "Oregon" in admin and "United States of America" in admin
    assert "+1 503 555 0100" in admin


def test_a_german_address_prints_the_postal_code_first() -> None:
    lines = addresses.address_lines(
        name="Jan", line1="Hauptstr. 1", city="Berlin", region="", postal_code="10115",
        country="DE",
    )  # fmt: skip
    assert lines == ["Jan", "Hauptstr. 1", "10115 Berlin", "Germany"]


def test_the_api_takes_an_optional_region_and_phone(
    catalog: Catalog, api_client: APIClient
) -> None:
    address = {**checkout_body()["address"], "region": "oregon", "phone": "+1 503-555-0100"}
    response = check_out(
        api_client, new_cart(api_client, {"kit": "duo"}), checkout_body(address=address)
    )
    assert response.status_code == 201, response.content
    assert response.json()["address"] == {
        "line1": "12 Rose Street",
        "city": "Portland",
        "postal_code": "97201",
        "region": "OR",
        "country": "US",
        "phone": "+1 503-555-0100",
    }
    # Left out, as before: no region, no phone.
    plain = check_out(api_client, new_cart(api_client, {"kit": "duo"}))
    assert plain.status_code == 201 and plain.json()["address"]["region"] == ""


@pytest.mark.parametrize(
    ("address", "field"),
    [
        ({"region": "ON"}, "address.region"),
        ({"country": "ca", "region": "WA"}, "address.region"),
        ({"phone": "ring ring"}, "address.phone"),
        ({"country": "USA"}, "address.country"),
        ({"country": "XX"}, "address.country"),
        ({"country": "United States"}, "address.country"),
    ],
)
def test_the_api_refuses_a_region_phone_or_country_it_does_not_know(
    catalog: Catalog, api_client: APIClient, address: dict[str, str], field: str
) -> None:
    body = checkout_body(address={**checkout_body()["address"], **address})
    response = check_out(api_client, new_cart(api_client, {"kit": "duo"}), body)
    errors = problem(response, 400, "validation_error")["errors"]
    assert list(errors) == [field]
    assert not Order.objects.exists()
