"""Storefront buying without JavaScript: add to cart, the cart page, checkout, confirmation,
order lookup. Errors appear next to the field they belong to; a declined card keeps the cart."""

from __future__ import annotations

import html as html_lib
import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from kits.models import Kit
from promotions.messaging.models import OutboxMessage
from shop.cart.models import Cart, CartItem
from shop.catalog.models import Product
from shop.checkout.models import Order
from tests.shop.checkout_helpers import Catalog, stock

pytestmark = pytest.mark.django_db

FORM = {
    "email": "ana@example.com",
    "name": "Ana Lima",
    "line1": "12 Rose Street",
    "city": "Portland",
    "postal_code": "97201",
    "country": "us",
    "region": "US-OR",
    "card_number": "4242 4242 4242 4242",
    "card_expiry": "12/34",
    "card_cvc": "123",
}


def text(page: str) -> str:
    return html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def field_errors(page: str) -> dict[str, str]:
    """Error text by the id of the input it describes (`<div id="<input id>_error">`)."""
    return {
        field: text(body).strip()
        for field, body in re.findall(
            r'<div class="field-error" id="([\w-]+)_error"[^>]*>(.*?)</div>', page, re.S
        )
    }


def add(client: Client, **fields: Any) -> Any:
    return client.post("/cart/add/", fields)


def test_the_product_page_adds_to_the_cart(catalog: Catalog, client: Client) -> None:
    page = client.get("/products/wash/").content.decode()
    assert 'action="/cart/add/"' in page and 'name="product" value="wash"' in page
    response = add(client, product="wash", quantity="2", next="/products/wash/")
    assert response.status_code == 302 and response["Location"] == "/cart/"
    item = CartItem.objects.get()
    assert (item.kind, item.ref, item.quantity) == ("product", "wash", 2)
    cart_page = client.get("/cart/").content.decode()
    assert "Added Citrus Wash to your cart." in text(cart_page)
    # The nav shows the unit count on every page, without a query for it.
    assert 'class="cart-count">2<' in client.get("/").content.decode()


def test_an_unavailable_product_cannot_be_added(catalog: Catalog, client: Client) -> None:
    Product.objects.filter(slug="wash").update(stock=0)
    page = client.get("/products/wash/").content.decode()
    assert re.search(r'<button type="submit" disabled', page)


def test_a_bad_quantity_is_explained_and_adds_nothing(catalog: Catalog, client: Client) -> None:
    for quantity in ("0", "-1", "1000000000", "abc"):
        response = add(client, product="wash", quantity=quantity, next="/products/wash/")
        assert response["Location"] == "/products/wash/"
        page = text(client.get("/products/wash/").content.decode())
        assert "Quantity must be a whole number from 1 to 99" in page
    response = add(client, product="nope", next="https://evil.example.com/")
    assert response["Location"] == "/cart/"  # never redirected off the site
    assert "No product is called" in text(client.get("/cart/").content.decode())
    assert not CartItem.objects.exists()


def test_the_kit_page_adds_the_kit(catalog: Catalog, client: Client) -> None:
    page = client.get("/kits/duo/").content.decode()
    assert 'name="kit" value="duo"' in page
    add(client, kit="duo", quantity="1")
    assert CartItem.objects.get().ref == "duo"


def test_a_built_routine_is_added_from_the_builder(catalog: Catalog, client: Client) -> None:
    choices = {"step-cleanse": "wash", "step-tone": "toner", "step-renew": "serum"}
    page = client.get("/kits/routines/basic/").content.decode()
    # Without a valid selection the add button is hidden (builder.js shows it when one is).
    assert '<p class="builder-actions" data-when-valid hidden>' in page
    built = client.post("/kits/routines/basic/", choices).content.decode()
    assert 'formaction="/cart/add/"' in built and 'name="routine" value="basic"' in built
    response = client.post(
        "/cart/add/", {**choices, "routine": "basic", "next": "/kits/routines/basic/"}
    )
    assert response["Location"] == "/cart/"
    item = CartItem.objects.get()
    assert (item.kind, item.ref, sorted(item.selections)) == (
        "routine",
        "basic",
        ["serum", "toner", "wash"],
    )
    assert "$58.50" in text(client.get("/cart/").content.decode())
    # An incomplete routine is refused with the builder's own message.
    response = client.post(
        "/cart/add/", {"step-cleanse": "wash", "routine": "basic", "next": "/kits/routines/basic/"}
    )
    assert response["Location"] == "/kits/routines/basic/"
    assert "Choose one" in text(client.get("/kits/routines/basic/").content.decode())
    assert CartItem.objects.count() == 1


