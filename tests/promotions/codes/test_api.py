"""The staff promotions API: creating promotions with codes, generating codes (directly, or in
the background with a progress URL), listing and exporting them; bad input is a clear 400."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from promotions.codes.models import CODE_ALPHABET, CodeBatch, PromoCode, Promotion
from tests.factories import (
    KitFactory,
    ProductFactory,
    PromoCodeFactory,
    PromotionFactory,
    RoutineFactory,
    StepFactory,
)

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


def problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    data = response.json()
    assert data["code"] == code, data
    return data


def test_staff_create_a_promotion_with_scope_and_codes(staff_api: APIClient) -> None:
    ProductFactory(slug="wash")
    KitFactory(slug="seven")
    RoutineFactory(slug="three-steps")
    StepFactory(slug="tone", position=2)
    gift = ProductFactory(slug="serum-prep")
    body = {
        "name": "Spring",
        "kind": "gift",
        "value": "0",
        "gift": "serum-prep",
        "applies_to_bundles": False,
        "products": ["wash"],
        "kits": ["seven", "three-steps"],
        "steps": ["tone"],
        "starts_at": "2030-03-01T00:00:00Z",
        "ends_at": "2030-06-01T00:00:00Z",
        "usage_limit": 500,
        "per_customer_limit": 1,
        "min_subtotal": "40.00",
        "combinable": True,
        "codes": [" spring ", "Spring-Gift"],
    }
    response = staff_api.post("/api/promotions/", body, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    promotion = Promotion.objects.get(pk=data["id"])
    assert promotion.gift_product == gift
    assert data["codes"] == ["SPRING", "SPRING-GIFT"]
    assert data["kits"] == ["seven"] and data["routines"] == ["three-steps"]
    assert (data["min_subtotal"], data["value"], data["remaining"]) == ("40.00", "0.00", 500)
    assert set(PromoCode.objects.values_list("public", flat=True)) == {True}
    assert staff_api.get(f"/api/promotions/{promotion.pk}/").json() == data


def test_a_minimal_promotion_takes_the_defaults(staff_api: APIClient) -> None:
    body = {"name": "Ten", "kind": "percent", "value": 10, "applies_to_bundles": True}
    data = staff_api.post("/api/promotions/", body, format="json").json()
    assert data["codes"] == [] and data["combinable"] is False and data["active"] is True
    assert data["usage_limit"] is None and data["remaining"] is None


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"value": "-5"}, "value", "Ensure this value is greater than or equal to 0."),
        ({"value": "101"}, "value", "A percentage can be at most 100."),
        ({"value": "10.005"}, "value", "Ensure that there are no more than 2 decimal places."),
        ({"kind": "amount", "value": "0"}, "value", "Give the amount off: more than 0.00."),
        ({"kind": "bogo"}, "kind", '"bogo" is not a valid choice.'),
        ({"kind": "gift"}, "gift", "Choose the product a gift code gives."),
        ({"kind": "gift", "gift": "nothing"}, "gift", "No product is called 'nothing'."),
        ({"products": ["nothing"]}, "products", "No product is called 'nothing'."),
        ({"kits": ["nothing"]}, "kits", "No kit or routine is called 'nothing'."),
        ({"steps": ["nothing"]}, "steps", "No routine step is called 'nothing'."),
        (
            {"starts_at": "2030-05-02T00:00:00Z", "ends_at": "2030-05-01T00:00:00Z"},
            "ends_at",
            "The end must come after the start.",
        ),
        ({"usage_limit": 0}, "usage_limit", "Ensure this value is greater than or equal to 1."),
        (
            {"min_subtotal": "-1"},
            "min_subtotal",
            "Ensure this value is greater than or equal to 0.",
        ),
        ({"codes": [""]}, "codes.0", "Enter a code."),
        ({"codes": ["X" * 10_000]}, "codes.0", "A code has at most 64 characters."),
        ({"codes": ["PORЕS15"]}, "codes.0", "Use capital letters A-Z, digits"),
        ({"codes": ["'; DROP TABLE x; --"]}, "codes.0", "Use capital letters A-Z, digits"),
        ({"codes": ["abc", "ABC"]}, "codes.1", "ABC is in the list twice."),
        ({"codes": ["taken"]}, "codes.0", "TAKEN already exists."),
        ({"name": ""}, "name", "This field may not be blank."),
    ],
)
def test_bad_promotions_are_400_with_the_field_and_nothing_is_written(
    staff_api: APIClient, changes: dict[str, Any], field: str, message: str
) -> None:
    PromoCodeFactory(code="TAKEN")
    body = {"name": "Bad", "kind": "percent", "value": "10", "codes": ["GOODCODE"], **changes}
    data = problem(staff_api.post("/api/promotions/", body, format="json"), 400, "validation_error")
    assert any(message in m for m in data["errors"][field]), data["errors"]
    assert Promotion.objects.count() == 1  # only TAKEN's
    assert not PromoCode.objects.filter(code="GOODCODE").exists()


@pytest.mark.parametrize("body", [[], "x", {"name": "x"}, {"kind": "percent"}])
def test_malformed_bodies_are_400(staff_api: APIClient, body: Any) -> None:
    problem(staff_api.post("/api/promotions/", body, format="json"), 400, "validation_error")


def test_promotions_are_staff_only(api_client: APIClient, shopper_user: Any) -> None:
    body = {"name": "x", "kind": "percent", "value": "10"}
    problem(api_client.post("/api/promotions/", body, format="json"), 401, "not_authenticated")
    api_client.force_authenticate(shopper_user)
    problem(api_client.post("/api/promotions/", body, format="json"), 403, "permission_denied")
    promotion = PromotionFactory()
    for url in [
        f"/api/promotions/{promotion.pk}/",
        f"/api/promotions/{promotion.pk}/codes/",
        f"/api/promotions/{promotion.pk}/codes/export/",
    ]:
        assert api_client.get(url).status_code == 403, url


def test_up_to_a_thousand_codes_are_answered_directly(staff_api: APIClient) -> None:
    promotion = PromotionFactory()
    response = staff_api.post(
        f"/api/promotions/{promotion.pk}/codes/",
        {"count": 1000, "prefix": "vip-", "length": 8},
        format="json",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["count"], data["generated"], data["status"]) == (1000, 1000, "done")
    codes = data["codes"]
    assert len(codes) == len(set(codes)) == 1000
    assert all(c.startswith("VIP-") and set(c[4:]) <= set(CODE_ALPHABET) for c in codes)
    assert set(PromoCode.objects.filter(batch_id=data["batch"]).values_list("code", flat=True)) == (
        set(codes)
    )
    listed = staff_api.get(f"/api/promotions/{promotion.pk}/codes/?batch={data['batch']}").json()
    assert listed["count"] == 1000
    assert listed["results"][0] == {
        "code": codes[0],
        "public": False,
        "max_uses": 1,
        "uses": 0,
        "remaining": 1,
        "batch": data["batch"],
    }


@override_settings(PROMO_CODES_SYNC_MAX=100)
def test_larger_batches_answer_202_with_a_progress_url(
    staff_api: APIClient, django_capture_on_commit_callbacks: Any
) -> None:
    promotion = PromotionFactory()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = staff_api.post(
            f"/api/promotions/{promotion.pk}/codes/", {"count": 250}, format="json"
        )
    assert response.status_code == 202, response.content
    data = response.json()
    assert data["status"] == "pending" and "codes" not in data
    progress = staff_api.get(data["progress_url"]).json()
    assert (progress["status"], progress["generated"]) == ("pending", 0)
    for callback in callbacks:  # the worker picks the task up
        callback()
    progress = staff_api.get(data["progress_url"]).json()
    assert (progress["status"], progress["generated"], progress["count"]) == ("done", 250, 250)
    assert staff_api.get(progress["codes_url"]).json()["count"] == 250
    export = staff_api.get(progress["export_url"])
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert len(rows) == 251


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "count"),
        ({"count": 0}, "count"),
        ({"count": 100_001}, "count"),
        ({"count": "ten"}, "count"),
        ({"count": 1.5}, "count"),
        ({"count": 5, "length": 4}, "length"),
        ({"count": 5, "length": "10"}, "length"),
        ({"count": 5, "prefix": "SPRÏNG"}, "prefix"),
        ({"count": 5, "prefix": 7}, "prefix"),
        ({"count": 5, "max_uses": 0}, "max_uses"),
        ({"count": 5, "colour": "red"}, "colour"),
    ],
)
def test_bad_code_requests_are_400(staff_api: APIClient, body: dict[str, Any], field: str) -> None:
    promotion = PromotionFactory()
    response = staff_api.post(f"/api/promotions/{promotion.pk}/codes/", body, format="json")
    data = problem(response, 400, "validation_error")
    assert field in data["errors"], data
    assert not CodeBatch.objects.exists() and not PromoCode.objects.exists()


def test_codes_for_a_missing_promotion_are_404(staff_api: APIClient) -> None:
    problem(
        staff_api.post("/api/promotions/999/codes/", {"count": 1}, format="json"), 404, "not_found"
    )
    problem(staff_api.get("/api/promotions/999/"), 404, "not_found")
    problem(staff_api.get("/api/promotions/abc/"), 404, "not_found")
    problem(staff_api.get("/api/promotions/1/batches/999/"), 404, "not_found")


def test_the_csv_export_lists_codes_and_their_use(staff_api: APIClient) -> None:
    promotion = PromotionFactory(name="+SUM(A1)")
    PromoCodeFactory(code="PORES15", promotion=promotion, uses=3)
    PromoCodeFactory(code="ONCE1234", promotion=promotion, max_uses=1, uses=1, public=False)
    for accept in ["text/csv", "*/*"]:
        response = staff_api.get(
            f"/api/promotions/{promotion.pk}/codes/export/", HTTP_ACCEPT=accept
        )
        assert response.status_code == 200
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert "attachment" in response["Content-Disposition"]
        rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
        assert [r[:6] for r in rows] == [
            ["code", "promotion", "public", "max_uses", "uses", "remaining"],
            ["PORES15", "'+SUM(A1)", "yes", "", "3", ""],
            ["ONCE1234", "'+SUM(A1)", "no", "1", "1", "0"],
        ]
    problem(
        staff_api.get(f"/api/promotions/{promotion.pk}/codes/export/?batch=x"),
        400,
        "validation_error",
    )


def test_staff_list_promotions(staff_api: APIClient) -> None:
    PromotionFactory(name="One", value=Decimal("5"))
    PromotionFactory(name="Two")
    data = staff_api.get("/api/promotions/").json()
    assert data["count"] == 2 and [p["name"] for p in data["results"]] == ["Two", "One"]
