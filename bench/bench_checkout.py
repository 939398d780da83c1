"""Checkout under contention: throughput, latency and oversell with 1, 8 and 32 buyers.

Every buyer checks out the seven-piece collection (the flash-sale case: every order locks the
same seven products and they serialise on those rows) through real HTTP on 127.0.0.1: Django's
threaded WSGI server in this process, one client thread per buyer, each request with its own
Idempotency-Key. Component stock is set to 90 % of the attempts, so the last buyers get 409
`out_of_stock` and the run also proves that nothing is oversold (the oversell count is the
units taken beyond the stock there was, and it must be 0).

PostgreSQL only: SQLite serialises every writing transaction by design, so its figures would
measure the file lock, not checkout. With another database it prints why and records nothing.
Bounded: at most BENCH_CHECKOUT_ATTEMPTS attempts per level (default 240), loopback only.
"""

from __future__ import annotations

import http.client
import json
import os
import statistics
import threading
import time
import uuid
from collections import Counter
from typing import Any

from django.conf import settings
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
from django.core.wsgi import get_wsgi_application
from django.db import connection, connections

LEVELS = (1, 8, 32)
ATTEMPTS = int(os.environ.get("BENCH_CHECKOUT_ATTEMPTS", "240"))
KIT = "seven-piece-collection"
BODY = json.dumps(
    {
        "email": "bench@example.com",
        "name": "Bench Buyer",
        "address": {
            "line1": "1 Loop St",
            "city": "Localhost",
            "postal_code": "12345",
            "country": "US",
        },
        "payment": {"method": "test", "token": "tok_ok"},
    }
)


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return None


class Server(ThreadedWSGIServer):
    request_queue_size = 128  # 32 buyers connect at once; the default backlog of 5 drops some


def _serve() -> tuple[ThreadedWSGIServer, int]:
    server = Server(("127.0.0.1", 0), QuietHandler, allow_reuse_address=True)
    server.daemon_threads = True
    server.set_app(get_wsgi_application())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, int(server.server_address[1])