def test_the_cart_page_shows_the_breakdown_and_flags(catalog: Catalog, client: Client) -> None:
    add(client, product="wash")
    add(client, kit="duo")
    add(client, kit="pair")
    Product.objects.filter(slug="wash").update(price_amount=Decimal("21.00"))
    Product.objects.filter(slug="serum").update(active=False)
    Kit.objects.filter(slug="duo").update(price_amount=Decimal("29.00"))
    page = text(client.get("/cart/").content.decode())
    assert "Price changed from $20.00 to $21.00 each" in page
    assert "Price changed from $30.00 to $29.00 each" in page
    assert "No longer available: Pair is not available: Renew Serum is no longer sold." in page
    assert "Duo price: −$7.00" in page  # the wash went up: the duo is worth 36.00 now
    assert "Total $50.00" in page  # 21.00 + 29.00, free shipping from 50.00
    assert "Remove or change the flagged items to check out." in page
    assert "Check out" not in page.replace("check out.", "")


def test_quantities_change_in_place_with_errors_next_to_the_line(
    catalog: Catalog, client: Client
) -> None:
    add(client, product="wash")
    item = CartItem.objects.get()
    response = client.post(f"/cart/items/{item.pk}/", {"quantity": "0"})
    assert response.status_code == 400
    page = response.content.decode()
    assert field_errors(page) == {
        f"quantity-{item.pk}": "Quantity must be a whole number from 1 to 99, not 0."
    }
    assert 'aria-invalid="true"' in page
    client.post(f"/cart/items/{item.pk}/", {"quantity": "3"})
    assert CartItem.objects.get().quantity == 3
    client.post(f"/cart/items/{item.pk}/", {"remove": "1"})
    assert not CartItem.objects.exists()
    assert "Your cart is empty." in text(client.get("/cart/").content.decode())
    # Someone else's item, or nonsense, changes nothing.
    assert client.post("/cart/items/not-an-id/", {"quantity": "2"}).status_code == 302


def test_a_promo_code_that_does_not_apply_shows_why_in_place(
    catalog: Catalog, client: Client
) -> None:
    add(client, kit="duo")
    response = client.post("/cart/promo/", {"code": "pores15"})
    assert response.status_code == 422
    page = response.content.decode()
    assert field_errors(page) == {"promo-code": "PORES15 isn't a valid promo code."}
    assert 'value="pores15"' in page  # what was typed stays in the field
    assert Cart.objects.get().promo_code == ""
    response = client.post("/cart/promo/", {"code": "  "})
    assert response.status_code == 400 and "promo-code" in field_errors(response.content.decode())


def test_checkout_errors_sit_next_to_their_fields(catalog: Catalog, client: Client) -> None:
    add(client, kit="duo")
    response = client.post(
        "/checkout/", {**FORM, "email": "nope", "country": "USA", "postal_code": "", "name": ""}
    )
    assert response.status_code == 400
    errors = field_errors(response.content.decode())
    assert set(errors) == {"id_email", "id_country", "id_postal_code", "id_name"}
    assert "two-letter country code" in errors["id_country"]
    assert not Order.objects.exists()


def test_a_declined_card_shows_the_error_and_keeps_the_cart(
    catalog: Catalog, client: Client
) -> None:
    add(client, kit="duo")
    add(client, product="toner", quantity="2")
    before = list(CartItem.objects.values_list("id", "quantity"))
    response = client.post("/checkout/", {**FORM, "card_number": "4000 0000 0000 0002"})
    assert response.status_code == 402
    errors = field_errors(response.content.decode())
    assert errors == {"id_card_number": "Your card was declined. Try another card."}
    assert 'value="ana@example.com"' in response.content.decode()  # nothing typed is lost
    assert not Order.objects.exists() and not OutboxMessage.objects.exists()
    assert list(CartItem.objects.values_list("id", "quantity")) == before
    assert Cart.objects.get().status == "open"
    assert stock(catalog.wash, catalog.toner) == [50, 50]
    assert "Duo" in text(client.get("/cart/").content.decode())


