"""Stock taken by checkout (shop/checkout/stock.py). On PostgreSQL one statement locks the rows
in id order and takes the paid units and the gifts it can give; the short product is named
exactly, even when that statement has already taken a product before it, and nothing stays
taken. SQLite reads the rows first."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from shop.catalog.models import Product
from shop.catalog.selectors import product_infos
from shop.checkout.models import Order, OrderLineComponent
from shop.checkout.rows import order_gifts_given
from shop.checkout.stock import OutOfStock, StockNeed, stock_reserve
from tests.shop.checkout_helpers import (
    Catalog,
    check_out,
    make_catalog,
    new_cart,
    problem,
    stock,
)

pytestmark = pytest.mark.django_db


def needs_of(required: dict[str, int], gifts: dict[str, int] | None = None) -> dict[int, StockNeed]:
    gifts = gifts or {}
    infos = product_infos(slugs=[*required, *gifts])
    return {
        info.id: StockNeed(info, required=required.get(slug, 0), gifts=gifts.get(slug, 0))
        for slug, info in infos.items()
    }


def test_paid_units_and_gifts_are_taken_in_one_statement_on_postgresql(catalog: Catalog) -> None:
    Product.objects.filter(pk=catalog.gift.pk).update(stock=1)
    needs = needs_of({"toner": 2, "serum": 1, "wash": 1}, gifts={"eye-gift": 3, "wash": 1})
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        given = stock_reserve(needs=needs)
    assert given == {
        catalog.toner.pk: 0,
        catalog.serum.pk: 0,
        catalog.wash.pk: 1,
        catalog.gift.pk: 1,
    }
    assert stock(catalog.toner, catalog.serum, catalog.wash, catalog.gift) == [48, 49, 48, 0]
    if connection.vendor == "postgresql":
        assert len(queries) == 1, [q["sql"] for q in queries]
        assert "FOR UPDATE" in queries[0]["sql"]  # locked in id order by the sub-select


def test_a_gift_with_nothing_left_is_not_given_and_does_not_block(catalog: Catalog) -> None:
    Product.objects.filter(pk=catalog.gift.pk).update(stock=0)
    with transaction.atomic():
        given = stock_reserve(needs=needs_of({"toner": 1}, gifts={"eye-gift": 1}))
    assert given == {catalog.toner.pk: 0, catalog.gift.pk: 0}
    assert stock(catalog.toner, catalog.gift) == [49, 0]


@pytest.mark.parametrize(
    ("toner", "serum", "short", "available"),
    [(1, 0, "serum", 0), (0, 1, "toner", 0), (2, 1, "serum", 1)],
)
def test_the_short_product_is_named_and_nothing_is_taken(
    catalog: Catalog,
    api_client: APIClient,
    toner: int,
    serum: int,
    short: str,
    available: int,
) -> None:
    # The toner's id comes before the serum's: with the toner in stock the statement takes it
    # before finding the serum short, and the answer must still name the serum, with what it had.
    assert catalog.toner.pk < catalog.serum.pk
    Product.objects.filter(pk=catalog.toner.pk).update(stock=toner)
    Product.objects.filter(pk=catalog.serum.pk).update(stock=serum)
    quantity = 2 if toner == 2 else 1
    cart_id = new_cart(api_client, {"kit": "pair", "quantity": quantity})
    body = problem(check_out(api_client, cart_id), 409, "out_of_stock")
    assert (body["product"], body["available"], body["requested"]) == (short, available, quantity)
    assert stock(catalog.toner, catalog.serum) == [toner, serum]
    assert not Order.objects.exists()


def test_a_kit_with_a_gift_runs_out_of_the_gift_first(
    catalog: Catalog, api_client: APIClient
) -> None:
    Product.objects.filter(pk=catalog.gift.pk).update(stock=1)
    Product.objects.filter(pk=catalog.wash.pk).update(stock=2)
    for expected in (1, 0):
        cart_id = new_cart(api_client, {"kit": "duo"})
        assert check_out(api_client, cart_id).status_code == 201
        assert OrderLineComponent.objects.filter(gift=True).latest("id").reserved == expected
    body = problem(check_out(api_client, new_cart(api_client, {"kit": "duo"})), 409, "out_of_stock")
    assert (body["product"], body["available"]) == ("wash", 0)
    assert stock(catalog.wash, catalog.toner, catalog.gift) == [0, 48, 0]


def test_gifts_short_in_two_places_keep_what_was_left_in_line_order(
    catalog: Catalog, api_client: APIClient
) -> None:
    assert check_out(api_client, new_cart(api_client, {"kit": "duo", "quantity": 3})).status_code
    first = OrderLineComponent.objects.get(gift=True)
    second = OrderLineComponent.objects.get(pk=first.pk)
    second.pk = None
    second.save()  # a second component of the same gift, as two kits giving it would write
    gifts = [first, second]
    with CaptureQueriesContext(connection) as queries:
        order_gifts_given(gifts, {catalog.gift.pk: 2})  # 2 left of the 6 wanted: 2 then 0
    assert [c.reserved for c in gifts] == [2, 0]
    assert [c.reserved for c in OrderLineComponent.objects.filter(gift=True).order_by("pk")] == [
        2,
        0,
    ]
    assert len(queries) == 2  # one UPDATE per number kept, not one per component
    with CaptureQueriesContext(connection) as queries:
        order_gifts_given(gifts, {catalog.gift.pk: 2})  # as recorded: nothing to write
    assert len(queries) == 0


def test_a_service_caller_gets_the_same_refusal(catalog: Catalog) -> None:
    Product.objects.filter(pk=catalog.serum.pk).update(stock=0)
    with pytest.raises(OutOfStock) as refused, transaction.atomic():
        stock_reserve(needs=needs_of({"toner": 1, "serum": 1}))
    assert (refused.value.product.slug, refused.value.available) == ("serum", 0)
    assert stock(catalog.toner, catalog.serum) == [50, 0]


@pytest.mark.postgres
@pytest.mark.xdist_group("postgres-races")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("before", "change", "left"), [(0, +1, 0), (5, -1, 3)])
def test_units_moved_while_the_statement_waits_are_counted(
    before: int, change: int, left: int
) -> None:
    """Another transaction holds the serum's row (units given back, or taken) while checkout's
    statement waits for it: once it commits, the statement takes from what it left, not from
    the row as it was when the statement started."""
    catalog = make_catalog(stock=50)
    Product.objects.filter(pk=catalog.serum.pk).update(stock=before)
    holding, release = threading.Event(), threading.Event()

    def other() -> None:
        try:
            with transaction.atomic():
                Product.objects.filter(pk=catalog.serum.pk).update(stock=F("stock") + change)
                holding.set()
                release.wait(5)
        finally:
            connection.close()

    thread = threading.Thread(target=other)
    thread.start()
    assert holding.wait(5)
    threading.Timer(0.3, release.set).start()  # commits while the statement below waits
    with transaction.atomic():
        stock_reserve(needs=needs_of({"serum": 1}))
    thread.join()
    assert stock(catalog.serum) == [left]
