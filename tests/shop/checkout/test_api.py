"""Checkout through the API: what is written, idempotency, failures that write nothing."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from rest_framework.test import APIClient

from promotions.codes.services import PromoUnavailable
from promotions.messaging.models import OutboxMessage
from shop.cart.models import Cart, CartItem
from shop.catalog.models import Product
from shop.checkout import services as checkout
from shop.checkout.models import (
    ORDER_NUMBER_ALPHABET,
    Order,
    OrderAdjustment,
    OrderLine,
    OrderLineComponent,
    Payment,
)
from shop.checkout.payments import TestGateway
from shop.pricing import Breakdown
from shop.quoting.snapshot import catalog_snapshot
from tests.shop.checkout_helpers import (
    ROUTINE_ITEM,
    Catalog,
    check_out,
    checkout_body,
    confirmation_sent,
    new_cart,
    problem,
    stock,
)

pytestmark = pytest.mark.django_db


def nothing_written() -> None:
    assert not Order.objects.exists()
    assert not OrderLine.objects.exists()
    assert not OrderLineComponent.objects.exists()
    assert not OrderAdjustment.objects.exists()
    assert not Payment.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_checkout_writes_the_order_as_the_breakdown_charged_it(
    catalog: Catalog, api_client: APIClient
) -> None:
    items = [{"product": "toner", "quantity": 2}, {"kit": "duo"}, ROUTINE_ITEM]
    cart_id = new_cart(api_client, *items)
    quote = api_client.post("/api/quote/", {"items": items}, format="json").json()
    response = check_out(api_client, cart_id)
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) >= {"number", "status", "email", "lines", "breakdown", "created_at", "token"}
    assert len(body["number"]) == 10 and set(body["number"]) <= set(ORDER_NUMBER_ALPHABET)
    assert body["status"] == "paid" and body["email"] == "ana@example.com"
    assert body["total"] == quote["total"] == "118.50"  # 30.00 + 30.00 + 58.50, free shipping
    for key in ("subtotal", "discount_total", "shipping", "total", "value", "savings", "applied"):
        assert body["breakdown"][key] == quote[key]

    order = Order.objects.get()
    assert order.breakdown == body["breakdown"]
    assert Breakdown.from_dict(order.breakdown).total.amount == order.total_amount
    assert (order.subtotal_amount, order.discount_amount, order.shipping_amount) == (
        Decimal("130.00"),
        Decimal("11.50"),
        Decimal("0.00"),
    )
    lines = list(order.lines.order_by("position"))
    assert [(x.kind, x.ref, x.quantity, x.total_amount) for x in lines] == [
        ("product", "toner", 2, Decimal("30.00")),
        ("kit", "duo", 1, Decimal("30.00")),
        ("routine", "basic", 1, Decimal("58.50")),
    ]
    assert lines[2].selections == ["wash", "toner", "serum"]
    for line in lines:
        paid = [c for c in line.components.all() if not c.gift]
        assert sum(c.allocated_amount for c in paid) == line.total_amount
        for component in paid:
            units = [Decimal(u) for u in component.unit_allocations]
            assert len(units) == component.quantity and sum(units) == component.allocated_amount
    duo_gift = lines[1].components.get(gift=True)
    assert (duo_gift.product_slug, duo_gift.allocated_amount, duo_gift.reserved) == (
        "eye-gift",
        Decimal("0.00"),
        1,
    )
    adjustments = set(order.adjustments.values_list("line__ref", "source", "amount"))
    assert adjustments >= {
        ("duo", "bundle", Decimal("5.00")),
        ("basic", "bundle", Decimal("6.50")),
        (None, "shipping", Decimal("5.00")),
    }
    payment = order.payment
    assert (payment.state, payment.amount, payment.gateway) == (
        "captured",
        Decimal("118.50"),
        "test",
    )
    assert payment.amount == Decimal("118.50")
    assert [e.operation for e in TestGateway.ledger] == ["authorize", "capture"]
    # Stock of every product involved, components and plain products added together.
    assert stock(catalog.wash, catalog.toner, catalog.serum, catalog.gift) == [48, 46, 49, 49]
    assert Cart.objects.get().status == "checked_out"


def test_the_confirmation_email_is_in_the_outbox_once(
    catalog: Catalog, api_client: APIClient
) -> None:
    cart_id = new_cart(api_client, {"kit": "duo"})
    key = str(uuid.uuid4())
    number = check_out(api_client, cart_id, key=key).json()["number"]
    check_out(api_client, cart_id, key=key)
    message = OutboxMessage.objects.get()
    assert (message.purpose, message.key, message.recipient) == (
        "order_confirmation",
        f"order:{number}",
        "ana@example.com",
    )
    message = confirmation_sent()  # composed by the worker, from the order as stored
    assert number in message.subject
    assert "Duo" in message.body_text and "Duo" in message.body_html
    assert "Citrus Wash" in message.body_text  # the kit's contents are listed
    order = Order.objects.get()
    assert f"/orders/{number}/?token={order.access_token}" in message.body_text


def test_gifts_are_given_while_they_last_and_never_block(
    catalog: Catalog, api_client: APIClient
) -> None:
    Product.objects.filter(pk=catalog.gift.pk).update(stock=1)
    cart_id = new_cart(api_client, {"kit": "duo", "quantity": 3})
    assert check_out(api_client, cart_id).status_code == 201
    gift = OrderLineComponent.objects.get(gift=True)
    assert (gift.quantity, gift.reserved) == (3, 1)
    assert stock(catalog.gift, catalog.wash) == [0, 47]


def test_out_of_stock_names_the_product_and_writes_nothing(
    catalog: Catalog, api_client: APIClient
) -> None:
    # 2 toners on their own + 1 in the duo + 1 in the pair = 4 wanted, 3 left.
    Product.objects.filter(pk=catalog.toner.pk).update(stock=3)
    cart_id = new_cart(
        api_client, {"product": "toner", "quantity": 2}, {"kit": "duo"}, {"kit": "pair"}
    )
    body = problem(check_out(api_client, cart_id), 409, "out_of_stock")
    assert body["product"] == "toner" and body["available"] == 3 and body["requested"] == 4
    assert "Firming Toner" in body["detail"]
    nothing_written()
    assert stock(catalog.toner, catalog.wash, catalog.serum) == [3, 50, 50]
    assert Cart.objects.get().status == "open" and CartItem.objects.count() == 3


def test_a_declined_payment_releases_everything_and_keeps_the_cart(
    catalog: Catalog, api_client: APIClient
) -> None:
    cart_id = new_cart(api_client, {"kit": "duo"}, ROUTINE_ITEM)
    before = list(CartItem.objects.values_list("id", "quantity"))
    body = problem(
        check_out(api_client, cart_id, checkout_body("tok_decline")), 402, "payment_declined"
    )
    assert "declined" in body["detail"]
    nothing_written()
    assert stock(catalog.wash, catalog.toner, catalog.serum, catalog.gift) == [50, 50, 50, 50]
    assert Cart.objects.get().status == "open"
    assert list(CartItem.objects.values_list("id", "quantity")) == before
    # The same cart then goes through with a card that works.
    assert check_out(api_client, cart_id).status_code == 201


def test_an_unknown_test_token_is_declined(catalog: Catalog, api_client: APIClient) -> None:
    cart_id = new_cart(api_client, {"kit": "duo"})
    body = problem(
        check_out(api_client, cart_id, checkout_body("tok_other")), 402, "payment_declined"
    )
    assert "tok_ok" in body["detail"]
    nothing_written()


class Uses:
    """Stands for `promo_uses_prepare`: records when it and its `take` run, `take` may refuse."""

    def __init__(self, refusal: Exception | None = None) -> None:
        self.refusal = refusal
        self.seen: list[tuple[str, int, int, str]] = []

    def prepare(self, *, order: Order, breakdown: Breakdown, email: str, **_: object) -> Uses:
        self.seen.append(("prepare", wash_stock(), len(TestGateway.ledger), email))
        return self

    def take(self) -> None:
        self.seen.append(("take", wash_stock(), len(TestGateway.ledger), ""))
        if self.refusal is not None:
            raise self.refusal


def wash_stock() -> int:
    return Product.objects.get(slug="wash").stock


def test_an_exhausted_promo_code_is_409_and_writes_nothing(
    catalog: Catalog, api_client: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    uses = Uses(PromoUnavailable("PORES15", "promo_exhausted"))
    monkeypatch.setattr(checkout, "promo_uses_prepare", uses.prepare)
    cart_id = new_cart(api_client, {"kit": "duo"})
    body = problem(check_out(api_client, cart_id), 409, "promo_exhausted")
    assert body["promo_code"] == "PORES15"
    assert [step for step, *_ in uses.seen] == ["prepare", "take"]
    nothing_written()
    assert stock(catalog.wash, catalog.toner) == [50, 50]
    assert TestGateway.ledger == []  # refused before any payment was attempted


def test_uses_are_read_before_the_stock_and_taken_after_it_before_payment(
    catalog: Catalog, api_client: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    uses = Uses()
    monkeypatch.setattr(checkout, "promo_uses_prepare", uses.prepare)
    assert check_out(api_client, new_cart(api_client, {"kit": "duo"})).status_code == 201
    assert uses.seen == [("prepare", 50, 0, "ana@example.com"), ("take", 49, 0, "")]


def test_a_failure_after_authorization_voids_it(
    catalog: Catalog, api_client: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**kwargs: Any) -> None:
        raise RuntimeError("the database went away after the authorization")

    monkeypatch.setattr(Payment.objects, "create", broken)
    cart_row = Cart.objects.get(pk=new_cart(api_client, {"kit": "duo"}))
    details = checkout.CheckoutDetails(
        "ana@example.com", "Ana", "12 Rose St", "Portland", "97201", "US", "test", "tok_ok"
    )
    with pytest.raises(RuntimeError):
        checkout.order_place(cart_id=cart_row.pk, details=details, idempotency_key="k")
    assert [e.operation for e in TestGateway.ledger] == ["authorize", "void"]
    nothing_written()
    assert stock(catalog.wash) == [50]


# -- idempotency ----------------------------------------------------------------------------------


def test_idempotency_key_is_required(catalog: Catalog, api_client: APIClient) -> None:
    cart_id = new_cart(api_client, {"kit": "duo"})
    for headers in ({}, {"HTTP_IDEMPOTENCY_KEY": ""}, {"HTTP_IDEMPOTENCY_KEY": "   "}):
        response = api_client.post(
            f"/api/carts/{cart_id}/checkout/", checkout_body(), format="json", **headers
        )
        problem(response, 400, "idempotency_key_required")
    response = check_out(api_client, cart_id, key="k" * 256)
    problem(response, 400, "idempotency_key_invalid")
    nothing_written()


def test_the_same_key_and_body_replay_the_same_order(
    catalog: Catalog, api_client: APIClient
) -> None:
    cart_id = new_cart(api_client, {"kit": "duo"})
    first = check_out(api_client, cart_id, key="abc-123")
    again = check_out(api_client, cart_id, key="abc-123")
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["number"] == first.json()["number"]
    assert again.json()["token"] == first.json()["token"]
    assert Order.objects.count() == 1 and stock(catalog.wash) == [49]
    assert [e.operation for e in TestGateway.ledger] == ["authorize", "capture"]


def test_the_same_key_with_another_body_is_422(catalog: Catalog, api_client: APIClient) -> None:
    cart_id = new_cart(api_client, {"kit": "duo"})
    assert check_out(api_client, cart_id, key="abc").status_code == 201
    changed = checkout_body(email="someone@example.com")
    problem(check_out(api_client, cart_id, changed, key="abc"), 422, "idempotency_key_reused")
    other_cart = new_cart(api_client, {"kit": "duo"})
    problem(check_out(api_client, other_cart, key="abc"), 422, "idempotency_key_reused")
    assert Order.objects.count() == 1
    assert Cart.objects.get(pk=other_cart).status == "open"
    # The key's reuse is what is refused, even where this cart would be refused for itself.
    empty_cart = api_client.post("/api/carts/", {}, format="json").json()["id"]
    problem(check_out(api_client, empty_cart, key="abc"), 422, "idempotency_key_reused")


def test_a_key_whose_checkout_failed_can_be_used_again(
    catalog: Catalog, api_client: APIClient
) -> None:
    cart_id = new_cart(api_client, {"kit": "duo"})
    problem(
        check_out(api_client, cart_id, checkout_body("tok_decline"), key="k1"),
        402,
        "payment_declined",
    )
    assert check_out(api_client, cart_id, key="k1").status_code == 201


# -- bad input ------------------------------------------------------------------------------------


def _without(path: str) -> dict[str, Any]:
    body = checkout_body()
    if "." in path:
        outer, inner = path.split(".")
        del body[outer][inner]
    else:
        del body[path]
    return body


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (_without("email"), "email"),
        (_without("name"), "name"),
        (_without("address"), "address"),
        (_without("address.line1"), "address.line1"),
        (_without("address.city"), "address.city"),
        (_without("address.postal_code"), "address.postal_code"),
        (_without("address.country"), "address.country"),
        (_without("payment"), "payment"),
        (_without("payment.token"), "payment.token"),
        (checkout_body(email="not-an-email"), "email"),
        (checkout_body(email="a@b.c" + "x" * 300), "email"),
        (checkout_body(name=""), "name"),
        (checkout_body(name="x" * 121), "name"),
        (checkout_body(address="12 Rose Street"), "address.non_field_errors"),
        (
            checkout_body(address={**checkout_body()["address"], "country": "USA"}),
            "address.country",
        ),
        (checkout_body(address={**checkout_body()["address"], "country": "1"}), "address.country"),
        (
            checkout_body(address={**checkout_body()["address"], "postal_code": "<>"}),
            "address.postal_code",
        ),
        (checkout_body(address={**checkout_body()["address"], "city": ""}), "address.city"),
        (checkout_body(payment={"method": "cash", "token": "tok_ok"}), "payment.method"),
        (checkout_body(payment="tok_ok"), "payment.non_field_errors"),
    ],
)
def test_a_missing_or_malformed_field_is_400_and_writes_nothing(
    catalog: Catalog, api_client: APIClient, body: dict[str, Any], field: str
) -> None:
    cart_id = new_cart(api_client, {"kit": "duo"})
    response = check_out(api_client, cart_id, body)
    errors = problem(response, 400, "validation_error")["errors"]
    assert field in errors, errors
    nothing_written()
    assert stock(catalog.wash) == [50]


@pytest.mark.parametrize("payload", [[], "text", 5])
def test_a_body_that_is_not_an_object_is_400(
    catalog: Catalog, api_client: APIClient, payload: Any
) -> None:
    cart_id = new_cart(api_client, {"kit": "duo"})
    problem(check_out(api_client, cart_id, payload), 400, "validation_error")
    nothing_written()


def test_an_empty_cart_cannot_be_checked_out(catalog: Catalog, api_client: APIClient) -> None:
    problem(check_out(api_client, new_cart(api_client)), 409, "cart_empty")
    nothing_written()


# -- reading an order -----------------------------------------------------------------------------


def test_an_order_is_read_with_its_token_or_by_staff_only(
    catalog: Catalog, api_client: APIClient, staff_api: APIClient
) -> None:
    placed = check_out(api_client, new_cart(api_client, {"kit": "duo"})).json()
    number, token = placed["number"], placed["token"]
    response = api_client.get(f"/api/orders/{number}/?token={token}")
    assert response.status_code == 200
    body = response.json()
    assert "token" not in body
    assert body["number"] == number and body["breakdown"] == placed["breakdown"]
    assert staff_api.get(f"/api/orders/{number}/").status_code == 200
    assert api_client.get(f"/api/orders/{number.lower()}/?token={token}").status_code == 200
    for path in (
        f"/api/orders/{number}/",
        f"/api/orders/{number}/?token=wrong",
        f"/api/orders/{number}/?token={token[:-1]}",
        f"/api/orders/NOSUCHORDR/?token={token}",
        "/api/orders/%20/",
    ):
        body = problem(api_client.get(path), 404, "not_found")
        assert body["detail"] == "No such order."


def test_the_stored_breakdown_is_never_recomputed(catalog: Catalog, api_client: APIClient) -> None:
    placed = check_out(api_client, new_cart(api_client, {"kit": "duo"})).json()
    Product.objects.update(price_amount=Decimal("99.00"))
    response = api_client.get(f"/api/orders/{placed['number']}/?token={placed['token']}")
    assert response.json()["breakdown"] == placed["breakdown"]
    assert response.json()["total"] == "35.00"


# -- query counts ---------------------------------------------------------------------------------


def _cart_of(catalog: Catalog, api_client: APIClient, n: int) -> str:
    from tests.factories import ProductFactory

    extra = [ProductFactory(step=catalog.wash.step, slug=f"more-{n}-{i}") for i in range(n)]
    return new_cart(
        api_client,
        *({"product": p.slug} for p in extra),
        {"kit": "duo"},
        {"kit": "pair"},
        ROUTINE_ITEM,
    )


@pytest.mark.parametrize("n", [1, 15])
def test_checkout_queries_do_not_grow_with_lines(
    catalog: Catalog, api_client: APIClient, django_assert_num_queries: Any, n: int
) -> None:
    cart_id = _cart_of(catalog, api_client, n)
    catalog_snapshot()  # as in a running shop: loaded once, checked by its token after that
    # the reservation: savepoint, (PostgreSQL: its lock timeout and synchronous_commit off, one
    # statement), cart lock (the view does not read the cart first), items, catalog token,
    # order insert, lines, components, adjustments, cart close, the stock (PostgreSQL: one
    # statement locks and takes; SQLite: the rows read, then one update per distinct number of
    # units, 3 here: 2, 3 and 1), release; the confirmation: savepoint, order placed, payment,
    # savepoint + outbox insert + release (the unique key decides; composed when sent),
    # release; capture: both guarded updates in one statement (SQLite: savepoint, 2 updates,
    # release). The answer is built from the rows just written: no query.
    with django_assert_num_queries(20 if connection.vendor == "postgresql" else 25):
        response = check_out(api_client, cart_id)
    assert response.status_code == 201


@pytest.mark.parametrize("n", [1, 15])
def test_order_read_queries_do_not_grow_with_lines(
    catalog: Catalog, api_client: APIClient, django_assert_num_queries: Any, n: int
) -> None:
    placed = check_out(api_client, _cart_of(catalog, api_client, n)).json()
    with django_assert_num_queries(4):  # order with payment, lines, components, adjustments
        api_client.get(f"/api/orders/{placed['number']}/?token={placed['token']}")


def test_a_well_formed_checkout_of_an_unknown_cart_is_404(
    catalog: Catalog, api_client: APIClient
) -> None:
    # The view does not read the cart first: the reservation's cart lock finds none.
    unknown = "6f1c2b7e-0d4a-4c57-9a3e-5b8d2f0e7c41"
    problem(check_out(api_client, unknown), 404, "not_found")
    nothing_written()


def test_a_replay_is_cheap(
    catalog: Catalog, api_client: APIClient, django_assert_num_queries: Any
) -> None:
    cart_id = _cart_of(catalog, api_client, 3)
    assert check_out(api_client, cart_id, key="same").status_code == 201
    # savepoint, (PostgreSQL: the reservation's settings), cart lock (closed: a repeat), order
    # by key with payment, release; the answer read back: lines, components, adjustments
    with django_assert_num_queries(7 + (connection.vendor == "postgresql")):
        assert check_out(api_client, cart_id, key="same").status_code == 200


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("items/", {"product": "wa\u0000sh"}, 400),
        ("items/", {"kit": "\u0000"}, 400),
        ("items/", {"routine": "basic", "selections": ["wash", "ton\u0000er"]}, 400),
        ("promo/", {"code": "PORES\u000015"}, 400),
        ("checkout/", checkout_body(name="Ana\u0000"), 400),
        ("checkout/", checkout_body(email="ana\u0000@example.com"), 400),
        (
            "checkout/",
            checkout_body(address={**checkout_body()["address"], "city": "Port\u0000land"}),
            400,
        ),
        ("checkout/", checkout_body(payment={"method": "test", "token": "tok\u0000ok"}), 400),
    ],
)
def test_nul_characters_in_bodies_are_refused_before_the_database(
    catalog: Catalog, api_client: APIClient, path: str, body: dict[str, Any], status: int
) -> None:
    """PostgreSQL refuses NUL in text: every field that reaches a query or a row is checked."""
    cart_id = new_cart(api_client, {"kit": "duo"})
    response = api_client.post(
        f"/api/carts/{cart_id}/{path}", body, format="json", HTTP_IDEMPOTENCY_KEY="nul"
    )
    assert response.status_code == status, response.content
    assert not Order.objects.exists()
