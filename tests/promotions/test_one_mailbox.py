"""One mailbox is one person everywhere: a quoted local part that needs no quotes is the same
address unquoted (`"jane.doe"@gmail.com` is janedoe@gmail.com, `"bob"@example.com` is
bob@example.com) for per-customer code limits, giveaway entries and reminders."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from rest_framework.test import APIClient

from promotions.codes.models import Promotion
from promotions.giveaways.models import Entry
from promotions.messaging.identity import normalize_email
from promotions.reminders.models import Subscription
from shop.checkout.models import Order
from tests.factories import GiveawayFactory, PromoCodeFactory, PromotionFactory
from tests.shop.checkout_helpers import (
    Catalog,
    check_out,
    checkout_body,
    make_catalog,
    new_cart,
    problem,
)

pytestmark = pytest.mark.django_db

PAIRS = [
    ("janedoe@gmail.com", '"jane.doe"@gmail.com'),
    ("bob@example.com", '"bob"@example.com'),
    ("bob@example.com", '"B\\ob"@Example.com'),  # a quoted pair is the character itself
]


@pytest.mark.parametrize(("plain", "quoted"), PAIRS)
def test_a_quoted_local_part_is_the_address_unquoted(plain: str, quoted: str) -> None:
    assert normalize_email(quoted) == normalize_email(plain)


def test_a_local_part_that_needs_its_quotes_stays_its_own_mailbox() -> None:
    assert normalize_email('"Jane Doe"@Example.com') == '"jane doe"@example.com'
    assert normalize_email('"jane doe"@example.com') != normalize_email("janedoe@example.com")
    # One spelling, however it was escaped.
    assert normalize_email('"a\\ b"@x.com') == normalize_email('"a b"@x.com') == '"a b"@x.com'


@pytest.fixture
def catalog(db: Any) -> Catalog:
    return make_catalog()


@pytest.mark.parametrize(("plain", "quoted"), PAIRS)
def test_the_per_customer_code_limit_sees_through_quotes(
    catalog: Catalog, plain: str, quoted: str
) -> None:
    promotion = PromotionFactory(name="Once", value=Decimal("15"), per_customer_limit=1)
    PromoCodeFactory(code="ONCE15", promotion=promotion)
    client = APIClient()
    for email, status in [(plain, 201), (quoted, 409)]:
        cart = new_cart(client, {"product": "serum", "quantity": 2})
        applied = client.post(f"/api/carts/{cart}/promo/", {"code": "ONCE15"}, format="json")
        assert applied.status_code == 200, applied.content
        response = check_out(client, cart, checkout_body(email=email))
        if status == 409:
            problem(response, 409, "promo_customer_limit")
        else:
            assert response.status_code == 201, response.content
    assert Order.objects.count() == 1
    assert Promotion.objects.get(pk=promotion.pk).uses == 1


@pytest.mark.parametrize(("plain", "quoted"), PAIRS)
def test_a_giveaway_takes_one_entry_per_mailbox(
    api_client: APIClient, plain: str, quoted: str
) -> None:
    giveaway = GiveawayFactory()
    url = f"/api/giveaways/{giveaway.slug}/entries/"
    body = {"name": "Jane Doe", "comment": "Oily skin and big pores: I would love the routine."}
    assert api_client.post(url, {**body, "email": plain}, format="json").status_code == 202
    response = api_client.post(url, {**body, "email": quoted}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "already_entered"
    assert Entry.objects.count() == 1


def test_reminders_know_the_quoted_address_as_the_same_person(api_client: APIClient) -> None:
    for email in ["bob@example.com", '"bob"@example.com']:
        body = {"email": email, "kind": "routine_evening"}
        assert api_client.post("/api/reminders/", body, format="json").status_code == 202
    assert set(Subscription.objects.values_list("email_normalized", flat=True)) == {
        "bob@example.com"
    }
