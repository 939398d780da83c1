"""Price history: what a year of daily price changes per product costs the pages that read it,
and what recording one change costs a save.

Rows: the product list API and the kit list page with one price per product, then again after
365 daily changes per product (ratio: long history / one price, measured one after the other,
so on a busy machine drift counts too); the product query with and without the 30-day low's
subquery, timed call by call over the long history (the ratio is the subquery's cost);
the staff prices endpoint over 366 rows; a save that changes the price against one that does
not (timed call by call, so the ratio is the recording's cost: the locked read, the 30-day low
and the insert).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client, override_settings
from django.utils import timezone

from bench.timing import count_queries, measure, measure_against, record
from shop.catalog import price_history
from shop.catalog.models import Product
from shop.catalog.price_history import PriceChange

DAYS = 365


def _year_of_changes() -> None:
    """365 daily prices per product before its current one, each row with its 30-day low as
    save() would have kept it (bulk-created: this is test data, not a price change)."""
    now = timezone.now()
    rows = []
    for product in Product.objects.all():
        history = [
            (now - timedelta(days=DAYS - day), product.price_amount + (day % 7) - 3)
            for day in range(DAYS)
        ]
        history.append((now, product.price_amount))
        for index, (when, price) in enumerate(history):
            window = [p for w, p in history[:index] if w > when - timedelta(days=30)]
            before = [p for w, p in history[:index] if w <= when - timedelta(days=30)][-1:]
            lows = window + before
            rows.append(
                PriceChange(
                    product=product,
                    price_amount=max(price, Decimal("1.00")),
                    effective_at=when,
                    lowest_30d_amount=max(min(lows), Decimal("1.00")) if lows else None,
                )
            )
    PriceChange.objects.all().delete()
    PriceChange.objects.bulk_create(rows, batch_size=2000)


def _pages(client: Client, label: str, short: dict[str, Any] | None) -> list[dict[str, Any]]:
    rows = []
    for name, url in [("api.products page", "/api/products/"), ("kits page", "/kits/")]:
        queries = count_queries(lambda url=url: client.get(url))
        timing = measure(lambda url=url: client.get(url), repeat=150)
        base = None if short is None else short[name]
        rows.append(record(f"{name}, {label}", timing, floor=base, queries=queries))
    return rows


def _unthrottled() -> dict[str, Any]:
    """Rates no benchmark reaches (the throttles still run: their cost is part of a request)."""
    rest = dict(settings.REST_FRAMEWORK)
    rates = {"anon": "1000000/min", "user": "1000000/min"}
    rest["DEFAULT_THROTTLE_RATES"] = {**rest["DEFAULT_THROTTLE_RATES"], **rates}
    return rest


def run() -> list[dict[str, Any]]:
    cache.clear()
    with override_settings(DEBUG=False, REST_FRAMEWORK=_unthrottled()):
        client = Client()
        one = _pages(client, "1 price per product", None)
        _year_of_changes()
        floors = {row["name"].split(",")[0]: row for row in one}
        year = _pages(client, f"{DAYS + 1} prices per product", floors)
        # The same product query with and without the 30-day low, call by call: the subquery's
        # own cost, free of the drift between the measurements above.
        plain = Product.objects.select_related("step").order_by("step__position", "name")
        low = price_history.latest_lowest(PriceChange, "product")
        bare, annotated = measure_against(
            lambda: list(plain.all()),
            lambda: list(plain.annotate(lowest_price_30d=low)),
            repeat=300,
        )
        query = [
            record("product query, no 30-day low", bare),
            record(
                f"product query with the 30-day low, {DAYS + 1} prices per product",
                annotated,
                floor={"name": "product query, no 30-day low", **bare},
            ),
        ]
        staff = get_user_model().objects.create_user("bench-staff", is_staff=True)
        client.force_login(staff)
        product = Product.objects.order_by("pk").first()
        assert product is not None
        url = f"/api/products/{product.slug}/prices/"
        prices = record(
            f"api.product prices, {DAYS + 1} rows",
            measure(lambda: client.get(url), repeat=150),
            queries=count_queries(lambda: client.get(url)),
        )
        cents = iter(range(10**9))

        def unchanged() -> None:
            product.save()

        def changed() -> None:
            product.price_amount = Decimal("20.00") + Decimal(next(cents) % 50) / 100
            product.save()

        same, recorded = measure_against(unchanged, changed, repeat=150)
        saves = [
            record("product save, price unchanged", same),
            record(
                "product save, price changed (recorded)",
                recorded,
                floor={"name": "product save, price unchanged", **same},
            ),
        ]
    return [*one, *year, *query, prices, *saves]
