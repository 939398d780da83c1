"""Checkout under contention over real HTTP: gunicorn on PostgreSQL, buyers on loopback.

Every buyer checks out the seven-piece collection (the flash-sale case: every order takes the
same seven products), each request with its own Idempotency-Key, through gunicorn in
production settings (DEBUG=0) on a database of its own (`<name>_checkout`, demo data), as
bench_load_http serves it. Levels:

- 1, 8 and 32 buyers at once, component stock at 90 % of the attempts: the last buyers get 409
  `out_of_stock`, and the run counts what was oversold (units taken beyond the stock; must be
  0) and checks that the shelf and the orders agree;
- 40 buyers for the last 10 units: exactly 10 orders;
- 8 buyers all using one code whose promotion allows 200 uses, 240 attempts: 200 orders with
  it, the rest refused 409 `promo_exhausted`, 0 over-redemptions (unreleased uses past the
  limit), the counter equal to the rows.

orders/s is orders made over the wall time of the level (refusals are fast and count as
attempts only). Needs DATABASE_URL (PostgreSQL) and REDIS_URL; without them it prints why and
records nothing. Bounded: BENCH_CHECKOUT_ATTEMPTS attempts per level (default 240), loopback.
`BENCH_CHECKOUT_WORKERS` and `BENCH_CHECKOUT_THREADS` set gunicorn's (default: 2 × CPUs + 1
sync workers, as docs/OPERATIONS.md recommends).
"""

from __future__ import annotations

import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any

from bench.bench_load_http import (
    ORDER,
    ROOT,
    _database_url,
    _env,
    _free_port,
    _recreate_database,
    _wait_for,
)
from bench.cpu import Busy, BusyMeter

ATTEMPTS = int(os.environ.get("BENCH_CHECKOUT_ATTEMPTS", "240"))
KIT = "seven-piece-collection"
CODE_LIMIT = 200
BODY = ORDER


class Shop:
    """The gunicorn under test and a direct connection to its database."""

    def __init__(self, port: int, url: str) -> None:
        import psycopg

        self.port = port
        self.db = psycopg.connect(url, autocommit=True)

    def request(self, method: str, path: str, body: str = "", **headers: str) -> tuple[int, Any]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            conn.request(
                method, path, body=body, headers={"Content-Type": "application/json", **headers}
            )
            response = conn.getresponse()
            return response.status, json.loads(response.read() or b"{}")
        finally:
            conn.close()

    def sql(self, query: str, *params: Any) -> list[tuple[Any, ...]]:
        with self.db.cursor() as cursor:
            cursor.execute(query, params)
            return cursor.fetchall() if cursor.description else []

    def carts(self, count: int, code: str = "") -> list[str]:
        ids = []
        for _ in range(count):
            status, cart = self.request("POST", "/api/carts/", "{}")
            assert status == 201, cart
            status, _ = self.request(
                "POST", f"/api/carts/{cart['id']}/items/", json.dumps({"kit": KIT, "quantity": 1})
            )
            assert status == 201
            ids.append(cart["id"])
        if code:  # every shopper applied the code while it still had uses
            self.sql("UPDATE shop_cart SET promo_code = %s WHERE id = ANY(%s::uuid[])", code, ids)
        return ids

    def components(self) -> list[int]:
        rows = self.sql(
            "SELECT c.product_id FROM kits_kitcomponent c JOIN kits_kit k ON k.id = c.kit_id "
            "WHERE k.slug = %s",
            KIT,
        )
        return [row[0] for row in rows]

    def stock_set(self, units: int) -> dict[int, int]:
        ids = self.components()
        self.sql("UPDATE shop_product SET stock = %s WHERE id = ANY(%s)", units, ids)
        return dict.fromkeys(ids, units)


def _race(
    shop: Shop, buyers: int, cart_ids: list[str]
) -> tuple[list[float], Counter[str], float, Busy]:
    latencies: list[float] = []
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()
    queue = list(range(len(cart_ids)))
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
                status, body = shop.request(
                    "POST",
                    f"/api/carts/{cart_ids[index]}/checkout/",
                    BODY,
                    **{"Idempotency-Key": str(uuid.uuid4())},
                )
                outcome = f"{status} {body.get('code', '')}".strip()
            except (OSError, http.client.HTTPException, ValueError) as error:
                outcome = f"client error {type(error).__name__}"
            elapsed = (time.perf_counter() - started) * 1e6
            with lock:
                latencies.append(elapsed)
                outcomes[outcome] += 1

    threads = [threading.Thread(target=buyer) for _ in range(buyers)]
    meter = BusyMeter()
    meter.start()
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    busy = meter.stop()
    latencies.sort()
    return latencies, outcomes, wall, busy