def _post(port: int, path: str, body: str, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request(
            "POST", path, body=body, headers={"Content-Type": "application/json", **headers}
        )
        response = conn.getresponse()
        return response.status, json.loads(response.read() or b"{}")
    finally:
        conn.close()


def _prepare(attempts: int) -> tuple[list[str], dict[int, int]]:
    """Carts holding the kit, and the stock set on each component (by product id)."""
    from kits.models import KitComponent
    from shop.cart import services as carts
    from shop.catalog.models import Product

    component_ids = list(
        KitComponent.objects.filter(kit__slug=KIT).values_list("product_id", flat=True)
    )
    stock = max(1, attempts * 9 // 10)
    Product.objects.filter(pk__in=component_ids).update(stock=stock)
    cart_ids = []
    for _ in range(attempts):
        cart = carts.cart_create()
        carts.cart_item_add(cart=cart, item={"kit": KIT, "quantity": 1})
        cart_ids.append(str(cart.pk))
    return cart_ids, dict.fromkeys(component_ids, stock)


def _oversold(stock_before: dict[int, int], since: int) -> int:
    """Units taken beyond the stock there was, over the kit's products (must be 0)."""
    from django.db.models import Sum

    from shop.catalog.models import Product
    from shop.checkout.models import OrderLineComponent

    taken = dict(
        OrderLineComponent.objects.filter(
            line__order_id__gt=since, product_id__in=list(stock_before), gift=False
        )
        .values("product_id")
        .annotate(units=Sum("reserved"))
        .values_list("product_id", "units")
    )
    now = dict(Product.objects.filter(pk__in=list(stock_before)).values_list("pk", "stock"))
    over = 0
    for pk, before in stock_before.items():
        over += max(0, int(taken.get(pk, 0)) - before)
        over += max(0, -now[pk])
        assert now[pk] == before - int(taken.get(pk, 0)), "stock and orders disagree"
    return over


# How long each order holds its product rows once it has them: from the stock taken (lock
# granted, UPDATE done) to the commit. Waiting for the lock is not included.
HOT_MS: list[float] = []


def _time_the_hot_section() -> Any:
    """Wrap checkout's stock_reserve so each order records its lock-holding time at commit."""
    from django.db import transaction

    from shop.checkout import services as checkout_module

    original = checkout_module.stock_reserve

    def timed(*, needs: Any) -> Any:
        given = original(needs=needs)
        started = time.perf_counter()
        transaction.on_commit(lambda: HOT_MS.append((time.perf_counter() - started) * 1e3))
        return given

    checkout_module.stock_reserve = timed  # type: ignore[assignment]
    return original


def _level(port: int, buyers: int, attempts: int) -> dict[str, Any]:
    from shop.checkout.models import Order

    HOT_MS.clear()

    cart_ids, stock_before = _prepare(attempts)
    since = Order.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    latencies: list[float] = []
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()
    queue = list(range(attempts))
    barrier = threading.Barrier(buyers)

    def buyer() -> None:
        barrier.wait()
        while True:
            with lock:
                if not queue:
                    return
                index = queue.pop()
            started = time.perf_counter()
            try:
                status, body = _post(
                    port,
                    f"/api/carts/{cart_ids[index]}/checkout/",
                    BODY,
                    {"Idempotency-Key": str(uuid.uuid4())},
                )
                outcome = f"{status} {body.get('code', '')}".strip()
            except (OSError, http.client.HTTPException, ValueError) as error:
                outcome = f"client error {type(error).__name__}"
            elapsed = (time.perf_counter() - started) * 1e6
            with lock:
                latencies.append(elapsed)
                outcomes[outcome] += 1

    threads = [threading.Thread(target=buyer) for _ in range(buyers)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    latencies.sort()
    ok = outcomes.get("201", 0)
    return {
        "name": f"checkout, {buyers} concurrent buyer{'s' if buyers > 1 else ''}",
        "median_us": round(statistics.median(latencies), 1),
        "p95_us": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.95))], 1),
        "n": attempts,
        "orders_per_s": round(ok / wall, 1),
        "attempts_per_s": round(attempts / wall, 1),
        "orders": ok,
        "out_of_stock": outcomes.get("409 out_of_stock", 0),
        "other": sum(v for k, v in outcomes.items() if k not in {"201", "409 out_of_stock"}),
        "expected_orders": min(attempts, min(stock_before.values())),
        "hot_section_ms_median": round(statistics.median(HOT_MS), 2) if HOT_MS else None,
        "hot_section_ms_p95": round(sorted(HOT_MS)[int(len(HOT_MS) * 0.95)], 2) if HOT_MS else None,
        "oversold": _oversold(stock_before, since),
    }


def run() -> list[dict[str, Any]]:
    if connection.vendor != "postgresql":
        print(
            "   skipped: checkout throughput is measured on PostgreSQL (DATABASE_URL=postgres://...);"
            " SQLite serialises writers by design"
        )
        return []
    from config.celery import app as celery_app
    from shop.checkout import services as checkout_module

    # The confirmation's send task is queued (Redis, or the in-memory broker without REDIS_URL)
    # as in production, not run inside the request; the queue is purged afterwards.
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    original_reserve = _time_the_hot_section()
    # The server's request threads are short-lived: close their connections after each request.
    settings.DATABASES["default"]["CONN_MAX_AGE"] = 0
    for alias in connections:
        connections[alias].settings_dict["CONN_MAX_AGE"] = 0
    server, port = _serve()
    rows = []
    try:
        for buyers in LEVELS:
            attempts = min(ATTEMPTS, max(40, buyers * 8)) if buyers == 1 else ATTEMPTS
            row = _level(port, buyers, attempts)
            print(
                f"   {row['name']}: {row['orders_per_s']} orders/s, "
                f"{row['out_of_stock']} out of stock, other {row['other']}, "
                f"oversold {row['oversold']}, rows held {row['hot_section_ms_median']} ms "
                f"(p95 {row['hot_section_ms_p95']} ms)",
                flush=True,
            )
            assert row["oversold"] == 0 and row["other"] == 0, row
            assert row["orders"] == row["expected_orders"], row
            rows.append(row)
    finally:
        server.shutdown()
        server.server_close()
        checkout_module.stock_reserve = original_reserve  # type: ignore[assignment]
        celery_app.conf.task_always_eager = eager
        celery_app.control.purge()
    return rows
