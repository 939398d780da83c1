"""Catalog API: steps, products (filters, search, pagination), staff writes, tokens."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from shop.catalog.models import Product
from tests.factories import ConcernFactory, IngredientFactory, ProductFactory, StepFactory

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def assert_problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["code"] == code
    assert body["status"] == status
    assert {"type", "title", "detail"} <= set(body)
    return body


def test_steps_in_routine_order(demo: None, api_client: APIClient) -> None:
    response = api_client.get("/api/steps/")
    assert response.status_code == 200
    body = response.json()
    assert [s["slug"] for s in body] == [
        "cleanse",
        "tone",
        "renew",
        "prime",
        "foundation",
        "powder",
        "extra",
    ]
    assert body[0] == {
        "slug": "cleanse",
        "name": "Cleanse",
        "position": 1,
        "optional": False,
        "summary": body[0]["summary"],
    }
    assert body[3]["optional"] is True


def test_product_has_the_contract_fields(demo: None, api_client: APIClient) -> None:
    body = api_client.get("/api/products/face-firming-toner/").json()
    assert {
        "slug",
        "sku",
        "name",
        "step",
        "description",
        "price",
        "stock",
        "available",
        "ingredients",
        "concerns",
        "days_of_use",
        "currency",
    } <= set(body)
    assert body["step"] == "tone"
    assert body["price"] == "24.00"
    assert body["currency"] == "USD"
    assert body["available"] is True
    assert {"slug": "salicylic-acid", "name": "Salicylic acid"} in body["ingredients"]
    assert "enlarged-pores" in body["concerns"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("step=tone", {"face-firming-toner", "skin-clear-toner"}),
        ("ingredient=salicylic-acid", {"face-firming-toner", "skin-clear-toner"}),
        ("concern=puffiness", {"high-potency-eye-treatment"}),
        ("q=citrus", {"citrus-facial-wash"}),
        ("q=ren-pore", {"enlarged-pore-treatment"}),
        ("q=alpha lipoic", {"face-firming-toner", "advanced-face-firming"}),
        ("step=renew&concern=acne", {"ceramic-skin-smoother"}),
        ("q=nothing-like-this", set()),
    ],
)
def test_product_filters(demo: None, api_client: APIClient, query: str, expected: set[str]) -> None:
    body = api_client.get(f"/api/products/?{query}&page_size=100").json()
    assert {p["slug"] for p in body["results"]} == expected
    assert body["count"] == len(expected)


def test_products_paginate(demo: None, api_client: APIClient) -> None:
    first = api_client.get("/api/products/?page_size=5").json()
    assert first["count"] == 12
    assert len(first["results"]) == 5
    assert first["previous"] is None and "page=2" in first["next"]
    last = api_client.get("/api/products/?page_size=5&page=3").json()
    assert len(last["results"]) == 2 and last["next"] is None


def test_inactive_products_are_hidden_from_shoppers_not_staff(
    api_client: APIClient, staff_api: APIClient
) -> None:
    ProductFactory(slug="hidden", active=False)
    assert api_client.get("/api/products/").json()["count"] == 0
    assert_problem(api_client.get("/api/products/hidden/"), 404, "not_found")
    assert staff_api.get("/api/products/hidden/").status_code == 200


BAD_REQUESTS = [
    ("get", "/api/products/?step=nope", None, 400, "invalid_filter"),
    ("get", "/api/products/?concern=nope", None, 400, "invalid_filter"),
    ("get", "/api/products/?ingredient=%27%20OR%201=1", None, 400, "invalid_filter"),
    ("get", "/api/products/?q=" + "x" * 500, None, 400, "invalid_filter"),
    ("get", "/api/products/?page=abc", None, 400, "invalid_page"),
    ("get", "/api/products/?page=-1", None, 400, "invalid_page"),
    ("get", "/api/products/?page=0", None, 400, "invalid_page"),
    ("get", "/api/products/?page=99999", None, 404, "page_not_found"),
    ("get", "/api/products/?page=99999999999999999999", None, 400, "invalid_page"),
    ("get", "/api/products/?page_size=1000", None, 400, "invalid_page_size"),
    ("get", "/api/products/?page_size=-5", None, 400, "invalid_page_size"),
    ("get", "/api/products/no-such-product/", None, 404, "not_found"),
    ("get", "/api/no-such-endpoint/", None, 404, "not_found"),
    ("delete", "/api/steps/", None, 405, "method_not_allowed"),
]


@pytest.mark.parametrize(("method", "url", "body", "status", "code"), BAD_REQUESTS)
def test_bad_requests_get_problem_json(
    demo: None, staff_api: APIClient, method: str, url: str, body: Any, status: int, code: str
) -> None:
    assert_problem(getattr(staff_api, method)(url, body), status, code)


def _new_product(**overrides: Any) -> dict[str, Any]:
    body = {
        "name": "Night Renewal Serum",
        "slug": "night-renewal-serum",
        "sku": "REN-NIGHT",
        "step": "renew",
        "price": "41.50",
        "stock": 12,
        "days_of_use": 45,
        "ingredients": ["retinol", "niacinamide"],
        "concerns": ["fine-lines"],
        "description": "Works while you sleep.",
    }
    body.update(overrides)
    return body


def test_staff_creates_and_updates_a_product(demo: None, staff_api: APIClient) -> None:
    response = staff_api.post("/api/products/", _new_product(), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["price"] == "41.50"
    assert [i["slug"] for i in body["ingredients"]] == ["retinol", "niacinamide"]
    response = staff_api.patch(
        "/api/products/night-renewal-serum/", {"stock": 0, "price": "39.00"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["available"] is False
    product = Product.objects.get(slug="night-renewal-serum")
    assert product.price_amount == Decimal("39.00")
    assert product.product_ingredients.count() == 2  # untouched by a partial update


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"price": "-1.00"}, "price"),
        ({"price": 12.345}, "price"),
        ({"price": "1e400"}, "price"),
        ({"stock": -1}, "stock"),
        ({"stock": 10**12}, "stock"),
        ({"step": "nope"}, "step"),
        ({"slug": "has spaces"}, "slug"),
        ({"sku": "citrus-facial-wash", "slug": "citrus-facial-wash"}, "slug"),
        ({"sku": "CLN-CITRUS"}, "sku"),
        ({"ingredients": ["unicorn-dust"]}, "ingredients"),
        ({"ingredients": "retinol"}, "ingredients"),
        ({"days_of_use": 0}, "days_of_use"),
        ({"name": ""}, "name"),
    ],
)
def test_invalid_product_writes_name_the_field(
    demo: None, staff_api: APIClient, overrides: dict[str, Any], field: str
) -> None:
    before = Product.objects.count()
    response = staff_api.post("/api/products/", _new_product(**overrides), format="json")
    body = assert_problem(response, 400, "validation_error")
    assert field in body["errors"], body
    assert Product.objects.count() == before


def test_non_json_and_wrong_content_type_are_4xx(demo: None, staff_api: APIClient) -> None:
    response = staff_api.post("/api/products/", "{not json", content_type="application/json")
    assert_problem(response, 400, "parse_error")
    response = staff_api.post("/api/products/", "name=x", content_type="text/plain")
    assert_problem(response, 415, "unsupported_media_type")
    response = staff_api.post("/api/products/", "[1, 2]", content_type="application/json")
    assert_problem(response, 400, "validation_error")


def test_writes_are_staff_only(demo: None, api_client: APIClient, shopper_user: Any) -> None:
    assert_problem(
        api_client.post("/api/products/", _new_product(), format="json"), 401, "not_authenticated"
    )
    api_client.force_authenticate(shopper_user)
    assert_problem(
        api_client.post("/api/products/", _new_product(), format="json"), 403, "permission_denied"
    )
    assert_problem(
        api_client.patch("/api/products/citrus-facial-wash/", {"stock": 1}, format="json"),
        403,
        "permission_denied",
    )
    assert not Product.objects.filter(slug="night-renewal-serum").exists()


def test_token_for_staff_only(
    demo: None, api_client: APIClient, staff_user: Any, shopper_user: Any
) -> None:
    response = api_client.post(
        "/api/auth/token/", {"username": "staff", "password": "staff-pass-123"}, format="json"
    )
    assert response.status_code == 200
    token = response.json()["token"]
    assert_problem(
        api_client.post(
            "/api/auth/token/", {"username": "staff", "password": "nope"}, format="json"
        ),
        400,
        "invalid_credentials",
    )
    # A shopper's right password is answered as a wrong one (tests/test_login_limits.py).
    assert_problem(
        api_client.post(
            "/api/auth/token/", {"username": "shopper", "password": "shop-pass-123"}, format="json"
        ),
        400,
        "invalid_credentials",
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = client.post("/api/products/", _new_product(), format="json")
    assert response.status_code == 201
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert_problem(client.get("/api/products/"), 401, "authentication_failed")


@pytest.mark.parametrize("count", [1, 50])
def test_product_list_query_count_is_constant(
    api_client: APIClient, django_assert_num_queries: Any, count: int
) -> None:
    step = StepFactory(slug="tone", position=2)
    ingredients = [IngredientFactory() for _ in range(3)]
    concerns = [ConcernFactory() for _ in range(2)]
    for _ in range(count):
        ProductFactory(step=step, ingredients=ingredients, concerns=concerns)
    # count, page of products (+step), ingredients, concerns
    with django_assert_num_queries(4):
        response = api_client.get("/api/products/?page_size=100")
    assert len(response.json()["results"]) == count
    # a filter costs one query to check that the slug exists
    with CaptureQueriesContext(connection) as ctx:
        api_client.get("/api/products/?step=tone&page_size=100")
    assert len(ctx.captured_queries) == 5


def test_schema_and_docs_are_served_locally(api_client: APIClient) -> None:
    schema = api_client.get("/api/schema/?format=json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert {"/api/products/", "/api/products/{slug}/", "/api/steps/", "/api/auth/token/"} <= set(
        paths
    )
    docs = api_client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "cdn." not in html and "unpkg" not in html
    assert "/static/drf_spectacular_sidecar/" in html


def test_product_representation_matches_its_documented_fields(demo: None) -> None:
    from shop.catalog.api import ProductSerializer

    product = Product.objects.get(slug="face-firming-toner")
    assert set(ProductSerializer(product).data) == set(ProductSerializer().fields)
