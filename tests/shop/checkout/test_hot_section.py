"""What checkout runs while the hot rows are locked (issue 20): after the stock's statement only
the guarded UPDATEs of the promotions and codes the order uses, up to the COMMIT; the codes'
and offers' reads and their Redemption rows come before it (`promo_uses_prepare`). And what
that order keeps: a code over its per-customer limit, now counted only there, is refused with
nothing written (the races: tests/promotions/codes)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from promotions.codes.models import PromoCode, Promotion, Redemption
from shop.cart.models import Cart
from shop.checkout.models import Order
from tests.factories import PromoCodeFactory, PromotionFactory
from tests.shop.checkout_helpers import (
    Catalog,
    check_out,
    checkout_body,
    make_catalog,
    new_cart,
    problem,
)

pytestmark = pytest.mark.django_db

THREE = [{"product": "wash"}, {"product": "toner"}, {"product": "serum"}]


@pytest.fixture
def catalog(db: Any) -> Catalog:
    return make_catalog()


def with_code(client: APIClient, code: str, *items: dict[str, Any]) -> str:
    cart_id = new_cart(client, *items)
    applied = client.post(f"/api/carts/{cart_id}/promo/", {"code": code}, format="json")
    assert applied.status_code == 200, applied.content
    return cart_id


def statements_under_the_stock_lock(queries: list[dict[str, str]]) -> list[str]:
    """The statements after the reservation's last one writing the products' stock, up to the
    reservation's end (its savepoint released: tests run inside a transaction) or, failing
    that, the confirmation's first: what runs while the product rows are locked."""
    sqls = [query["sql"] for query in queries]
    stock = max(i for i, sql in enumerate(sqls) if re.search(r'UPDATE "?shop_product"? ', sql))
    end = next(
        i
        for i, sql in enumerate(sqls)
        if i > stock and sql.startswith(("RELEASE SAVEPOINT", 'UPDATE "shop_order"'))
    )
    return sqls[stock + 1 : end]


def test_after_the_stock_only_the_guarded_updates_run(catalog: Catalog) -> None:
    glow = PromotionFactory(value=Decimal("10"), combinable=True)
    code = PromoCodeFactory(code="GLOW10", promotion=glow)
    offer = PromotionFactory(name="Any 3: 10% off", automatic=True, min_items=3, combinable=True)
    client = APIClient()
    cart_id = with_code(client, "GLOW10", *THREE)
    with CaptureQueriesContext(connection) as queries:
        response = check_out(client, cart_id)
    assert response.status_code == 201, response.content
    sources = {a["source"] for a in response.json()["breakdown"]["applied"]}
    assert {"promo", "offer"} <= sources
    locked = statements_under_the_stock_lock(queries.captured_queries)
    code_take = (
        ["WITH promotion AS ( UPDATE"]  # both of the code's in one statement
        if connection.vendor == "postgresql"
        else ['UPDATE "promotions_promotion"', 'UPDATE "promotions_promocode"']
    )
    heads = [
        " ".join(sql.split()[:5]) if sql.lstrip().startswith("WITH") else sql[: sql.index(" SET ")]
        for sql in locked
    ]
    assert heads == [*code_take, 'UPDATE "promotions_promotion"'], locked  # then the offer's
    assert sorted(Redemption.objects.values_list("promotion_id", flat=True)) == sorted(
        [code.promotion_id, offer.pk]
    )
    uses = dict(Promotion.objects.values_list("pk", "uses"))
    assert (uses[code.promotion_id], uses[offer.pk], PromoCode.objects.get().uses) == (1, 1, 1)


def test_a_code_over_the_customers_limit_is_refused_and_nothing_is_written(
    catalog: Catalog,
) -> None:
    promotion = PromotionFactory(value=Decimal("10"), per_customer_limit=1)
    PromoCodeFactory(code="ONCE", promotion=promotion)
    client = APIClient()
    first = with_code(client, "ONCE", {"product": "serum"})
    assert check_out(client, first, checkout_body(email="ana@example.com")).status_code == 201
    second = with_code(client, "ONCE", {"product": "serum"})
    data = problem(
        check_out(client, second, checkout_body(email="ANA@example.com")),
        409,
        "promo_customer_limit",
    )
    assert data["promo_code"] == "ONCE"
    assert "as many times as it allows" in data["detail"]
    promotion.refresh_from_db()
    assert (promotion.uses, Redemption.objects.count(), Order.objects.count()) == (1, 1, 1)
    assert Cart.objects.get(pk=second).status == "open"
    # Another shopper still gets it.
    assert check_out(client, second, checkout_body(email="bo@example.com")).status_code == 201
