"""Running checkouts from real threads (shared by the PostgreSQL and SQLite race tests)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

from django.db import connection, transaction
from rest_framework.test import APIClient

from promotions.codes.offers import OfferUnavailable
from promotions.codes.services import PromoUnavailable, promo_codes_redeem
from shop.cart.models import Cart
from shop.catalog.models import Product
from shop.checkout.models import Order, OrderLineComponent
from shop.pricing import Breakdown
from tests.shop.checkout_helpers import checkout_body, make_catalog, new_cart, stock


def race(count: int, work: Callable[[int], Any], *, timeout: float = 120) -> list[Any]:
    """Run work(0..count-1) in `count` threads released together; returns their results in
    order (an exception is returned as the result). Each thread closes its connection."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = work(index)
        except BaseException as error:
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    alive = [t for t in threads if t.is_alive()]
    assert not alive, f"{len(alive)} thread(s) still running after {timeout} s: a deadlock?"
    return results


def buy(cart_id: str, key: str, token: str = "tok_ok") -> tuple[int, dict[str, Any]]:  # noqa: S107
    response = APIClient().post(
        f"/api/carts/{cart_id}/checkout/",
        checkout_body(token),
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )
    return response.status_code, response.json()


def redeemed(*, order: Any, breakdown: Breakdown, email: str) -> str:
    """Redeem `breakdown`'s codes and offers for `order` in a transaction of its own, held a
    moment after (pg_sleep) so that racers overlap: "given", or the refusal's reason."""
    try:
        with transaction.atomic():
            promo_codes_redeem(order=order, breakdown=breakdown, email=email)
            connection.cursor().execute("SELECT pg_sleep(0.01)")
    except (PromoUnavailable, OfferUnavailable) as error:
        return error.reason
    return "given"


def outcomes(results: list[Any]) -> Counter[str]:
    """Count results as "201", "409 out_of_stock", or the exception's repr."""
    counts: Counter[str] = Counter()
    for result in results:
        if isinstance(result, BaseException):
            counts[repr(result)] += 1
        else:
            status, body = result
            counts[f"{status} {body.get('code', '')}".strip()] += 1
    return counts


def last_units_race(buyers: int = 40, units: int = 10) -> None:
    """The race itself, shared with the SQLite run (tests/shop/sqlite_race.py)."""
    catalog = make_catalog()
    Product.objects.filter(pk=catalog.serum.pk).update(stock=units)
    client = APIClient()
    carts = [new_cart(client, {"product": "serum"}) for _ in range(buyers)]
    results = race(buyers, lambda i: buy(carts[i], f"buyer-{i}"))
    counts = outcomes(results)
    assert counts == {"201": units, "409 out_of_stock": buyers - units}, counts
    for _status, body in (r for r in results if r[0] == 409):
        assert body["product"] == "serum" and "Renew Serum" in body["detail"]
    assert stock(catalog.serum) == [0]
    assert Order.objects.count() == units
    sold = sum(OrderLineComponent.objects.values_list("reserved", flat=True))
    assert sold == units
    assert Cart.objects.filter(status="checked_out").count() == units
