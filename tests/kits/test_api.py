"""Kits and routines API: contract shapes, figures, staff-only writes, validation, queries."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from kits.models import Kit, KitComponent, Routine
from shop.catalog.models import Product
from tests.factories import (
    KitComponentFactory,
    KitFactory,
    KitGiftFactory,
    ProductFactory,
    RoutineFactory,
    RoutineSlotFactory,
    RoutineTierFactory,
    StepFactory,
)

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"
KIT = "seven-piece-collection"
ROUTINE = "three-steps-to-refined-pores"


def problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["code"] == code
    return body


# -- kits: reads ----------------------------------------------------------------------------------


def test_kit_has_the_contract_fields_and_figures(demo: None, api_client: APIClient) -> None:
    body = api_client.get(f"/api/kits/{KIT}/").json()
    assert {
        "slug",
        "name",
        "price",
        "value",
        "savings",
        "components",
        "gifts",
        "gift_value",
        "available",
        "stock",
        "currency",
    } <= set(body)
    assert body["currency"] == "USD"
    assert (body["price"], body["value"], body["savings"], body["gift_value"]) == (
        "95.00",
        "180.00",
        "85.00",
        "64.00",
    )
    assert [c["product"] for c in body["components"]] == [
        "citrus-facial-wash",
        "pore-refining-acne-cleanser",
        "face-firming-toner",
        "skin-clear-toner",
        "advanced-face-firming",
        "ceramic-skin-smoother",
        "enlarged-pore-treatment",
    ]
    assert all(c["quantity"] == 1 for c in body["components"])
    assert [g["product"] for g in body["gifts"]] == ["serum-prep", "high-potency-eye-treatment"]
    # The scarcest component is Advanced Face Firming with 70 in stock.
    assert (body["available"], body["stock"]) == (True, 70)


def test_kit_list_is_paginated(demo: None, api_client: APIClient) -> None:
    body = api_client.get("/api/kits/").json()
    assert body["count"] == 1
    assert body["results"][0]["slug"] == KIT
    assert body["next"] is None


def test_kit_stock_follows_components_and_ignores_gifts(demo: None, api_client: APIClient) -> None:
    Product.objects.filter(slug="skin-clear-toner").update(stock=3)
    Product.objects.filter(slug="serum-prep").update(stock=0)
    body = api_client.get(f"/api/kits/{KIT}/").json()
    assert (body["stock"], body["available"]) == (3, True)
    Product.objects.filter(slug="skin-clear-toner").update(stock=0)
    body = api_client.get(f"/api/kits/{KIT}/").json()
    assert (body["stock"], body["available"]) == (0, False)


def test_a_retired_component_makes_the_kit_unavailable(demo: None, api_client: APIClient) -> None:
    Product.objects.filter(slug="face-firming-toner").update(active=False)
    body = api_client.get(f"/api/kits/{KIT}/").json()
    assert (body["stock"], body["available"]) == (0, False)
    assert body["value"] == "180.00"


def test_inactive_kits_are_hidden_from_shoppers_not_staff(
    demo: None, api_client: APIClient, staff_api: APIClient
) -> None:
    Kit.objects.filter(slug=KIT).update(active=False)
    problem(api_client.get(f"/api/kits/{KIT}/"), 404, "not_found")
    assert api_client.get("/api/kits/").json()["count"] == 0
    assert staff_api.get(f"/api/kits/{KIT}/").json()["active"] is False
    assert staff_api.get("/api/kits/").json()["count"] == 1


def test_unknown_kit_is_404(db: None, api_client: APIClient) -> None:
    problem(api_client.get("/api/kits/nope/"), 404, "not_found")


def test_kit_list_queries_do_not_grow_with_kits(
    db: None, api_client: APIClient, django_assert_num_queries: Any
) -> None:
    StepFactory(slug="cleanse", position=1)
    KitComponentFactory(kit=KitFactory())
    # count + kits + components + gifts
    with django_assert_num_queries(4):
        assert api_client.get("/api/kits/").json()["count"] == 1
    for _ in range(8):
        kit = KitFactory()
        for _ in range(5):
            KitComponentFactory(kit=kit)
        KitGiftFactory(kit=kit)
    with django_assert_num_queries(4):
        assert api_client.get("/api/kits/").json()["count"] == 9


# -- kits: writes ---------------------------------------------------------------------------------

NEW_KIT = {
    "name": "Cleanse and tone",
    "slug": "cleanse-and-tone",
    "price": "40.00",
    "summary": "The first two steps.",
    "components": [
        {"product": "citrus-facial-wash", "quantity": 1},
        {"product": "face-firming-toner", "quantity": 2},
    ],
    "gifts": [{"product": "serum-prep"}],
}


def test_staff_create_a_kit_with_components_and_gifts(demo: None, staff_api: APIClient) -> None:
    response = staff_api.post("/api/kits/", NEW_KIT, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["price"], body["value"], body["savings"], body["gift_value"]) == (
        "40.00",
        "70.00",  # 22.00 + 2 × 24.00
        "30.00",
        "30.00",
    )
    assert body["components"][1] == {
        "product": "face-firming-toner",
        "name": "Face Firming Toner",
        "quantity": 2,
    }
    assert body["gifts"] == [{"product": "serum-prep", "name": "Serum Prep", "quantity": 1}]
    assert body["stock"] == 45  # Face Firming Toner: 90 // 2


def test_writes_are_for_staff_only(demo: None, api_client: APIClient) -> None:
    for method, url in [
        ("post", "/api/kits/"),
        ("patch", f"/api/kits/{KIT}/"),
        ("post", "/api/routines/"),
        ("patch", f"/api/routines/{ROUTINE}/"),
    ]:
        response = getattr(api_client, method)(url, {}, format="json")
        problem(response, 401, "not_authenticated")
    shopper = get_user_model().objects.create_user("shopper", password="x-pass-123")
    client = APIClient()
    client.force_authenticate(shopper)
    for method, url in [
        ("post", "/api/kits/"),
        ("patch", f"/api/kits/{KIT}/"),
        ("post", "/api/routines/"),
        ("patch", f"/api/routines/{ROUTINE}/"),
    ]:
        response = getattr(client, method)(url, {}, format="json")
        problem(response, 403, "permission_denied")
    assert Kit.objects.count() == 1 and Routine.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "field", "fragment"),
    [
        ({"components": []}, "components", "A kit needs at least one product."),
        (
            {"components": [{"product": "nope"}]},
            "components.0.product",
            'No product is called "nope"',
        ),
        (
            {"components": [{"product": "serum-prep"}, {"product": "serum-prep", "quantity": 2}]},
            "components.1.product",
            "Serum Prep is listed twice.",
        ),
        ({"components": [{"product": "serum-prep", "quantity": 0}]}, "components.0.quantity", ""),
        ({"components": [{"product": "serum-prep", "quantity": 100}]}, "components.0.quantity", ""),
        ({"gifts": [{"product": "nope"}]}, "gifts.0.product", "No product"),
        ({"price": "-1.00"}, "price", ""),
        ({"price": "abc"}, "price", ""),
        ({"slug": KIT}, "slug", "already exists"),
        ({"slug": "Not a slug!"}, "slug", ""),
        ({"name": ""}, "name", ""),
    ],
)
def test_kit_validation_names_the_field(
    demo: None, staff_api: APIClient, change: dict[str, Any], field: str, fragment: str
) -> None:
    response = staff_api.post("/api/kits/", {**NEW_KIT, **change}, format="json")
    body = problem(response, 400, "validation_error")
    assert field in body["errors"], body["errors"]
    assert fragment in " ".join(body["errors"][field])
    assert Kit.objects.count() == 1


def test_patch_a_kit_replaces_components_only_when_given(demo: None, staff_api: APIClient) -> None:
    response = staff_api.patch(f"/api/kits/{KIT}/", {"price": "99.00"}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["price"], response.json()["savings"]) == ("99.00", "81.00")
    assert len(response.json()["components"]) == 7

    response = staff_api.patch(
        f"/api/kits/{KIT}/",
        {"components": [{"product": "citrus-facial-wash", "quantity": 5}], "gifts": []},
        format="json",
    )
    body = response.json()
    assert body["components"] == [
        {"product": "citrus-facial-wash", "name": "Citrus Facial Wash", "quantity": 5}
    ]
    assert body["gifts"] == []
    assert (body["value"], body["gift_value"], body["stock"]) == ("110.00", "0.00", 24)


def test_a_failed_patch_changes_nothing(demo: None, staff_api: APIClient) -> None:
    response = staff_api.patch(
        f"/api/kits/{KIT}/",
        {"price": "10.00", "components": [{"product": "nope"}]},
        format="json",
    )
    problem(response, 400, "validation_error")
    kit = Kit.objects.get(slug=KIT)
    assert kit.price_amount == Decimal("95.00")
    assert KitComponent.objects.filter(kit=kit).count() == 7


def test_a_kit_can_be_renamed_to_a_new_slug(demo: None, staff_api: APIClient) -> None:
    response = staff_api.patch(f"/api/kits/{KIT}/", {"slug": "seven-pieces"}, format="json")
    assert response.json()["slug"] == "seven-pieces"
    assert staff_api.get("/api/kits/seven-pieces/").status_code == 200


# -- routines -----------------------------------------------------------------------------------


def test_routine_has_the_contract_shape(demo: None, api_client: APIClient) -> None:
    body = api_client.get(f"/api/routines/{ROUTINE}/").json()
    assert body["slug"] == ROUTINE
    assert body["name"] == "Three steps to refined pores"
    assert [(s["step"], s["required"], s["min"], s["max"], s["label"]) for s in body["slots"]] == [
        ("cleanse", True, 1, 1, "cleanser"),
        ("tone", True, 1, 1, "toner"),
        ("renew", True, 1, 2, "renew treatment"),
        ("prime", False, 0, 1, "primer"),
        ("foundation", False, 0, 1, "foundation"),
        ("powder", False, 0, 1, "powder"),
    ]
    assert body["slots"][0]["products"] == ["citrus-facial-wash", "pore-refining-acne-cleanser"]
    assert body["slots"][2]["products"] == [
        "advanced-face-firming",
        "ceramic-skin-smoother",
        "enlarged-pore-treatment",
    ]
    assert body["tiers"] == [
        {"min_items": 3, "percent_off": "10.00"},
        {"min_items": 5, "percent_off": "15.00"},
    ]


def test_a_narrowed_slot_lists_only_its_active_products(db: None, api_client: APIClient) -> None:
    step = StepFactory(slug="cleanse", position=1)
    keep = ProductFactory(slug="keep", step=step)
    ProductFactory(slug="other", step=step)
    retired = ProductFactory(slug="retired", step=step, active=False)
    slot = RoutineSlotFactory(step=step, products=[keep, retired])
    body = api_client.get(f"/api/routines/{slot.routine.slug}/").json()
    assert body["slots"][0]["products"] == ["keep"]


def test_routine_list_queries_do_not_grow_with_routines(
    db: None, api_client: APIClient, django_assert_num_queries: Any
) -> None:
    cleanse = StepFactory(slug="cleanse", position=1)
    tone = StepFactory(slug="tone", position=2)
    ProductFactory(step=cleanse)
    RoutineSlotFactory(step=cleanse)
    # count + routines + slots + narrowed products + tiers + open steps' products
    with django_assert_num_queries(6):
        api_client.get("/api/routines/")
    for _ in range(6):
        routine = RoutineFactory()
        RoutineSlotFactory(routine=routine, step=cleanse, products=[ProductFactory(step=cleanse)])
        RoutineSlotFactory(routine=routine, step=tone)
        RoutineTierFactory(routine=routine)
    with django_assert_num_queries(6):
        assert api_client.get("/api/routines/").json()["count"] == 7


NEW_ROUTINE = {
    "name": "Morning basics",
    "slug": "morning-basics",
    "slots": [
        {"step": "cleanse", "required": True, "min": 1, "max": 1, "label": "cleanser"},
        {
            "step": "tone",
            "required": True,
            "min": 1,
            "max": 1,
            "products": ["skin-clear-toner"],
        },
        {"step": "prime", "required": False, "min": 0, "max": 1},
    ],
    "tiers": [{"min_items": 2, "percent_off": "5"}, {"min_items": 3, "percent_off": 12.5}],
}


def test_staff_create_a_routine_with_slots_and_tiers(demo: None, staff_api: APIClient) -> None:
    response = staff_api.post("/api/routines/", NEW_ROUTINE, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert [s["step"] for s in body["slots"]] == ["cleanse", "tone", "prime"]
    assert body["slots"][1]["products"] == ["skin-clear-toner"]
    assert body["slots"][2]["label"] == "primer"  # the step name when no label is given
    assert body["tiers"] == [
        {"min_items": 2, "percent_off": "5.00"},
        {"min_items": 3, "percent_off": "12.50"},
    ]
    quote = staff_api.post(
        "/api/quote/",
        {
            "items": [
                {
                    "routine": "morning-basics",
                    "selections": ["citrus-facial-wash", "skin-clear-toner"],
                }
            ]
        },
        format="json",
    )
    assert quote.json()["lines"][0]["adjustments"][0]["amount"] == "2.20"  # 5% of 44.00


@pytest.mark.parametrize(
    ("change", "field", "fragment"),
    [
        ({"slots": []}, "slots", "A routine needs at least one step."),
        ({"slots": [{"step": "nope"}]}, "slots.0.step", ""),
        ({"slots": [{"step": "cleanse", "min": 2, "max": 1}]}, "slots.0.min", "more than max"),
        ({"slots": [{"step": "cleanse", "required": True, "min": 0}]}, "slots.0.min", "at least 1"),
        ({"slots": [{"step": "cleanse", "max": 0}]}, "slots.0.max", ""),
        (
            {"slots": [{"step": "cleanse", "products": ["skin-clear-toner"]}]},
            "slots.0.products",
            "Not Cleanse products: Skin Clear Toner.",
        ),
        ({"slots": [{"step": "cleanse", "products": ["nope"]}]}, "slots.0.products", "Unknown"),
        (
            {"slots": [{"step": "cleanse"}, {"step": "cleanse"}]},
            "slots.1.step",
            "Each step has one slot.",
        ),
        (
            {
                "tiers": [
                    {"min_items": 3, "percent_off": "10"},
                    {"min_items": 3, "percent_off": "5"},
                ]
            },
            "tiers.1.min_items",
            "Two tiers start at 3",
        ),
        ({"tiers": [{"min_items": 3, "percent_off": "0"}]}, "tiers.0.percent_off", ""),
        ({"tiers": [{"min_items": 3, "percent_off": "100.01"}]}, "tiers.0.percent_off", ""),
        ({"tiers": [{"min_items": 0, "percent_off": "10"}]}, "tiers.0.min_items", ""),
        ({"slug": ROUTINE}, "slug", "already exists"),
    ],
)
def test_routine_validation_names_the_field(
    demo: None, staff_api: APIClient, change: dict[str, Any], field: str, fragment: str
) -> None:
    response = staff_api.post("/api/routines/", {**NEW_ROUTINE, **change}, format="json")
    body = problem(response, 400, "validation_error")
    assert field in body["errors"], body["errors"]
    assert fragment in " ".join(body["errors"][field])
    assert Routine.objects.count() == 1


def test_patch_a_routine_replaces_tiers(demo: None, staff_api: APIClient) -> None:
    response = staff_api.patch(
        f"/api/routines/{ROUTINE}/",
        {"tiers": [{"min_items": 4, "percent_off": "20"}], "name": "Refined pores"},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["name"] == "Refined pores"
    assert body["tiers"] == [{"min_items": 4, "percent_off": "20.00"}]
    assert len(body["slots"]) == 6


def test_inactive_routines_are_hidden_from_shoppers(
    demo: None, api_client: APIClient, staff_api: APIClient
) -> None:
    Routine.objects.update(active=False)
    problem(api_client.get(f"/api/routines/{ROUTINE}/"), 404, "not_found")
    assert api_client.get("/api/routines/").json()["count"] == 0
    assert staff_api.get(f"/api/routines/{ROUTINE}/").status_code == 200


def test_the_schema_documents_kits_routines_and_quote(db: None, api_client: APIClient) -> None:
    response = api_client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    text = response.content.decode()
    for path in ("/api/kits/", "/api/kits/{slug}/", "/api/routines/", "/api/quote/"):
        assert path in text


@pytest.mark.parametrize("url", ["/api/kits/a%00b/", "/api/routines/a%00b/"])
def test_a_nul_byte_in_a_slug_is_400_not_500(demo: None, api_client: APIClient, url: str) -> None:
    problem(api_client.get(url), 400, "bad_request")


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        (
            "/api/routines/three-steps-to-refined-pores/",
            {"tiers": [{"min_items": 2}]},
            "tiers.0.percent_off",
        ),
        (
            "/api/routines/three-steps-to-refined-pores/",
            {"slots": [{"required": True}]},
            "slots.0.step",
        ),
        (
            "/api/kits/seven-piece-collection/",
            {"components": [{"quantity": 2}]},
            "components.0.product",
        ),
        ("/api/kits/seven-piece-collection/", {"gifts": [{}]}, "gifts.0.product"),
    ],
)
def test_a_patch_validates_replaced_lists_item_by_item_in_full(
    demo: None, staff_api: APIClient, url: str, body: dict[str, Any], field: str
) -> None:
    response = staff_api.patch(url, body, format="json")
    assert problem(response, 400, "validation_error")["errors"][field]


def test_a_nul_byte_in_a_routine_step_is_a_validation_error(
    demo: None, staff_api: APIClient
) -> None:
    body = {**NEW_ROUTINE, "slots": [{"step": "a\x00b"}], "slug": "nul"}
    problem(staff_api.post("/api/routines/", body, format="json"), 400, "validation_error")
    body = {**NEW_ROUTINE, "slots": [{"step": "nope"}], "slug": "nul"}
    response = staff_api.post("/api/routines/", body, format="json")
    assert problem(response, 400, "validation_error")["errors"] == {
        "slots.0.step": ['No step is called "nope".']
    }
