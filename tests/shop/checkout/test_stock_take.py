"""Stock taken in one statement when an order takes as many units of each product and gives no
gift (shop/checkout/stock.py `_take_alike`): the short product is named exactly, even when the
same statement has already taken a product before it, and nothing stays taken."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from shop.catalog.models import Product
from shop.catalog.selectors import product_infos
from shop.checkout.models import Order
from shop.checkout.stock import OutOfStock, StockNeed, stock_reserve
from tests.shop.checkout_helpers import Catalog, check_out, new_cart, problem, stock

pytestmark = pytest.mark.django_db


def test_the_pair_takes_one_of_each_in_one_statement(catalog: Catalog) -> None:
    infos = product_infos(slugs=["toner", "serum"]).values()
    needs = {info.id: StockNeed(info, required=2) for info in infos}
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        assert stock_reserve(needs=needs) == {catalog.toner.pk: 0, catalog.serum.pk: 0}
    assert len(queries) == 1, [q["sql"] for q in queries]
    if connection.vendor == "postgresql":
        assert "FOR UPDATE" in queries[0]["sql"]  # locked in id order by the sub-select
    assert stock(catalog.toner, catalog.serum) == [48, 48]


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


def test_a_service_caller_gets_the_same_refusal(catalog: Catalog) -> None:
    Product.objects.filter(pk=catalog.serum.pk).update(stock=0)
    infos = product_infos(slugs=["toner", "serum"]).values()
    needs = {info.id: StockNeed(info, required=1) for info in infos}
    with pytest.raises(OutOfStock) as refused, transaction.atomic():
        stock_reserve(needs=needs)
    assert (refused.value.product.slug, refused.value.available) == ("serum", 0)
    assert stock(catalog.toner, catalog.serum) == [50, 0]
