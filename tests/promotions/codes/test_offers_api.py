"""The staff promotions API for automatic offers (issue 18): `automatic`, `min_items`, kind
`buy_x_get_y` with `buy` and `get`, `priority`; bad combinations are a 400 naming the field, and
an automatic offer never gets a code."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from rest_framework.test import APIClient

from promotions.codes.generation import code_batch_create, promo_codes_generate
from promotions.codes.models import PromoCode, Promotion
from tests.factories import PromotionFactory

pytestmark = pytest.mark.django_db


def problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    data = response.json()
    assert data["code"] == code, data
    return data


def test_staff_create_an_automatic_offer_and_read_it_back(staff_api: APIClient) -> None:
    body = {
        "name": "Any 3 products: 10% off",
        "kind": "percent",
        "value": "10",
        "automatic": True,
        "min_items": 3,
        "priority": 5,
        "usage_limit": 100,
    }
    response = staff_api.post("/api/promotions/", body, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["automatic"], data["min_items"], data["priority"]) == (True, 3, 5)
    assert (data["buy"], data["get"], data["codes"], data["code_count"]) == (None, None, [], 0)
    assert staff_api.get(f"/api/promotions/{data['id']}/").json() == data
    listed = staff_api.get("/api/promotions/").json()["results"]
    assert [p["automatic"] for p in listed] == [True]


def test_staff_create_a_buy_x_get_y_offer(staff_api: APIClient) -> None:
    body = {"name": "Buy 2 get 1", "kind": "buy_x_get_y", "automatic": True, "buy": 2, "get": 1}
    data = staff_api.post("/api/promotions/", body, format="json").json()
    promotion = Promotion.objects.get(pk=data["id"])
    assert (promotion.kind, promotion.buy_quantity, promotion.get_quantity) == ("buy_x_get_y", 2, 1)
    assert (data["kind"], data["buy"], data["get"], data["value"]) == ("buy_x_get_y", 2, 1, "0.00")


def test_code_promotions_keep_their_defaults(staff_api: APIClient) -> None:
    body = {"name": "Ten", "kind": "percent", "value": 10}
    data = staff_api.post("/api/promotions/", body, format="json").json()
    assert (data["automatic"], data["min_items"], data["priority"]) == (False, None, 0)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"codes": ["AUTO10"]}, "codes", "An automatic offer applies by itself: it has no codes."),
        ({"kind": "buy_x_get_y", "get": 1}, "buy", "Give how many units are bought"),
        ({"kind": "buy_x_get_y", "buy": 2}, "get", "Give how many units are free"),
        ({"kind": "buy_x_get_y", "buy": 0, "get": 1}, "buy", "greater than or equal to 1"),
        ({"kind": "buy_x_get_y", "buy": 2, "get": 1, "automatic": False}, "automatic", "only"),
        ({"buy": 2}, "buy", "Only buy X get Y offers take a buy quantity."),
        ({"get": 1}, "get", "Only buy X get Y offers take a get quantity."),
        ({"min_items": 0}, "min_items", "greater than or equal to 1"),
        ({"min_items": 3, "automatic": False}, "min_items", "Only automatic offers take"),
        ({"min_items": "three"}, "min_items", "A valid integer is required."),
        ({"automatic": "maybe"}, "automatic", "Must be a valid boolean."),
        ({"priority": 5000}, "priority", "less than or equal to 1000"),
        ({"kind": "buy_x_get_y", "buy": 10_000, "get": 1}, "buy", "less than or equal to 1000"),
    ],
)
def test_bad_offers_are_400_with_the_field_and_nothing_is_written(
    staff_api: APIClient, changes: dict[str, Any], field: str, message: str
) -> None:
    body = {"name": "Bad", "kind": "percent", "value": "10", "automatic": True, **changes}
    data = problem(staff_api.post("/api/promotions/", body, format="json"), 400, "validation_error")
    assert any(message in m for m in data["errors"][field]), data["errors"]
    assert not Promotion.objects.exists() and not PromoCode.objects.exists()


def test_an_automatic_offer_gets_no_codes_from_any_path(staff_api: APIClient) -> None:
    offer = PromotionFactory(automatic=True, min_items=3)
    response = staff_api.post(f"/api/promotions/{offer.pk}/codes/", {"count": 5}, format="json")
    assert "promotion" in problem(response, 400, "validation_error")["errors"]
    with pytest.raises(ValidationError):
        promo_codes_generate(promotion=offer, count=2)
    with pytest.raises(ValidationError):
        code_batch_create(promotion=offer, count=2)
    with pytest.raises(ValidationError) as raised:
        PromoCode(code="SNEAKY", promotion=offer).full_clean()
    assert "promotion" in raised.value.message_dict
    assert not PromoCode.objects.exists()


@pytest.mark.parametrize(
    "fields",
    [
        {"kind": "buy_x_get_y", "value": 0, "automatic": True, "buy_quantity": 2},
        {"kind": "buy_x_get_y", "value": 0, "buy_quantity": 2, "get_quantity": 1},
        {"kind": "percent", "automatic": True, "get_quantity": 1},
        {"kind": "percent", "min_items": 3},
        {"kind": "percent", "automatic": True, "min_items": 0},
    ],
)
def test_the_database_refuses_what_the_checks_refuse(fields: dict[str, Any]) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Promotion.objects.create(**{"name": "x", "value": 10, **fields})
