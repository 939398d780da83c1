"""Cart API: the contract's shapes, merging, flags for changed lines, promo codes, bad input."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest
from rest_framework.test import APIClient

from kits.models import Kit
from shop.cart.models import Cart, CartItem
from shop.catalog.models import Product
from shop.quoting.snapshot import catalog_snapshot
from tests.factories import ProductFactory, StepFactory
from tests.shop.checkout_helpers import ROUTINE_ITEM, Catalog, check_out, new_cart, problem

pytestmark = pytest.mark.django_db
UNKNOWN_CART = uuid.UUID("6f1c2b7e-0d4a-4c57-9a3e-5b8d2f0e7c41")


def cart(client: APIClient, cart_id: str) -> dict[str, Any]:
    response = client.get(f"/api/carts/{cart_id}/")
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    return body


def test_a_new_cart_has_the_contract_shape(catalog: Catalog, api_client: APIClient) -> None:
    response = api_client.post("/api/carts/", {}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert uuid.UUID(body["id"])
    assert body["items"] == [] and body["promo_code"] is None
    assert body["currency"] == "USD" and body["status"] == "open"
    assert body["breakdown"]["total"] == "0.00" and body["breakdown"]["lines"] == []
    assert cart(api_client, body["id"]) == body


def test_items_of_every_kind_are_priced_by_the_quote_service(
    catalog: Catalog, api_client: APIClient
) -> None:
    cart_id = new_cart(
        api_client,
        {"product": "wash", "quantity": 2},
        {"kit": "duo"},
        ROUTINE_ITEM,
    )
    body = cart(api_client, cart_id)
    quote = api_client.post(
        "/api/quote/",
        {"items": [{"product": "wash", "quantity": 2}, {"kit": "duo"}, ROUTINE_ITEM]},
        format="json",
    ).json()
    breakdown = body["breakdown"]
    # The same figures as the quote; only the line ids differ (cart item ids, not indexes).
    for key in ("subtotal", "discount_total", "shipping", "total", "value", "savings"):
        assert breakdown[key] == quote[key], key
    assert [line["total"] for line in breakdown["lines"]] == ["40.00", "30.00", "58.50"]
    assert [line["id"] for line in breakdown["lines"]] == [item["id"] for item in body["items"]]
    first, kit, routine = body["items"]
    assert first == {
        "id": first["id"],
        "product": "wash",
        "quantity": 2,
        "name": "Citrus Wash",
        "unit_price": "20.00",
        "seen_price": "20.00",
        "price_changed": False,
        "available": True,
        "in_stock": True,
        "problems": [],
    }
    assert kit["kit"] == "duo" and kit["unit_price"] == "30.00"
    assert routine["routine"] == "basic" and routine["selections"] == ["wash", "toner", "serum"]
    assert routine["unit_price"] == "58.50"  # 65.00 less the 10% tier
    assert body["item_count"] == 4


def test_adding_the_same_thing_again_adds_to_its_line(
    catalog: Catalog, api_client: APIClient
) -> None:
    cart_id = new_cart(api_client, {"kit": "duo"}, {"kit": "duo", "quantity": 2})
    routine_again = {**ROUTINE_ITEM, "selections": ["serum", "wash", "toner"]}
    new_items = [ROUTINE_ITEM, routine_again]
    for item in new_items:
        api_client.post(f"/api/carts/{cart_id}/items/", item, format="json")
    body = cart(api_client, cart_id)
    assert [(i.get("kit") or i.get("routine"), i["quantity"]) for i in body["items"]] == [
        ("duo", 3),
        ("basic", 2),
    ]


def test_a_line_cannot_pass_99(catalog: Catalog, api_client: APIClient) -> None:
    cart_id = new_cart(api_client, {"product": "wash", "quantity": 98})
    response = api_client.post(
        f"/api/carts/{cart_id}/items/", {"product": "wash", "quantity": 2}, format="json"
    )
    body = problem(response, 400, "invalid_items")
    assert "already has 98" in body["detail"]
    assert CartItem.objects.get().quantity == 98


def test_a_changed_price_is_flagged_not_hidden(catalog: Catalog, api_client: APIClient) -> None:
    cart_id = new_cart(api_client, {"product": "wash"}, {"kit": "duo"})
    Product.objects.filter(slug="wash").update(price_amount=Decimal("22.00"))
    Kit.objects.filter(slug="duo").update(price_amount=Decimal("28.00"))
    wash, duo = cart(api_client, cart_id)["items"]
    assert (wash["seen_price"], wash["unit_price"], wash["price_changed"]) == (
        "20.00",
        "22.00",
        True,
    )
    assert (duo["seen_price"], duo["unit_price"], duo["price_changed"]) == ("30.00", "28.00", True)
    # Changing the quantity shows the current price: the shopper has now seen it.
    response = api_client.patch(
        f"/api/carts/{cart_id}/items/{wash['id']}/", {"quantity": 2}, format="json"
    )
    assert response.json()["items"][0]["price_changed"] is False


def test_a_line_that_became_unavailable_stays_flagged(
    catalog: Catalog, api_client: APIClient
) -> None:
    cart_id = new_cart(api_client, {"product": "wash"}, {"kit": "pair"}, ROUTINE_ITEM)
    Product.objects.filter(slug="serum").update(active=False)
    body = cart(api_client, cart_id)
    wash, pair, routine = body["items"]
    assert wash["available"] is True
    assert pair["available"] is False and "no longer sold" in pair["problems"][0]
    assert routine["available"] is False and "Renew Serum" in routine["problems"][0]
    assert pair["unit_price"] is None
    # The breakdown prices what can still be bought; nothing was dropped from the cart.
    assert [line["ref"] for line in body["breakdown"]["lines"]] == ["wash"]
    assert CartItem.objects.count() == 3
    problem(check_out(api_client, cart_id), 400, "invalid_items")


def test_stock_short_of_the_quantity_is_flagged(catalog: Catalog, api_client: APIClient) -> None:
    cart_id = new_cart(api_client, {"product": "wash", "quantity": 3}, {"kit": "duo"})
    Product.objects.filter(slug="wash").update(stock=2)
    wash, duo = cart(api_client, cart_id)["items"]
    assert wash["in_stock"] is False and duo["in_stock"] is True


def test_patch_and_delete_items(catalog: Catalog, api_client: APIClient) -> None:
    cart_id = new_cart(api_client, {"product": "wash"}, {"kit": "duo"})
    wash, duo = cart(api_client, cart_id)["items"]
    response = api_client.patch(
        f"/api/carts/{cart_id}/items/{wash['id']}/", {"quantity": 5}, format="json"
    )
    assert response.status_code == 200 and response.json()["items"][0]["quantity"] == 5
    response = api_client.delete(f"/api/carts/{cart_id}/items/{duo['id']}/")
    assert response.status_code == 200
    assert [item["id"] for item in response.json()["items"]] == [wash["id"]]


@pytest.mark.parametrize("quantity", [0, -1, 10**9, "2", 1.5, True, None])
def test_bad_quantities_are_refused_and_change_nothing(
    catalog: Catalog, api_client: APIClient, quantity: Any
) -> None:
    cart_id = new_cart(api_client, {"product": "wash"})
    item_id = cart(api_client, cart_id)["items"][0]["id"]
    response = api_client.post(
        f"/api/carts/{cart_id}/items/", {"product": "toner", "quantity": quantity}, format="json"
    )
    problem(response, 400, "invalid_items")
    response = api_client.patch(
        f"/api/carts/{cart_id}/items/{item_id}/", {"quantity": quantity}, format="json"
    )
    problem(response, 400, "invalid_items")
    assert list(CartItem.objects.values_list("ref", "quantity")) == [("wash", 1)]


@pytest.mark.parametrize(
    ("item", "field"),
    [
        ({"product": "nope"}, "product"),
        ({"kit": "nope"}, "kit"),
        ({"routine": "basic", "selections": ["wash"]}, "selections"),
        ({"routine": "basic"}, "selections"),
        ({"product": "wash", "kit": "duo"}, "item"),
        ({"product": "wash", "qty": 2}, "qty"),
        ({}, "item"),
        ([], "item"),
        ("wash", "item"),
    ],
)
def test_unknown_or_malformed_items_are_400_naming_the_field(
    catalog: Catalog, api_client: APIClient, item: Any, field: str
) -> None:
    cart_id = new_cart(api_client)
    response = api_client.post(f"/api/carts/{cart_id}/items/", item, format="json")
    body = problem(response, 400, "invalid_items")
    assert field in body["errors"], body
    assert not CartItem.objects.exists()


@pytest.mark.parametrize(
    "path",
    [
        "/api/carts/not-a-uuid/",
        "/api/carts/12345/items/",
        # Fixed ids, not uuid4(): test ids must be the same in every process (pytest-xdist).
        f"/api/carts/{UNKNOWN_CART}/",
        f"/api/carts/{UNKNOWN_CART}/items/",
        f"/api/carts/{UNKNOWN_CART}/promo/",
        f"/api/carts/{UNKNOWN_CART}/checkout/",
    ],
)
def test_unknown_or_malformed_cart_ids_are_404(
    catalog: Catalog, api_client: APIClient, path: str
) -> None:
    method = api_client.get if path.count("/") == 4 else api_client.post
    response = method(path, {"product": "wash", "code": "X"}, format="json")
    problem(response, 404, "not_found")
    assert not CartItem.objects.exists()


def test_an_item_of_another_cart_is_404(catalog: Catalog, api_client: APIClient) -> None:
    mine = new_cart(api_client, {"product": "wash"})
    theirs = new_cart(api_client, {"product": "toner"})
    their_item = cart(api_client, theirs)["items"][0]["id"]
    for response in (
        api_client.patch(f"/api/carts/{mine}/items/{their_item}/", {"quantity": 3}, format="json"),
        api_client.delete(f"/api/carts/{mine}/items/{their_item}/"),
        api_client.delete(f"/api/carts/{mine}/items/not-a-uuid/"),
    ):
        problem(response, 404, "not_found")
    assert cart(api_client, theirs)["items"][0]["quantity"] == 1


def test_a_checked_out_cart_is_closed(catalog: Catalog, api_client: APIClient) -> None:
    cart_id = new_cart(api_client, {"product": "wash"})
    assert check_out(api_client, cart_id).status_code == 201
    item_id = cart(api_client, cart_id)["items"][0]["id"]
    assert cart(api_client, cart_id)["status"] == "checked_out"
    for response in (
        api_client.post(f"/api/carts/{cart_id}/items/", {"product": "toner"}, format="json"),
        api_client.patch(f"/api/carts/{cart_id}/items/{item_id}/", {"quantity": 2}, format="json"),
        api_client.delete(f"/api/carts/{cart_id}/items/{item_id}/"),
        api_client.post(f"/api/carts/{cart_id}/promo/", {"code": "X"}, format="json"),
        api_client.delete(f"/api/carts/{cart_id}/promo/"),
        check_out(api_client, cart_id),  # a new key: not a replay
    ):
        problem(response, 409, "cart_closed")
    assert CartItem.objects.count() == 1 and CartItem.objects.get().quantity == 1


def test_an_unknown_promo_code_is_422_and_not_stored(
    catalog: Catalog, api_client: APIClient
) -> None:
    cart_id = new_cart(api_client, {"kit": "duo"})
    response = api_client.post(f"/api/carts/{cart_id}/promo/", {"code": " pores15 "}, format="json")
    body = problem(response, 422, "promo_not_found")
    assert body["detail"] == "PORES15 isn't a valid promo code."
    assert body["promo_code"] == "PORES15"
    assert Cart.objects.get().promo_code == ""
    assert api_client.delete(f"/api/carts/{cart_id}/promo/").json()["promo_code"] is None


@pytest.mark.parametrize("code", ["", "   ", None, 5, "x" * 65])
def test_a_malformed_promo_code_is_400(catalog: Catalog, api_client: APIClient, code: Any) -> None:
    cart_id = new_cart(api_client)
    response = api_client.post(f"/api/carts/{cart_id}/promo/", {"code": code}, format="json")
    problem(response, 400, "validation_error")


def test_a_stored_code_that_stops_applying_is_reported(
    catalog: Catalog, api_client: APIClient
) -> None:
    """A code kept on the cart (by the promotions app, once codes exist) that no longer
    applies stays visible with its reason, and the breakdown is priced without it."""
    cart_id = new_cart(api_client, {"kit": "duo"})
    Cart.objects.filter(pk=cart_id).update(promo_code="GONE10")
    body = cart(api_client, cart_id)
    assert body["promo_code"] == "GONE10"
    assert body["promo_rejection"] == {
        "code": "promo_not_found",
        "reason": "GONE10 isn't a valid promo code.",
    }
    assert body["breakdown"]["total"] == "35.00"  # 30.00 + 5.00 shipping, no code


def test_a_cart_holds_at_most_100_lines(db: Any, api_client: APIClient) -> None:
    step = StepFactory(slug="cleanse", position=1)
    products = ProductFactory.create_batch(101, step=step)
    cart_id = new_cart(api_client)
    cart_row = Cart.objects.get()
    CartItem.objects.bulk_create(
        CartItem(
            cart=cart_row,
            kind="product",
            ref=p.slug,
            quantity=1,
            name=p.name,
            seen_price_amount=p.price_amount,
        )
        for p in products[:100]
    )
    response = api_client.post(
        f"/api/carts/{cart_id}/items/", {"product": products[100].slug}, format="json"
    )
    problem(response, 409, "cart_full")


# -- query counts ---------------------------------------------------------------------------------


def _many_lines(catalog: Catalog, api_client: APIClient, n: int) -> str:
    step = catalog.wash.step
    extra = [ProductFactory(step=step, slug=f"extra-{n}-{i}") for i in range(n)]
    return new_cart(
        api_client,
        *({"product": p.slug} for p in extra),
        {"kit": "duo"},
        {"kit": "pair"},
        ROUTINE_ITEM,
    )


@pytest.mark.parametrize("n", [1, 12])
def test_cart_get_queries_do_not_grow_with_lines(
    catalog: Catalog, api_client: APIClient, django_assert_num_queries: Any, n: int
) -> None:
    cart_id = _many_lines(catalog, api_client, n)
    catalog_snapshot()  # as in a running shop: loaded once, checked by its token after that
    # the items with their cart, the catalog token, the stock of the products they involve
    with django_assert_num_queries(3):
        response = api_client.get(f"/api/carts/{cart_id}/")
    assert response.status_code == 200 and len(response.json()["items"]) == n + 3


def test_the_cart_page_reads_and_prices_the_cart_in_three_queries(
    catalog: Catalog, client: Any, django_assert_num_queries: Any
) -> None:
    assert client.post("/cart/add/", {"kit": "duo", "quantity": "1"}).status_code == 302
    assert client.post("/cart/add/", {"product": "serum", "quantity": "2"}).status_code == 302
    catalog_snapshot()
    # the session; then the items with their cart, the catalog token, the stock
    with django_assert_num_queries(4):
        page = client.get("/cart/")
    assert page.status_code == 200 and "Renew Serum" in page.content.decode()


def test_the_cart_shows_stock_as_it_is_now_not_as_the_snapshot_kept_it(
    catalog: Catalog, api_client: APIClient
) -> None:
    cart_id = new_cart(api_client, {"kit": "duo"}, {"product": "serum"})
    catalog_snapshot()
    # Sales change stock without changing the catalog token: the snapshot keeps old stock.
    Product.objects.filter(pk=catalog.toner.pk).update(stock=0)

    def in_stock() -> dict[str, bool]:
        items = api_client.get(f"/api/carts/{cart_id}/").json()["items"]
        return {item.get("kit") or item["product"]: item["in_stock"] for item in items}

    assert in_stock() == {"duo": False, "serum": True}
    Product.objects.filter(pk=catalog.serum.pk).update(stock=0)
    Product.objects.filter(pk=catalog.toner.pk).update(stock=3)
    assert in_stock() == {"duo": True, "serum": False}


@pytest.mark.parametrize("n", [1, 12])
def test_adding_an_item_does_not_grow_with_lines(
    catalog: Catalog, api_client: APIClient, django_assert_num_queries: Any, n: int
) -> None:
    cart_id = _many_lines(catalog, api_client, n)
    # cart; savepoint, lock, items, the new item's quote (product), insert, touch, release;
    # then the answer: cart view (items, the catalog token, stock)
    with django_assert_num_queries(11):
        response = api_client.post(
            f"/api/carts/{cart_id}/items/", {"product": "serum"}, format="json"
        )
    assert response.status_code == 201
