"""Catalog import of 5,000 products: dry run and real, new and changed rows, in rows per second.

The floor is reading the same file into a table (files.read_table), which every import does
first: the ratio is what checking and writing the rows costs on top of parsing them.
"""

from __future__ import annotations

import csv
import io
import os
import statistics
import time
from typing import Any

from django.db import transaction

from bench.timing import count_queries, record, summary
from shop.catalog.models import Ingredient, Product, Step
from shop.catalog.transfer import engine, files
from shop.catalog.transfer.products import ProductResource

ROWS = 5000
# Each 5,000-row run takes seconds (minutes on a loaded 2-core machine): a few repeats only.
REPEAT = int(os.environ.get("BENCH_IMPORT_REPEAT", "3"))


def _file(price: str) -> bytes:
    steps = list(Step.objects.values_list("slug", flat=True))
    ingredients = list(Ingredient.objects.values_list("slug", flat=True))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["sku", "name", "step", "price", "stock", "days_of_use", "ingredients"])
    for number in range(ROWS):
        writer.writerow(
            [
                f"BENCH-{number:05d}",
                f"Bench product {number}",
                steps[number % len(steps)],
                price,
                number % 50,
                30 + number % 60,
                ";".join(ingredients[number % len(ingredients) :][:2]),
            ]
        )
    return out.getvalue().encode()


def _timed(fn: Any, *, before: Any = None) -> dict[str, float]:
    samples = []
    for _ in range(REPEAT):
        if before is not None:
            before()
        started = time.perf_counter_ns()
        report = fn()
        samples.append((time.perf_counter_ns() - started) / 1000)
        assert not report.errors, report.errors[:3]
    return summary(samples)


def _run(data: bytes, *, commit: bool) -> engine.Report:
    return engine.catalog_import(kind="products", name="bench.csv", data=data, commit=commit)


def _locking(data: bytes, locked: list[float]) -> engine.Report:
    """Commit `data`, adding to `locked` how long the changed products stayed locked: from
    `ProductResource.finish`, whose first statement locks them, to the commit. (Before
    finish existed, each row locked its product when it was read: the whole import.)"""
    original = ProductResource.finish
    started: list[float] = []

    def timed(resource: ProductResource) -> None:
        started.append(time.perf_counter())
        original(resource)

    ProductResource.finish = timed  # type: ignore[method-assign]
    try:
        report = _run(data, commit=True)
    finally:
        ProductResource.finish = original  # type: ignore[method-assign]
    locked.append((time.perf_counter() - started[0]) * 1000)
    return report


def _rate(timing: dict[str, float]) -> int:
    return round(ROWS / (timing["median_us"] / 1_000_000))


def _remove_bench_products() -> None:
    with transaction.atomic():
        Product.objects.filter(sku__startswith="BENCH-").delete()


def run() -> list[dict[str, Any]]:
    new = _file("20.00")
    changed = _file("21.50")
    floor_timing = _timed(lambda: _Parsed(files.read_table("bench.csv", new)))
    floor = record(f"import.floor read {ROWS} rows", floor_timing, rows_per_s=_rate(floor_timing))
    rows = [floor]

    _remove_bench_products()
    dry_new = _timed(lambda: _run(new, commit=False))
    sample = new.split(b"\n", 101)
    per_100 = count_queries(lambda: _run(b"\n".join(sample[:101]) + b"\n", commit=False))
    rows.append(
        record(
            f"import.dry run {ROWS} new",
            dry_new,
            floor=floor,
            queries_per_100_rows=per_100,
            rows_per_s=_rate(dry_new),
        )
    )
    real_new = _timed(lambda: _run(new, commit=True), before=_remove_bench_products)
    rows.append(
        record(f"import.commit {ROWS} new", real_new, floor=floor, rows_per_s=_rate(real_new))
    )

    def reset_prices() -> None:
        _run(new, commit=True)

    locked: list[float] = []
    real_changed = _timed(lambda: _locking(changed, locked), before=reset_prices)
    rows.append(
        record(
            f"import.commit {ROWS} price changes (with price history)",
            real_changed,
            floor=floor,
            rows_per_s=_rate(real_changed),
            products_locked_ms=round(statistics.median(locked), 1),
        )
    )
    unchanged = _timed(lambda: _run(changed, commit=False))
    rows.append(
        record(
            f"import.dry run {ROWS} unchanged",
            unchanged,
            floor=floor,
            rows_per_s=_rate(unchanged),
        )
    )
    _remove_bench_products()
    return rows


class _Parsed:
    """The floor's stand-in for a report: a table read, with no errors."""

    errors: list[Any] = []

    def __init__(self, table: Any) -> None:
        self.table = table
