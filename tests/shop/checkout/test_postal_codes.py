"""Postal codes by country at checkout: US ZIP (or ZIP+4), Canadian "A1A 1A1", UK postcodes and
Australian 4-digit postcodes are checked and written as the post writes them; other countries'
codes are taken as typed. The form refuses a wrong one next to the field; the API, whose
contract takes any 3 to 20 letters, digits, spaces or dashes, only normalises."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from config.errors import InvalidInput
from shop.checkout import addresses
from shop.checkout.models import Order
from tests.shop.checkout.test_storefront import FORM, add, field_errors
from tests.shop.checkout_helpers import (
    ROUTINE_ITEM,
    Catalog,
    check_out,
    checkout_body,
    new_cart,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("country", "typed", "written"),
    [
        ("US", "97201", "97201"),
        ("us", " 97201-1234 ", "97201-1234"),
        ("CA", "h2x1y4", "H2X 1Y4"),
        ("CA", "K1A  0B1", "K1A 0B1"),
        ("GB", "sw1a1aa", "SW1A 1AA"),
        ("GB", "M1 1AE", "M1 1AE"),
        ("GB", "cf101aa", "CF10 1AA"),
        ("AU", "0800", "0800"),
        ("AU", " 2000", "2000"),
        ("DE", "10115", "10115"),
        ("PT", "1000-001", "1000-001"),
        ("NL", "1012 ab", "1012 AB"),
        ("IE", "d02  x285", "D02 X285"),
    ],
)
def test_a_postal_code_is_written_as_its_countrys_post_writes_it(
    country: str, typed: str, written: str
) -> None:
    assert addresses.postal_code_clean(country, typed) == written


@pytest.mark.parametrize(
    ("country", "typed"),
    [
        ("US", "9720"),
        ("US", "97201-12"),
        ("US", "K1A 0B1"),
        ("CA", "97201"),
        ("CA", "D1A 0B1"),  # D is never used in Canadian postal codes
        ("GB", "97201"),
        ("GB", "SW1A"),
        ("AU", "200"),
        ("AU", "20000"),
    ],
)
def test_a_code_that_is_not_the_countrys_is_refused_with_its_format(
    country: str, typed: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        addresses.postal_code_clean(country, typed)
    message = addresses.POSTAL_CODE_MESSAGES[country.upper()]
    assert refused.value.errors == {"postal_code": [message]}
    # The API's lenient reading keeps it as typed (upper case, single spaces).
    assert addresses.postal_code_clean(country, typed, strict=False) == typed.upper()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"postal_code": "9720"}, "12345 or 12345-6789"),
        ({"country": "CA", "region": "CA-QC", "postal_code": "97201"}, "K1A 0B1"),
        ({"country": "GB", "region": "GB-ENG", "postal_code": "12345"}, "SW1A 1AA"),
        ({"country": "AU", "region": "AU-NSW", "postal_code": "20000"}, "4 digits"),
    ],
)
def test_the_checkout_form_shows_the_countrys_format_next_to_the_postal_code(
    catalog: Catalog, client: Client, changes: dict[str, str], message: str
) -> None:
    add(client, kit="duo")
    response = client.post("/checkout/", {**FORM, **changes})
    assert response.status_code == 400
    errors = field_errors(response.content.decode())
    assert list(errors) == ["id_postal_code"] and message in errors["id_postal_code"]
    assert not Order.objects.exists()


def test_the_checkout_form_stores_the_normalised_code(catalog: Catalog, client: Client) -> None:
    add(client, kit="duo")
    changes = {"country": "CA", "region": "CA-QC", "postal_code": "h2x1y4", "city": "Montreal"}
    response = client.post("/checkout/", {**FORM, **changes})
    assert response.status_code == 302, field_errors(response.content.decode())
    assert Order.objects.get().postal_code == "H2X 1Y4"


def test_the_api_normalises_a_known_format_and_keeps_the_contracts_leniency(
    catalog: Catalog,
) -> None:
    client = APIClient()
    for typed, stored in [("sw1a1aa", "SW1A 1AA"), ("12345", "12345")]:
        cart = new_cart(client, ROUTINE_ITEM)
        address = {"line1": "1 High St", "city": "London", "postal_code": typed, "country": "GB"}
        response = check_out(client, cart, checkout_body(address=address))
        assert response.status_code == 201, response.content
        assert response.json()["address"]["postal_code"] == stored
