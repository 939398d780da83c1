"""CPU per checkout, in process, and where it goes (issue 20).

The seven-piece collection is checked out through `POST /api/carts/{id}/checkout/` with
Django's test client, DEBUG off, one order after another, and `time.process_time` is read
around the whole request and around each of checkout's steps (the functions
`shop.checkout.services` calls, wrapped for the run and put back after). On PostgreSQL the CPU
of the database backend serving the run is read from /proc as well (a server on this machine;
clock ticks, so only the total over the run divided by the orders means much).

The floor, measured alternately with the checkouts: `GET /api/carts/{id}/` of a cart holding
the same kit (the request machinery, the cart read and priced, no writes). Then the same with
a code on every cart (a promotion without limits), whose uses checkout counts with guarded
UPDATEs. CPU, not wall time, so that a neighbour's load changes the figures less; the server's
HTTP layer (gunicorn) is not in them: bench_checkout and bench_load_http measure that.
"""

from __future__ import annotations

import contextlib
import functools
import json
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import connection
from django.test import Client, override_settings

from bench.bench_load_http import ORDER
from bench.timing import count_queries, record, summary
from promotions.codes.models import PromoCode, Promotion
from shop.cart.models import Cart
from shop.catalog.models import Product
from shop.checkout import services

KIT = "seven-piece-collection"
ORDERS = 80
CODE = "BENCHCPU"
# What checkout's service calls, in the order it calls them.
STEPS = (
    "_reserve",
    "quote_catalog_load",
    "price",
    "order_rows_write",
    "stock_reserve",
    "promo_uses_prepare",
    "_confirm",
    "order_confirmation_enqueue",
    "order_payment_capture",
)


@contextlib.contextmanager
def _steps_timed(into: dict[str, float]) -> Iterator[None]:
    """Wrap each of STEPS in `services` to add its CPU seconds to `into`; restore after."""
    originals = {name: getattr(services, name) for name in STEPS}

    def timed(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            started = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                into[name] += time.process_time() - started

        return call

    for name, function in originals.items():
        setattr(services, name, timed(name, function))
    try:
        yield
    finally:
        for name, function in originals.items():
            setattr(services, name, function)


def _backend_ticks() -> int | None:
    """User + system clock ticks of this connection's PostgreSQL backend, if on this machine."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[11]) + int(fields[12])


_addresses = iter(f"10.{i // 62500}.{i // 250 % 250}.{i % 250 + 1}" for i in range(10**6))


def _buyer() -> Client:
    """A client with an address of its own: buyers arrive from many, and the API's throttle
    (300 requests a minute per address) would stop one address's run half-way."""
    return Client(REMOTE_ADDR=next(_addresses))


def _cart(client: Client, code: str = "") -> str:
    cart_id = client.post("/api/carts/", "{}", content_type="application/json").json()["id"]
    added = client.post(
        f"/api/carts/{cart_id}/items/",
        json.dumps({"kit": KIT, "quantity": 1}),
        content_type="application/json",
    )
    assert added.status_code == 201, added.content
    if code:
        Cart.objects.filter(pk=cart_id).update(promo_code=code)
    return str(cart_id)


def _check_out(client: Client, cart_id: str) -> None:
    response = client.post(
        f"/api/carts/{cart_id}/checkout/",
        ORDER,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )
    assert response.status_code == 201, response.content


def _cpu_us(fn: Callable[[], Any]) -> float:
    started = time.process_time()
    fn()
    return (time.process_time() - started) * 1e6


def _level(label: str, code: str = "") -> list[dict[str, Any]]:
    reader = _buyer()
    floor_cart = _cart(reader, code)
    carts = [(buyer, _cart(buyer, code)) for buyer in (_buyer() for _ in range(ORDERS + 6))]
    for buyer, cart_id in carts[:5]:  # warm-up: the snapshot, the code's rule, connections
        _check_out(buyer, cart_id)
    queries = count_queries(lambda: _check_out(*carts[5]))
    floor: list[float] = []
    whole: list[float] = []
    steps: dict[str, float] = defaultdict(float)
    ticks = _backend_ticks()
    with _steps_timed(steps):
        for buyer, cart_id in carts[6:]:
            floor.append(_cpu_us(lambda: reader.get(f"/api/carts/{floor_cart}/")))
            whole.append(_cpu_us(functools.partial(_check_out, buyer, cart_id)))
    after = _backend_ticks()
    n = len(whole)
    floor_row = record(f"checkout CPU{label}: floor, GET the cart", summary(floor))
    rows = [
        floor_row,
        record(
            f"checkout CPU{label}: the whole request",
            summary(whole),
            floor=floor_row,
            queries=queries,
        ),
    ]
    for name in STEPS:
        if steps[name]:
            rows.append(
                {
                    "name": f"checkout CPU{label}: {name} (mean per order)",
                    "median_us": round(steps[name] / n * 1e6, 1),
                    "n": n,
                }
            )
    if ticks is not None and after is not None:
        rows.append(
            {
                "name": f"checkout CPU{label}: PostgreSQL backend (mean per order, floor included)",
                "median_us": round((after - ticks) * 1e4 / n, 1),  # 100 ticks a second
                "n": n,
            }
        )
    return rows


def run() -> list[dict[str, Any]]:
    Product.objects.update(stock=10**6)
    promotion = Promotion.objects.create(name="Bench CPU", kind="percent", value=Decimal("10"))
    PromoCode.objects.create(code=CODE, promotion=promotion)
    with override_settings(DEBUG=False, SHOP_PAYMENT_METHODS=["test"]):
        return [*_level(""), *_level(" with a code", CODE)]