def _row(
    name: str,
    latencies: list[float],
    outcomes: Counter[str],
    wall: float,
    busy: Busy,
    **extra: Any,
) -> dict[str, Any]:
    """A level's figures. CPU per order: the whole machine's busy time over the level (gunicorn,
    PostgreSQL, Redis and these buyers) divided by its orders, which bounds orders/s on this
    machine's cores (2,000 ms a second on two) and moves less than orders/s when a neighbour
    takes a share of them; and the same by kind of process, to say who spends it."""
    ok = outcomes.get("201", 0)
    by_process = {kind: round(s * 1000 / ok, 2) for kind, s in busy.by_kind.items() if ok}
    return {
        "machine_cpu_ms_per_order": round(busy.machine * 1000 / ok, 2)
        if busy.machine and ok
        else None,
        "cpu_ms_per_order_by_process": dict(sorted(by_process.items())),
        "name": name,
        "median_us": round(statistics.median(latencies), 1),
        "p95_us": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.95))], 1),
        "n": len(latencies),
        "orders_per_s": round(ok / wall, 1),
        "attempts_per_s": round(len(latencies) / wall, 1),
        "orders": ok,
        "outcomes": dict(outcomes),
        **extra,
    }


def _oversold(shop: Shop, before: dict[int, int], since: int) -> int:
    """Units taken beyond the stock there was (must be 0); asserts shelf and orders agree."""
    taken = dict(
        shop.sql(
            "SELECT c.product_id, SUM(c.reserved) FROM shop_orderlinecomponent c "
            "JOIN shop_orderline l ON l.id = c.line_id WHERE l.order_id > %s AND NOT c.gift "
            "AND c.product_id = ANY(%s) GROUP BY c.product_id",
            since,
            list(before),
        )
    )
    now = dict(shop.sql("SELECT id, stock FROM shop_product WHERE id = ANY(%s)", list(before)))
    over = 0
    for pk, units in before.items():
        sold = int(taken.get(pk, 0))
        over += max(0, sold - units) + max(0, -now[pk])
        assert now[pk] == units - sold, "stock and orders disagree"
    return over


def _last_order(shop: Shop) -> int:
    return int(shop.sql("SELECT COALESCE(MAX(id), 0) FROM shop_order")[0][0])


def _stock_level(shop: Shop, buyers: int, attempts: int, stock: int) -> dict[str, Any]:
    before = shop.stock_set(stock)
    cart_ids = shop.carts(attempts)
    since = _last_order(shop)
    latencies, outcomes, wall, busy = _race(shop, buyers, cart_ids)
    name = (
        f"checkout over HTTP, {buyers} buyers for the last {stock} units"
        if stock < attempts * 9 // 10
        else f"checkout over HTTP, {buyers} concurrent buyer{'s' if buyers > 1 else ''}"
    )
    row = _row(
        name,
        latencies,
        outcomes,
        wall,
        busy,
        buyers=buyers,
        stock=stock,
        expected_orders=min(attempts, stock),
        oversold=_oversold(shop, before, since),
        pending_left=shop.sql("SELECT COUNT(*) FROM shop_order WHERE status = 'pending'")[0][0],
    )
    assert set(outcomes) <= {"201", "409 out_of_stock"}, outcomes
    assert row["oversold"] == 0 and row["orders"] == row["expected_orders"], row
    return row