def test_checkout_confirms_the_order_and_a_double_submit_shows_it_again(
    catalog: Catalog, client: Client
) -> None:
    add(client, kit="duo")
    first = client.post("/checkout/", FORM)
    order = Order.objects.get()
    assert first.status_code == 302
    assert first["Location"] == f"/checkout/confirmation/{order.number}/"
    page = text(client.get(first["Location"]).content.decode())
    assert f"Your order number is {order.number}" in page
    assert "ana@example.com" in page and "Duo" in page
    # The same form again (a double click, the back button): the same order, not a second one.
    again = client.post("/checkout/", FORM)
    assert again["Location"] == first["Location"]
    assert Order.objects.count() == 1 and stock(catalog.wash) == [49]
    assert "cart-count" not in client.get("/").content.decode()
    # The confirmation belongs to this browser only.
    assert Client().get(first["Location"]).status_code == 404


def test_out_of_stock_at_checkout_is_explained(catalog: Catalog, client: Client) -> None:
    add(client, product="serum", quantity="3")
    Product.objects.filter(slug="serum").update(stock=2)
    response = client.post("/checkout/", FORM)
    assert response.status_code == 409
    assert "Only 2 of Renew Serum left; this order needs 3." in text(response.content.decode())
    assert not Order.objects.exists()


def test_an_empty_cart_sends_checkout_back_to_the_cart(catalog: Catalog, client: Client) -> None:
    assert client.get("/checkout/")["Location"] == "/cart/"
    assert client.post("/checkout/", FORM)["Location"] == "/cart/"


def test_an_order_is_found_by_number_and_access_code(catalog: Catalog, client: Client) -> None:
    add(client, kit="duo")
    client.post("/checkout/", FORM)
    order = Order.objects.get()
    stranger = Client()
    response = stranger.get(
        "/orders/", {"number": order.number.lower(), "token": order.access_token}
    )
    assert response["Location"] == f"/orders/{order.number}/?token={order.access_token}"
    page = text(stranger.get(response["Location"]).content.decode())
    assert f"Order {order.number}" in page and "Paid" in page and "12 Rose Street" in page
    for number, token in ((order.number, "wrong"), ("ZZZZZZZZZZ", order.access_token)):
        response = stranger.get("/orders/", {"number": number, "token": token})
        assert response.status_code == 404
        assert "No order matches that number and access code." in text(response.content.decode())
    assert stranger.get(f"/orders/{order.number}/").status_code == 404
    assert stranger.get(f"/orders/{order.number}/?token=x").status_code == 404


def test_shopper_text_is_escaped(catalog: Catalog, client: Client) -> None:
    Product.objects.filter(slug="wash").update(name="<script>alert(1)</script>")
    add(client, product="wash")
    page = client.get("/cart/").content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.parametrize("n", [1, 10])
def test_cart_and_checkout_pages_do_not_grow_with_lines(
    catalog: Catalog, client: Client, django_assert_num_queries: Any, n: int
) -> None:
    from tests.factories import ProductFactory

    for i in range(n):
        add(client, product=ProductFactory(step=catalog.wash.step, slug=f"p-{n}-{i}").slug)
    add(client, kit="duo")
    client.post(
        "/cart/add/",
        {"routine": "basic", "step-cleanse": "wash", "step-tone": "toner", "step-renew": "serum"},
    )
    client.get("/cart/")  # reads the flash message left by the last add
    # session; the items with their cart, the catalog token, the stock they involve
    with django_assert_num_queries(4):
        assert client.get("/cart/").status_code == 200
    # session, cart, items, the catalog token, the stock they involve
    with django_assert_num_queries(5):
        assert client.get("/checkout/").status_code == 200
