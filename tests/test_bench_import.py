"""The import benchmark's generated file is what it means to time: valid rows, all imported."""

from __future__ import annotations

import pytest

from bench import bench_import
from shop.catalog.models import Product
from shop.catalog.transfer import engine

pytestmark = pytest.mark.django_db


def test_the_benchmark_file_imports_every_row_without_an_error(
    demo: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bench_import, "ROWS", 30)

    report = engine.catalog_import(
        kind="products", name="b.csv", data=bench_import._file("20.00"), commit=True
    )

    assert report.summary == "30 created, 0 changed, 0 unchanged, 0 with errors"
    changed = engine.catalog_import(
        kind="products", name="b.csv", data=bench_import._file("21.50"), commit=False
    )
    assert changed.count("changed") == 30
    bench_import._remove_bench_products()
    assert not Product.objects.filter(sku__startswith="BENCH-").exists()