def _code_level(
    shop: Shop, manage: Callable[[str], None], buyers: int, attempts: int
) -> dict[str, Any]:
    code = f"BENCH{time.time_ns() % 10**8}"
    manage(
        "from decimal import Decimal; from promotions.codes.models import Promotion, PromoCode; "
        f"p = Promotion.objects.create(name='Bench {code}', kind='percent', value=Decimal('10'), "
        f"usage_limit={CODE_LIMIT}); PromoCode.objects.create(code='{code}', promotion=p)"
    )
    shop.stock_set(10**6)
    cart_ids = shop.carts(attempts, code)
    latencies, outcomes, wall, busy = _race(shop, buyers, cart_ids)
    uses, rows = shop.sql(
        "SELECT p.uses, (SELECT COUNT(*) FROM promotions_redemption r WHERE r.promotion_id = p.id "
        "AND r.released_at IS NULL) FROM promotions_promotion p WHERE p.name = %s",
        f"Bench {code}",
    )[0]
    row = _row(
        f"checkout over HTTP, {buyers} buyers with one code (limit {CODE_LIMIT})",
        latencies,
        outcomes,
        wall,
        busy,
        buyers=buyers,
        limit=CODE_LIMIT,
        redeemed=rows,
        over_redemptions=max(0, rows - CODE_LIMIT),
        counter_matches_rows=uses == rows,
    )
    assert set(outcomes) <= {"201", "409 promo_exhausted"}, outcomes
    assert row["orders"] == rows == CODE_LIMIT and uses == rows, row
    return row


def run() -> list[dict[str, Any]]:
    base = _database_url()
    if base is None:
        print("   skipped: checkout over HTTP needs DATABASE_URL=postgres://... and REDIS_URL")
        return []
    url = base.removesuffix("_load") + "_checkout"
    _recreate_database(url)
    with tempfile.TemporaryDirectory() as var_dir:
        env = _env(url, var_dir)
        env["SHOP_PAYMENT_METHODS"] = "test"  # DEBUG=0 offers none by default

        def manage(*command: str) -> None:
            subprocess.run(
                [sys.executable, "manage.py", *command],
                cwd=ROOT,
                env=env,
                check=True,
                stdout=subprocess.DEVNULL,
            )

        for command in (
            ["migrate", "--no-input", "-v0"],
            ["load_demo"],
            ["collectstatic", "--no-input", "-v0"],
        ):
            manage(*command)
        port = _free_port()
        workers = os.environ.get("BENCH_CHECKOUT_WORKERS", str(2 * (os.cpu_count() or 2) + 1))
        threads = os.environ.get("BENCH_CHECKOUT_THREADS", "1")
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                workers,
                "--threads",
                threads,
                "--backlog",
                "256",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        rows: list[dict[str, Any]] = []
        try:
            _wait_for(f"http://127.0.0.1:{port}/healthz")
            shop = Shop(port, url)
            _warm_up(shop, int(workers))
            for buyers, attempts, stock in (
                (1, 40, 36),
                (8, ATTEMPTS, ATTEMPTS * 9 // 10),
                (32, ATTEMPTS, ATTEMPTS * 9 // 10),
                (40, 40, 10),
            ):
                rows.append(_stock_level(shop, buyers, attempts, stock))
                _print(rows[-1])
            rows.append(_code_level(shop, lambda code: manage("shell", "-c", code), 8, ATTEMPTS))
            _print(rows[-1])
        finally:
            server.terminate()
            server.wait(timeout=20)
        for row in rows:
            row.update(gunicorn_workers=int(workers), gunicorn_threads=int(threads))
        return rows


def _warm_up(shop: Shop, workers: int) -> None:
    """Checkouts first, untimed, eight per worker: a worker's first checkouts import and load
    what it keeps (its catalog snapshot, its prepared statements) and take 80 to 130 ms. With
    12 in all for 5 workers, some workers were still cold when the 1-buyer level began and
    made its p95 (43-126 ms against 15-25 ms after 40)."""
    shop.stock_set(10**6)
    for cart_id in shop.carts(8 * workers):
        status, body = shop.request(
            "POST", f"/api/carts/{cart_id}/checkout/", BODY, **{"Idempotency-Key": cart_id}
        )
        assert status == 201, body


def _print(row: dict[str, Any]) -> None:
    print(
        f"   {row['name']}: {row['orders_per_s']} orders/s, "
        f"median {row['median_us'] / 1000:.0f} ms, p95 {row['p95_us'] / 1000:.0f} ms, "
        f"machine CPU {row['machine_cpu_ms_per_order']} ms/order "
        f"({', '.join(f'{k} {v}' for k, v in row['cpu_ms_per_order_by_process'].items())}), "
        f"{row['outcomes']}",
        flush=True,
    )
