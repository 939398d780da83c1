"""POST /api/quote/ and the quote service: contract figures, invalid items, constant queries."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from bench.bench_quote import CODE, mixed_cart
from kits.models import Kit, Routine
from shop.catalog.models import Product
from shop.pricing import Breakdown, UnknownCode
from shop.quoting import services as quoting
from shop.quoting.snapshot import catalog_snapshot_forget
from tests.factories import (
    KitComponentFactory,
    KitFactory,
    KitGiftFactory,
    StepFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _forget_the_catalog_snapshot() -> Iterator[None]:
    # Query counts must not depend on what an earlier test left in memory.
    catalog_snapshot_forget()
    yield
    catalog_snapshot_forget()


PROBLEM = "application/problem+json"
ROUTINE = "three-steps-to-refined-pores"
THREE = ["citrus-facial-wash", "face-firming-toner", "ceramic-skin-smoother"]


def quote(client: APIClient, body: Any) -> Any:
    return client.post("/api/quote/", body, format="json")


def ok(client: APIClient, body: Any) -> dict[str, Any]:
    response = quote(client, body)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    return response.json()


def invalid(client: APIClient, body: Any) -> dict[str, Any]:
    response = quote(client, body)
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == PROBLEM
    data = response.json()
    assert data["code"] == "invalid_items", data
    return data


def assert_invariants(data: dict[str, Any]) -> None:
    money = {k: Decimal(data[k]) for k in ("subtotal", "discount_total", "shipping", "total")}
    assert money["total"] == money["subtotal"] - money["discount_total"] + money["shipping"]
    assert sum(Decimal(line["total"]) for line in data["lines"]) == (
        money["subtotal"] - money["discount_total"]
    )
    for line in data["lines"]:
        if line["components"]:
            assert sum(Decimal(c["allocated"]) for c in line["components"]) == Decimal(
                line["total"]
            )
    assert Decimal(data["savings"]) == Decimal(data["value"]) - (money["total"] - money["shipping"])


# -- the contract's figures --------------------------------------------------------------------


def test_seven_piece_collection_costs_95_for_a_180_value(demo: None, api_client: APIClient) -> None:
    data = ok(api_client, {"items": [{"kit": "seven-piece-collection", "quantity": 1}]})
    line = data["lines"][0]
    assert (line["kind"], line["ref"], line["quantity"]) == ("kit", "seven-piece-collection", 1)
    assert line["unit_price"] == "180.00"
    assert line["subtotal"] == "180.00"
    assert [(a["source"], a["rule"], a["amount"]) for a in line["adjustments"]] == [
        ("bundle", "seven-piece-collection", "85.00")
    ]
    assert line["total"] == "95.00"
    gifts = [c for c in line["components"] if c.get("gift")]
    assert {(c["product"], c["allocated"]) for c in gifts} == {
        ("serum-prep", "0.00"),
        ("high-potency-eye-treatment", "0.00"),
    }
    assert len(line["components"]) == 9
    assert data["currency"] == "USD"
    assert data["subtotal"] == "180.00"
    assert data["discount_total"] == "85.00"
    assert data["shipping"] == "0.00"  # 95.00 is over the free-shipping threshold
    assert data["total"] == "95.00"
    assert data["value"] == "244.00"  # 180.00 + the gifts' 64.00
    assert data["savings"] == "149.00"
    assert_invariants(data)


def test_two_kits_double_everything(demo: None, api_client: APIClient) -> None:
    data = ok(api_client, {"items": [{"kit": "seven-piece-collection", "quantity": 2}]})
    assert (data["subtotal"], data["discount_total"], data["total"], data["value"]) == (
        "360.00",
        "170.00",
        "190.00",
        "488.00",
    )
    assert_invariants(data)


@pytest.mark.parametrize(
    ("selections", "rule", "discount", "total"),
    [
        # 22 + 24 + 28 = 74.00; 10% = 7.40
        (THREE, "three-steps-to-refined-pores:3", "7.40", "66.60"),
        # + Enlarged Pore treatment 26.00 = 100.00; still 10%
        ([*THREE, "enlarged-pore-treatment"], "three-steps-to-refined-pores:3", "10.00", "90.00"),
        # + Finishing Powder 22.00 = 122.00; 15% = 18.30
        (
            [*THREE, "enlarged-pore-treatment", "finishing-powder"],
            "three-steps-to-refined-pores:5",
            "18.30",
            "103.70",
        ),
    ],
)
def test_routine_takes_the_highest_tier_reached(
    demo: None, api_client: APIClient, selections: list[str], rule: str, discount: str, total: str
) -> None:
    data = ok(api_client, {"items": [{"routine": ROUTINE, "selections": selections}]})
    line = data["lines"][0]
    assert line["kind"] == "routine"
    assert line["quantity"] == 1
    assert [(a["source"], a["rule"], a["amount"]) for a in line["adjustments"]] == [
        ("bundle", rule, discount)
    ]
    assert line["total"] == total
    assert {c["product"] for c in line["components"]} == set(selections)
    assert_invariants(data)


def test_the_next_tier_is_hinted_in_rejected(demo: None, api_client: APIClient) -> None:
    data = ok(api_client, {"items": [{"routine": ROUTINE, "selections": THREE}]})
    assert {
        "source": "bundle",
        "rule": "three-steps-to-refined-pores:5",
        "code": "tier_not_reached",
        "reason": "Add 2 more products to reach 15% off",
    } in data["rejected"]


def test_a_small_order_pays_flat_shipping(demo: None, api_client: APIClient) -> None:
    data = ok(api_client, {"items": [{"product": "citrus-facial-wash", "quantity": 2}]})
    assert (data["subtotal"], data["shipping"], data["total"]) == ("44.00", "5.00", "49.00")
    assert data["lines"][0]["kind"] == "product"
    assert_invariants(data)


def test_quantity_defaults_to_one(demo: None, api_client: APIClient) -> None:
    data = ok(api_client, {"items": [{"product": "citrus-facial-wash"}]})
    assert data["lines"][0]["quantity"] == 1


def test_an_unknown_promo_code_is_priced_without_it(demo: None, api_client: APIClient) -> None:
    data = ok(
        api_client,
        {
            "items": [{"kit": "seven-piece-collection", "quantity": 1}],
            "promo_code": "  nothing10 ",
            "email": "someone@example.com",
        },
    )
    assert data["total"] == "95.00"
    assert data["rejected"] == [
        {
            "source": "promo",
            "rule": "NOTHING10",
            "code": "promo_not_found",
            "reason": data["rejected"][0]["reason"],
        }
    ]
    assert "NOTHING10" in data["rejected"][0]["reason"]


def test_a_blank_promo_code_is_no_code(demo: None, api_client: APIClient) -> None:
    data = ok(api_client, {"items": [{"product": "serum-prep"}], "promo_code": "  "})
    assert data["rejected"] == []
    data = ok(api_client, {"items": [{"product": "serum-prep"}], "promo_code": None})
    assert data["rejected"] == []


def test_the_quote_round_trips_through_the_breakdown(demo: None, api_client: APIClient) -> None:
    data = ok(
        api_client,
        {
            "items": [
                {"kit": "seven-piece-collection", "quantity": 1},
                {"routine": ROUTINE, "selections": THREE, "quantity": 2},
                {"product": "serum-prep", "quantity": 3},
            ]
        },
    )
    assert Breakdown.from_dict(data).to_dict() == data
    assert [line["id"] for line in data["lines"]] == ["0", "1", "2"]
    assert_invariants(data)


# -- invalid items -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("items", "field", "fragment"),
    [
        ([{"product": "no-such-product"}], "items.0.product", 'No product is called "no-such'),
        ([{"kit": "no-such-kit"}], "items.0.kit", 'No kit is called "no-such-kit"'),
        ([{"routine": "no-such", "selections": THREE}], "items.0.routine", "No routine"),
        ([{"product": "serum-prep", "quantity": 0}], "items.0.quantity", "from 1 to 99, not 0"),
        ([{"product": "serum-prep", "quantity": -1}], "items.0.quantity", "not -1"),
        ([{"product": "serum-prep", "quantity": 100}], "items.0.quantity", "not 100"),
        ([{"product": "serum-prep", "quantity": "x"}], "items.0.quantity", 'not "x"'),
        ([{"product": "serum-prep", "quantity": "2"}], "items.0.quantity", 'not "2"'),
        ([{"product": "serum-prep", "quantity": 2.5}], "items.0.quantity", "not 2.5"),
        ([{"product": "serum-prep", "quantity": True}], "items.0.quantity", "not true"),
        ([{"product": "serum-prep", "quantity": None}], "items.0.quantity", "not null"),
        ([{"product": "serum-prep", "quantity": 10**9}], "items.0.quantity", "not 1000000000"),
        ([{"routine": ROUTINE}], "items.0.selections", "non-empty list of product slugs"),
        ([{"routine": ROUTINE, "selections": []}], "items.0.selections", "non-empty list"),
        ([{"routine": ROUTINE, "selections": "citrus"}], "items.0.selections", "non-empty list"),
        ([{"routine": ROUTINE, "selections": [1, 2]}], "items.0.selections", "non-empty list"),
        (
            [{"routine": ROUTINE, "selections": THREE[1:]}],
            "items.0.selections",
            "Choose one cleanser.",
        ),
        (
            [{"routine": ROUTINE, "selections": [*THREE, "pore-refining-acne-cleanser"]}],
            "items.0.selections",
            "Cleanser allows at most 1 product.",
        ),
        (
            [{"routine": ROUTINE, "selections": [*THREE, "serum-prep"]}],
            "items.0.selections",
            "Serum Prep is not part of Three steps to refined pores.",
        ),
        (
            [{"routine": ROUTINE, "selections": [*THREE, "citrus-facial-wash"]}],
            "items.0.selections",
            "Citrus Facial Wash is chosen twice.",
        ),
        (
            [{"routine": ROUTINE, "selections": [*THREE, "nope"]}],
            "items.0.selections",
            'No product is called "nope".',
        ),
        ([{"product": "serum-prep", "selections": ["x"]}], "items.0.selections", "Only routines"),
        ([{"product": "serum-prep", "qty": 2}], "items.0.qty", "Unknown field."),
        ([{"product": "serum-prep", "kit": "seven-piece-collection"}], "items.0", "exactly one"),
        ([{"quantity": 1}], "items.0", "exactly one"),
        (["serum-prep"], "items.0", "must be an object"),
        ([{"product": ""}], "items.0.product", "slug as text"),
        ([{"product": 12}], "items.0.product", "slug as text"),
        ([{"product": "x" * 121}], "items.0.product", "slug as text"),
        ([], "items", "Add at least one item."),
        ({"product": "serum-prep"}, "items", "list of objects"),
        ("serum-prep", "items", "list of objects"),
        (None, "items", "list of objects"),
        ([{"product": "serum-prep"}] * 201, "items", "at most 200 items"),
    ],
)
def test_invalid_items_are_400_naming_the_item_and_the_rule(
    demo: None, api_client: APIClient, items: Any, field: str, fragment: str
) -> None:
    data = invalid(api_client, {"items": items})
    assert field in data["errors"], data["errors"]
    assert fragment in " ".join(data["errors"][field])
    assert fragment in data["detail"]
    if field.startswith("items."):
        assert data["detail"].startswith(field.split(".")[0] + "." + field.split(".")[1])


def test_the_detail_names_the_index_and_slug(demo: None, api_client: APIClient) -> None:
    data = invalid(
        api_client,
        {
            "items": [
                {"product": "serum-prep"},
                {"product": "serum-prep"},
                {"routine": ROUTINE, "selections": THREE[1:]},
            ]
        },
    )
    assert data["errors"] == {"items.2.selections": ["Choose one cleanser."]}
    assert data["detail"] == (
        'items.2 (routine "three-steps-to-refined-pores"): Choose one cleanser.'
    )


def test_every_bad_item_is_reported_at_once(demo: None, api_client: APIClient) -> None:
    data = invalid(
        api_client,
        {"items": [{"product": "nope"}, {"product": "serum-prep"}, {"kit": "none-such"}]},
    )
    assert set(data["errors"]) == {"items.0.product", "items.2.kit"}


def test_missing_items_is_invalid_items(demo: None, api_client: APIClient) -> None:
    data = invalid(api_client, {"promo_code": "X"})
    assert data["errors"] == {"items": ["Send items as a list of objects."]}


def test_a_body_that_is_not_an_object_is_invalid(demo: None, api_client: APIClient) -> None:
    data = invalid(api_client, [{"product": "serum-prep"}])
    assert "items" in data["errors"]


def test_non_json_is_a_parse_error(demo: None, api_client: APIClient) -> None:
    response = api_client.post("/api/quote/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"promo_code": 5}, "promo_code"),
        ({"promo_code": "X" * 65}, "promo_code"),
        ({"email": "not an email"}, "email"),
        ({"email": ["a@example.com"]}, "email"),
    ],
)
def test_bad_promo_code_or_email_is_a_validation_error(
    demo: None, api_client: APIClient, body: dict[str, Any], field: str
) -> None:
    response = quote(api_client, {"items": [{"product": "serum-prep"}], **body})
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert field in response.json()["errors"]


def test_inactive_products_kits_and_routines_cannot_be_quoted(
    demo: None, api_client: APIClient
) -> None:
    Product.objects.filter(slug="finishing-powder").update(active=False)
    data = invalid(api_client, {"items": [{"product": "finishing-powder"}]})
    assert data["errors"] == {"items.0.product": ["Finishing Powder is no longer sold."]}

    Kit.objects.filter(slug="seven-piece-collection").update(active=False)
    data = invalid(api_client, {"items": [{"kit": "seven-piece-collection"}]})
    assert data["errors"] == {"items.0.kit": ["The seven-piece collection is no longer sold."]}

    Routine.objects.filter(slug=ROUTINE).update(active=False)
    data = invalid(api_client, {"items": [{"routine": ROUTINE, "selections": THREE}]})
    assert data["errors"] == {"items.0.routine": ["Three steps to refined pores is not available."]}


def test_a_kit_with_a_retired_component_cannot_be_quoted(demo: None, api_client: APIClient) -> None:
    Product.objects.filter(slug="skin-clear-toner").update(active=False)
    data = invalid(api_client, {"items": [{"kit": "seven-piece-collection"}]})
    assert data["errors"] == {
        "items.0.kit": [
            "The seven-piece collection is not available: Skin Clear Toner is no longer sold."
        ]
    }


def test_a_retired_gift_does_not_block_the_kit(demo: None, api_client: APIClient) -> None:
    Product.objects.filter(slug="serum-prep").update(active=False, stock=0)
    data = ok(api_client, {"items": [{"kit": "seven-piece-collection"}]})
    assert data["total"] == "95.00"


def test_a_routine_selection_with_a_retired_product_is_invalid(
    demo: None, api_client: APIClient
) -> None:
    Product.objects.filter(slug="citrus-facial-wash").update(active=False)
    data = invalid(api_client, {"items": [{"routine": ROUTINE, "selections": THREE}]})
    assert data["errors"]["items.0.selections"] == [
        "Citrus Facial Wash is no longer sold.",
        "Choose one cleanser.",
    ]


def test_quotes_need_no_authentication_and_no_csrf(demo: None, staff_user: Any) -> None:
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(staff_user)
    assert quote(client, {"items": [{"product": "serum-prep"}]}).status_code == 200


def test_get_is_not_allowed(api_client: APIClient) -> None:
    response = api_client.get("/api/quote/")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


# -- queries ----------------------------------------------------------------------------------


def count_queries(client: APIClient, body: Any) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = quote(client, body)
    assert response.status_code == 200, response.content
    return len(queries)


def _mixed(n: int) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for i in range(n):
        kind = i % 3
        if kind == 0:
            items.append({"product": "serum-prep", "quantity": 1 + i % 5})
        elif kind == 1:
            items.append({"kit": "seven-piece-collection", "quantity": 1})
        else:
            items.append({"routine": ROUTINE, "selections": THREE})
    return items


def parsed(items: list[dict[str, Any]]) -> list[quoting.QuoteItem]:
    return quoting.quote_items_parse(items=items)


def test_product_quotes_take_one_query_for_1_or_50_lines(
    demo: None, api_client: APIClient, django_assert_num_queries: Any
) -> None:
    slugs = list(Product.objects.values_list("slug", flat=True))
    one = [{"product": slugs[0]}]
    fifty = [{"product": slugs[i % len(slugs)]} for i in range(50)]
    # Loading what the items name: one query for the products, however many lines.
    with django_assert_num_queries(1):
        quoting.quote_catalog_load(items=parsed(one), cached=False)
    with django_assert_num_queries(1):
        quoting.quote_catalog_load(items=parsed(fifty), cached=False)
    # Through the API, from the catalog snapshot: the first quote loads the whole catalog
    # (after the token: products, kit slugs, kits, routine slugs, routines, tiers) and the
    # automatic offers; then one query (the token) per quote.
    assert count_queries(api_client, {"items": one}) == 1 + 6 + 1
    with django_assert_num_queries(1):
        ok(api_client, {"items": one})
    with django_assert_num_queries(1):
        ok(api_client, {"items": fifty})


def test_mixed_quotes_take_the_same_queries_for_1_or_50_lines(
    demo: None, api_client: APIClient, django_assert_num_queries: Any
) -> None:
    # products (1) + kits with their components and gifts (1)
    # + routines with their slots and narrowed products (1) + tiers (1)
    for items in (_mixed(3), _mixed(50)):
        with django_assert_num_queries(4):
            quoting.quote_catalog_load(items=parsed(items), cached=False)
    with django_assert_num_queries(1):
        quoting.quote_catalog_load(items=parsed([{"kit": "seven-piece-collection"}]), cached=False)
    with django_assert_num_queries(3):
        quoting.quote_catalog_load(
            items=parsed([{"routine": ROUTINE, "selections": THREE}]), cached=False
        )
    # Through the API: the cold quote loads the whole catalog (and the offers) once, whatever
    # it names.
    assert count_queries(api_client, {"items": _mixed(3)}) == 1 + 6 + 1
    assert count_queries(api_client, {"items": _mixed(50)}) == 1
    with django_assert_num_queries(1):
        ok(api_client, {"items": [{"kit": "seven-piece-collection"}]})
    with django_assert_num_queries(1):
        ok(api_client, {"items": [{"routine": ROUTINE, "selections": THREE}]})
    with django_assert_num_queries(1):
        ok(api_client, {"items": _mixed(50)})


def test_the_benchmark_cart_takes_one_query_and_three_with_a_code(
    demo: None, api_client: APIClient, django_assert_num_queries: Any
) -> None:
    """The 7-line cart bench_quote holds against django-oscar (134 queries there): a kit, a
    routine and five products. The catalog token, and with a code its rule and its scope."""
    items = mixed_cart(7)
    ok(api_client, {"items": items})  # the first quote loads the catalog snapshot
    with django_assert_num_queries(1):
        ok(api_client, {"items": items})
    with django_assert_num_queries(3):
        data = ok(api_client, {"items": items, "promo_code": CODE})
    assert [a["rule"] for a in data["applied"] if a["source"] == "promo"] == [CODE]


def test_kit_queries_do_not_grow_with_components(
    db: None, api_client: APIClient, django_assert_num_queries: Any
) -> None:
    StepFactory(slug="cleanse", position=1)
    small = KitFactory(slug="small", price_amount=Decimal("10.00"))
    KitComponentFactory(kit=small)
    big = KitFactory(slug="big", price_amount=Decimal("100.00"))
    for _ in range(40):
        KitComponentFactory(kit=big, quantity=2)
    for _ in range(10):
        KitGiftFactory(kit=big)
    both = parsed([{"kit": "big"}, {"kit": "small", "quantity": 3}])
    with django_assert_num_queries(1):
        quoting.quote_catalog_load(items=parsed([{"kit": "small"}]), cached=False)
    with django_assert_num_queries(1):
        loaded = quoting.quote_catalog_load(items=both, cached=False)
    assert len(loaded.kits["big"].components) == 40
    # The snapshot: token, products, kit slugs, kits with parts, routine slugs (no routines:
    # nothing more), the automatic offers, however many components.
    assert count_queries(api_client, {"items": [{"kit": "small"}]}) == 1 + 4 + 1
    with django_assert_num_queries(1):
        ok(api_client, {"items": [{"kit": "small"}]})
    with django_assert_num_queries(1):
        data = ok(api_client, {"items": [{"kit": "big"}, {"kit": "small", "quantity": 3}]})
    assert len(data["lines"][0]["components"]) == 50
    assert data["lines"][0]["subtotal"] == "1600.00"  # 40 × 2 × 20.00


# -- the service for checkout --------------------------------------------------------------------


def test_quote_prepare_returns_the_loaded_data(demo: None) -> None:
    items = quoting.quote_items_parse(
        items=[
            {"kit": "seven-piece-collection"},
            {"routine": ROUTINE, "selections": THREE, "quantity": 2},
            {"product": "serum-prep", "quantity": 3},
        ]
    )
    prepared = quoting.quote_prepare(items=items, promos=[UnknownCode("X")])
    kit = prepared.catalog.kits["seven-piece-collection"]
    assert [p.product.slug for p in kit.components][:2] == [
        "citrus-facial-wash",
        "pore-refining-acne-cleanser",
    ]
    assert prepared.catalog.products["serum-prep"].stock == 150
    assert [p.slug for p in prepared.selections[1].products] == THREE
    assert len(prepared.request.lines) == 3
    assert prepared.request.promos == (UnknownCode("X"),)  # the caller's rules, as given


def test_quote_build_uses_the_shop_settings(demo: None, settings: Any) -> None:
    settings.SHOP_SHIPPING = Decimal("7.50")
    settings.SHOP_FREE_SHIPPING_OVER = Decimal("500.00")
    breakdown = quoting.quote_build(items=[{"kit": "seven-piece-collection"}])
    assert str(breakdown.shipping) == "7.50"
    assert str(breakdown.total) == "102.50"
    assert breakdown.currency == "USD"


def test_invalid_items_is_a_domain_error(demo: None) -> None:
    with pytest.raises(quoting.InvalidItems) as caught:
        quoting.quote_build(items=[{"product": "serum-prep", "quantity": 0}])
    assert caught.value.errors == {
        "items.0.quantity": ["Quantity must be a whole number from 1 to 99, not 0."]
    }


def test_slugs_that_cannot_exist_are_unknown_without_a_query(
    demo: None, api_client: APIClient, django_assert_num_queries: Any
) -> None:
    # PostgreSQL refuses NUL bytes with an error: such a slug must never reach it.
    items = [{"product": "a\x00b"}, {"kit": "é"}, {"routine": "x y", "selections": ["a\x00"]}]
    with django_assert_num_queries(0):
        catalog = quoting.quote_catalog_load(items=parsed(items), cached=False)
    assert (catalog.products, catalog.kits, catalog.routines) == ({}, {}, {})
    ok(api_client, {"items": [{"product": "serum-prep"}]})  # loads the catalog snapshot
    with django_assert_num_queries(1):  # the token: the snapshot answers the rest
        data = invalid(api_client, {"items": items})
    assert set(data["errors"]) == {"items.0.product", "items.1.kit", "items.2.routine"}
    data = invalid(api_client, {"items": [{"routine": ROUTINE, "selections": [*THREE, "\x00"]}]})
    assert data["errors"]["items.0.selections"] == ['No product is called "\x00".']


def test_a_refusal_by_the_pricing_service_is_still_a_400(
    demo: None, api_client: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shop.pricing import PricingError

    def refuse(request: Any) -> Any:
        raise PricingError("line '0': quantity must be between 1 and 99")

    monkeypatch.setattr(quoting, "price", refuse)
    data = invalid(api_client, {"items": [{"product": "serum-prep"}]})
    assert data["detail"] == (
        "items: These items cannot be priced: line '0': quantity must be between 1 and 99"
    )
