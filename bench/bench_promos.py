"""Promo codes: redemption throughput under 1, 8 and 32 concurrent checkouts (over-redemptions
counted, they must be 0), code generation rate for 10,000 codes, and the lookup's latency.

Each concurrent checkout is a real `order_place` of a cart that holds the code (re-price,
reserve stock, redeem, authorize the test payment, write the order). All of them share one
promotion whose total limit is half the attempts, so the run crosses the limit under load;
`over_redemptions` counts unreleased redemption rows past the limit. Concurrency above 1 needs
PostgreSQL (SQLite serialises writers; the rows say so).
"""

from __future__ import annotations

import itertools
import os
import statistics
import threading
import time
from decimal import Decimal
from typing import Any

from bench.timing import count_queries, measure, record

ATTEMPTS = int(os.environ.get("BENCH_PROMO_ATTEMPTS", "400"))
GENERATE = int(os.environ.get("BENCH_PROMO_GENERATE", "10000"))


def _race(concurrency: int, attempts: int) -> dict[str, Any]:
    from django.db import connection

    from promotions.codes.models import PromoCode, Promotion, Redemption
    from promotions.codes.services import PromoUnavailable
    from shop.cart import services as carts
    from shop.cart.models import Cart
    from shop.catalog.models import Product
    from shop.checkout.models import Order
    from shop.checkout.services import CheckoutDetails, order_place

    limit = attempts // 2
    promotion = Promotion.objects.create(
        name=f"Bench {concurrency}", kind="percent", value=Decimal("10"), usage_limit=limit
    )
    code = f"BENCH{concurrency}X{time.time_ns() % 10**8}"
    PromoCode.objects.create(code=code, promotion=promotion)
    Product.objects.filter(slug="citrus-facial-wash").update(stock=10**7)
    # Every shopper applied the code while it still had uses; they all check out at once.
    cart_ids = []
    for _ in range(attempts):
        cart = carts.cart_create()
        carts.cart_item_add(cart=cart, item={"product": "citrus-facial-wash", "quantity": 3})
        cart_ids.append(cart.pk)
    Cart.objects.filter(pk__in=cart_ids).update(promo_code=code)
    remaining = itertools.count()
    lock = threading.Lock()
    latencies: list[float] = []
    outcomes = {"redeemed": 0, "refused": 0, "errors": 0}
    barrier = threading.Barrier(concurrency)

    def worker() -> None:
        try:
            barrier.wait(timeout=30)
            while (index := next(remaining)) < attempts:
                details = CheckoutDetails(
                    email=f"bench{index}@example.com",
                    name="Bench Buyer",
                    address_line1="1 Main Street",
                    city="Portland",
                    postal_code="97201",
                    country="US",
                    payment_method="test",
                    payment_token="tok_ok",  # noqa: S106
                )
                started = time.perf_counter()
                try:
                    order_place(
                        cart_id=cart_ids[index],
                        details=details,
                        idempotency_key=f"bench-{code}-{index}",
                    )
                    outcome = "redeemed"
                except PromoUnavailable:
                    outcome = "refused"
                except Exception:
                    outcome = "errors"
                elapsed = time.perf_counter() - started
                with lock:
                    outcomes[outcome] += 1
                    latencies.append(elapsed)
        finally:
            connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    rows = Redemption.objects.filter(promotion=promotion, released_at__isnull=True).count()
    orders = Order.objects.filter(cart_id__in=cart_ids).count()
    promotion.refresh_from_db()
    latencies.sort()
    return {
        "timing": {
            "median_us": round(statistics.median(latencies) * 1e6, 2),
            "p95_us": round(latencies[max(0, int(len(latencies) * 0.95) - 1)] * 1e6, 2),
            "n": len(latencies),
        },
        "checkouts_per_s": round(len(latencies) / wall, 1),
        "limit": limit,
        "redeemed": outcomes["redeemed"],
        "refused": outcomes["refused"],
        "errors": outcomes["errors"],
        "orders": orders,
        "over_redemptions": max(0, rows - limit),
        "counter_matches_rows": promotion.uses == rows,
    }


def run() -> list[dict[str, Any]]:
    from django.db import connection

    from promotions.codes import generation
    from promotions.codes.models import PromoCode, Promotion
    from promotions.codes.selectors import promo_rules_for

    postgres = connection.vendor == "postgresql"
    rows: list[dict[str, Any]] = []
    for concurrency in (1, 8, 32):
        if concurrency > 1 and not postgres:
            rows.append(
                {"name": f"checkout x{concurrency} concurrent", "note": "needs PostgreSQL; skipped"}
            )
            continue
        result = _race(concurrency, ATTEMPTS)
        timing = result.pop("timing")
        rows.append(record(f"checkout x{concurrency} concurrent with a code", timing, **result))

    promotion = Promotion.objects.create(name="Bench generation", kind="amount", value=10)
    started = time.perf_counter()
    batch = generation.code_batch_create(promotion=promotion, count=GENERATE)
    generation.code_batch_run(batch_id=batch.pk)
    elapsed = time.perf_counter() - started
    made = PromoCode.objects.filter(batch=batch).count()
    rows.append(
        {
            "name": f"generate {GENERATE:,} codes (batch, chunks of 2,000)",
            "median_us": round(elapsed * 1e6, 2),
            "n": 1,
            "codes_per_s": round(made / elapsed),
            "generated": made,
            "unique": made == len(set(PromoCode.objects.filter(batch=batch).values_list("code"))),
        }
    )

    def lookup() -> None:
        from django.utils import timezone

        promo_rules_for(codes=["PORES15"], email="jane@example.com", now=timezone.now())

    def lookup_unknown() -> None:
        from django.utils import timezone

        promo_rules_for(codes=["NOSUCHCODE"], email="jane@example.com", now=timezone.now())

    rows.append(record("promo_rules_for, one code", measure(lookup), queries=count_queries(lookup)))
    rows.append(
        record(
            "promo_rules_for, unknown code",
            measure(lookup_unknown),
            queries=count_queries(lookup_unknown),
        )
    )
    return rows
