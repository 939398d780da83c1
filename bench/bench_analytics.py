"""Merchant analytics: the admin dashboard and the API for a 90-day range over 100,000 orders.

The orders (a year of them, about 25,000 in the range) are written with bulk_create: one in
three has a promo code's order-level adjustment, one in ten an automatic offer's, two in five a
kit line; 2% are cancelled and 3% refunded; 30,000 customers, so most have ordered before.
A giveaway with 5,000 entries and 5,000 sent reminders feed their tables. Measured: the whole
admin page (figures, tables, SVG charts, rendered) and the API, median and p95, and the SQL
statements each makes (the same whatever the number of orders). Meant for PostgreSQL
(DATABASE_URL); on SQLite it runs, slower, and the row says which database it was.
"""

from __future__ import annotations

import os
import random
import time
from datetime import timedelta
from decimal import Decimal
from typing import Any

from bench.timing import count_queries, measure_against, record

ORDERS = int(os.environ.get("BENCH_ANALYTICS_ORDERS", "100000"))
CUSTOMERS = ORDERS * 3 // 10
DAYS = 365
RANGE_DAYS = 90
BATCH = 5000


def _orders(now: Any) -> None:
    from shop.checkout.models import Order, OrderAdjustment, OrderLine

    rng = random.Random(19)
    created = Order._meta.get_field("created_at")
    # auto_now_add would stamp every row with now; the bench needs a year of dates.
    created.auto_now_add = False  # type: ignore[attr-defined]
    try:
        for start in range(0, ORDERS, BATCH):
            batch = []
            for n in range(start, min(start + BATCH, ORDERS)):
                total = Decimal(rng.randrange(2000, 30000)) / 100
                discount = Decimal(rng.randrange(0, 3000)) / 100
                status = rng.choices(["paid", "placed", "cancelled", "refunded"], [90, 5, 2, 3])[0]
                email = f"c{rng.randrange(CUSTOMERS)}@example.com"
                batch.append(
                    Order(
                        number=f"B{n:09d}",
                        status=status,
                        email=email,
                        customer_email=email,
                        name="Bench Buyer",
                        address_line1="1 Bench Street",
                        city="Portland",
                        postal_code="97201",
                        country="US",
                        currency="USD",
                        subtotal_amount=total + discount,
                        discount_amount=discount,
                        shipping_amount=Decimal("0.00"),
                        total_amount=total,
                        refunded_amount=total if status == "refunded" else Decimal("0.00"),
                        breakdown={},
                        created_at=now - timedelta(seconds=rng.randrange(DAYS * 86400)),
                    )
                )
            made = Order.objects.bulk_create(batch)
            lines, adjustments = [], []
            for order in made:
                if rng.random() < 0.4:
                    lines.append(
                        OrderLine(
                            order=order,
                            position=0,
                            line_id="kit",
                            kind="kit",
                            ref=rng.choice(["seven-piece", "pore-refining", "wrinkle"]),
                            name="A kit",
                            quantity=rng.randrange(1, 3),
                            unit_price_amount=order.subtotal_amount,
                            subtotal_amount=order.subtotal_amount,
                            discount_amount=order.discount_amount,
                            total_amount=order.total_amount,
                        )
                    )
                if rng.random() < 0.33:
                    code = f"CODE{rng.randrange(20)}"
                    adjustments.append(
                        OrderAdjustment(
                            order=order, source="promo", rule=code, label=code, amount=Decimal("5")
                        )
                    )
                if rng.random() < 0.1:
                    adjustments.append(
                        OrderAdjustment(
                            order=order,
                            source="offer",
                            rule="1",
                            label="Offer",
                            amount=Decimal("3"),
                        )
                    )
            OrderLine.objects.bulk_create(lines)
            OrderAdjustment.objects.bulk_create(adjustments)
    finally:
        created.auto_now_add = True  # type: ignore[attr-defined]


def _campaigns(now: Any) -> None:
    from promotions.giveaways.models import Entry, Giveaway
    from promotions.reminders.models import Reminder

    rng = random.Random(20)
    giveaway = Giveaway.objects.create(
        title="Bench giveaway",
        slug="bench-giveaway",
        opens_at=now - timedelta(days=60),
        closes_at=now - timedelta(days=30),
    )
    Entry.objects.bulk_create(
        (
            Entry(
                giveaway=giveaway,
                name="Entrant",
                email=f"c{i}@example.com",
                email_normalized=f"c{i}@example.com",
                created_at=now - timedelta(days=rng.randrange(30, 60)),
                status=rng.choice(["confirmed", "held", "pending"]),
            )
            for i in range(5000)
        ),
        batch_size=BATCH,
    )
    Reminder.objects.bulk_create(
        (
            Reminder(
                kind=rng.choice(["routine_evening", "replenish"]),
                key=f"bench-analytics:{i}",
                email=f"c{i * 3}@example.com",
                email_normalized=f"c{i * 3}@example.com",
                due_at=now - timedelta(days=rng.randrange(RANGE_DAYS)),
                handed_at=now - timedelta(days=rng.randrange(RANGE_DAYS)),
                state="sent",
            )
            for i in range(5000)
        ),
        batch_size=BATCH,
    )


def run() -> list[dict[str, Any]]:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.db.models import Count, Sum
    from django.test import Client
    from django.utils import timezone

    from shop.analytics.period import period_parse, shop_today
    from shop.analytics.sales import orders_in

    now = timezone.now()
    started = time.perf_counter()
    _orders(now)
    _campaigns(now)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    setup_s = round(time.perf_counter() - started, 1)

    user = get_user_model().objects.create_user(
        "bench-analytics", "bench-analytics@example.com", "x", is_staff=True, is_superuser=True
    )
    client = Client()
    client.force_login(user)
    last = shop_today()
    params = {"from": str(last - timedelta(days=RANGE_DAYS - 1)), "to": str(last)}
    period = period_parse(first=params["from"], last=params["to"])

    def page() -> None:
        response = client.get("/admin/analytics/", params)
        assert response.status_code == 200, response.status_code

    def api() -> None:
        response = client.get("/api/analytics/", params)
        assert response.status_code == 200, response.status_code

    def floor() -> None:
        # The least a figure of this range costs: one aggregate over its orders.
        orders_in(period).aggregate(orders=Count("id"), revenue=Sum("total_amount"))

    counted = client.get("/api/analytics/", params).json()
    facts = {
        "database": connection.vendor,
        "orders_total": ORDERS,
        "orders_in_range": counted["orders"],
        "setup_s": setup_s,
    }
    floor_timing, page_timing = measure_against(floor, page, repeat=20, warmup=2)
    floor_row = record(f"floor: one aggregate over {RANGE_DAYS} days of orders", floor_timing)
    floor_again, api_timing = measure_against(floor, api, repeat=20, warmup=2)
    return [
        floor_row,
        record(
            f"analytics dashboard page, {RANGE_DAYS} days of {ORDERS:,} orders",
            page_timing,
            floor=floor_row,
            queries=count_queries(page),
            **facts,
        ),
        record(
            f"analytics API, {RANGE_DAYS} days of {ORDERS:,} orders",
            api_timing,
            floor=record("floor (measured with the API)", floor_again),
            queries=count_queries(api),
            **facts,
        ),
    ]
