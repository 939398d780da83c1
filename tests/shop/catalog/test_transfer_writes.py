"""Catalog import writes the products it changes at the end, together: the same histories as
one save at a time, and a checkout of those products never waits on the file's rows."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.db import connection, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from shop.catalog.models import Product, ProductIngredient, Step
from shop.catalog.price_history import PriceChange
from shop.catalog.stock_history import StockAdjustment
from shop.catalog.transfer import engine
from shop.catalog.transfer.products import ProductResource
from tests.factories import ConcernFactory, IngredientFactory, ProductFactory
from tests.shop.catalog.transfer_helpers import csv_bytes, exported
from tests.shop.checkout_helpers import make_catalog, new_cart, stock
from tests.shop.race import buy


def _import(rows: list[dict[str, Any]], **kwargs: Any) -> engine.Report:
    return engine.catalog_import(
        kind="products", name="c.csv", data=csv_bytes(rows), commit=True, **kwargs
    )


def _start(results: dict[str, Any], name: str, work: Any) -> threading.Thread:
    """Run `work` in a thread of its own, its result (or exception: a deadlock's victim, say)
    in `results[name]`; the thread closes its connection."""

    def target() -> None:
        try:
            results[name] = work()
        except Exception as error:
            results[name] = error
        finally:
            connection.close()

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread


@pytest.mark.django_db
def test_prices_written_together_keep_the_history_one_save_at_a_time_keeps(
    staff_user: Any,
) -> None:
    start = timezone.now() - timedelta(days=40)
    with time_machine.travel(start, tick=False):
        cheap = ProductFactory(price_amount=Decimal("30.00"))
        other = ProductFactory(price_amount=Decimal("12.00"))
    with time_machine.travel(start + timedelta(days=25), tick=False):
        cheap.price_amount = Decimal("19.00")  # inside the 30 days before now
        cheap.save()
    with time_machine.travel(start + timedelta(days=30), tick=False):
        cheap.price_amount = Decimal("26.00")
        cheap.save()
    rows = exported()
    prices = {cheap.sku: "24.50", other.sku: "15.00"}
    for row in rows:
        row["price"] = prices.get(row["sku"], row["price"])

    report = _import(rows, user=staff_user)

    assert report.committed and report.count("changed") == 2, report.rows
    latest = {p.product_id: p for p in PriceChange.objects.order_by("effective_at", "id")}
    assert (latest[cheap.pk].price_amount, latest[cheap.pk].lowest_30d_amount) == (
        Decimal("24.50"),
        Decimal("19.00"),  # the lowest of 19 (day 25) and 26 (day 30); 30 is older than that
    )
    # Only its first price, 40 days old, which was still in effect when the 30 days began.
    assert (latest[other.pk].price_amount, latest[other.pk].lowest_30d_amount) == (
        Decimal("15.00"),
        Decimal("12.00"),
    )
    assert {(latest[pk].source, latest[pk].changed_by) for pk in (cheap.pk, other.pk)} == {
        ("import", staff_user)
    }
    cheap.refresh_from_db()
    other.refresh_from_db()
    assert (cheap.price_amount, other.price_amount) == (Decimal("24.50"), Decimal("15.00"))


@pytest.mark.django_db
def test_a_price_set_back_by_the_file_to_the_stored_one_records_nothing() -> None:
    product = ProductFactory(price_amount=Decimal("30.00"))
    rows = exported()
    row = next(r for r in rows if r["sku"] == product.sku)
    row["price"], row["name"] = "30.00", "Renamed"
    history = PriceChange.objects.count()

    _import(rows)

    product.refresh_from_db()
    assert (product.name, product.price_amount) == ("Renamed", Decimal("30.00"))
    assert PriceChange.objects.count() == history


@pytest.mark.django_db
def test_new_products_and_changed_lists_are_written_as_one_at_a_time_would(
    staff_user: Any,
) -> None:
    acid, oil, _zinc = (IngredientFactory(slug=s) for s in ("acid", "oil", "zinc"))
    dry, _dull = ConcernFactory(slug="dry"), ConcernFactory(slug="dull")
    kept = ProductFactory(ingredients=[acid, oil], concerns=[dry])
    ProductIngredient.objects.filter(product=kept, ingredient=oil).update(key=False)
    rows = exported()
    row = next(r for r in rows if r["sku"] == kept.sku)
    row["ingredients"], row["concerns"] = "zinc;oil", "dull"
    rows.append({**row, "sku": "NEW-1", "slug": "", "name": "New Balm", "price": "12.00"})

    report = _import(rows, user=staff_user)

    assert report.summary == "1 created, 1 changed, 0 unchanged, 0 with errors", report.rows
    new = Product.objects.get(sku="NEW-1")
    links = ProductIngredient.objects.order_by("product_id", "position")
    assert [(link.product_id, link.ingredient.slug, link.key) for link in links] == [
        (kept.pk, "zinc", True),
        (kept.pk, "oil", False),  # kept, with its flag
        (new.pk, "zinc", True),
        (new.pk, "oil", True),
    ]
    assert [list(p.concerns.values_list("slug", flat=True)) for p in (kept, new)] == [
        ["dull"],
        ["dull"],
    ]
    assert (new.slug, new.price_amount, new.created_at is not None) == (
        "new-balm",
        Decimal("12.00"),
        True,
    )
    (first,) = PriceChange.objects.filter(product=new)
    assert (first.price_amount, first.source, first.changed_by, first.lowest_30d_amount) == (
        Decimal("12.00"),
        "import",
        staff_user,
        None,
    )


@pytest.mark.django_db
def test_a_sku_taken_during_the_import_refuses_the_whole_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    kept = ProductFactory()
    rows = exported()
    rows[0]["price"] = "99.00"
    rows.append({**rows[0], "sku": "NEW-1", "slug": "new-1", "name": "New"})
    save_m2m = ProductResource.save_m2m

    def taking(self: Any, instance: Product, row: Any, **kwargs: Any) -> None:
        save_m2m(self, instance, row, **kwargs)
        if instance.sku == "NEW-1":  # as if staff created it while the file was imported
            ProductFactory(sku="NEW-1")

    monkeypatch.setattr(ProductResource, "save_m2m", taking)

    report = _import(rows)

    assert not report.committed
    ((message,),) = [row.errors for row in report.errors]
    assert message.startswith("The catalog changed during the import (") and message.endswith(
        "Nothing was imported: check the file again."
    ), message
    assert "NEW-1" in message or "sku" in message, message
    assert not Product.objects.filter(sku="NEW-1").exists()
    assert Product.objects.get(pk=kept.pk).price_amount == Decimal("20.00")


@pytest.mark.django_db
def test_a_count_over_the_limit_is_refused_beside_the_stock_column() -> None:
    product = ProductFactory()
    rows = exported()
    next(r for r in rows if r["sku"] == product.sku)["stock"] = "1000001"

    report = _import(rows)

    assert not report.committed
    (error,) = report.errors
    assert error.errors == ["stock: At most 1,000,000 units at once."]
    assert Product.objects.get(pk=product.pk).stock == 50
    assert not StockAdjustment.objects.exists()


@pytest.mark.django_db
def test_a_product_deleted_during_the_import_refuses_the_whole_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gone, kept = ProductFactory(), ProductFactory()
    rows = exported()
    for row in rows:
        row["price"] = "99.00"
    save_m2m = ProductResource.save_m2m

    def deleting(self: Any, instance: Product, row: Any, **kwargs: Any) -> None:
        save_m2m(self, instance, row, **kwargs)
        if instance.pk == kept.pk:  # as if staff deleted it while the file was imported
            Product.objects.filter(pk=gone.pk).delete()

    monkeypatch.setattr(ProductResource, "save_m2m", deleting)

    report = _import(rows)

    assert not report.committed
    line = 2 + [r["sku"] for r in rows].index(gone.sku)
    assert [row.errors for row in report.errors] == [
        [
            f"line {line}: {gone.sku} was deleted during the import. "
            "Nothing was imported: check the file again."
        ]
    ]
    assert Product.objects.get(pk=kept.pk).price_amount == Decimal("20.00")
    assert Product.objects.filter(pk=gone.pk).exists()  # rolled back with the rest
    assert not PriceChange.objects.filter(price_amount=Decimal("99.00")).exists()


@pytest.mark.postgres
@pytest.mark.xdist_group("postgres-races")
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_a_checkout_does_not_wait_for_an_import_under_way(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An import that changes every price, held at its last row: a checkout of a product it
    changes is placed meanwhile (the rows are locked only by the writes at the end), and the
    import then commits its prices, the sale kept."""
    catalog = make_catalog(stock=50)
    cart = new_cart(APIClient(), {"product": "serum"})
    rows = exported()
    for row in rows:
        row["price"] = str(Decimal(row["price"]) + 1)
    last = rows[-1]["sku"]
    held, go_on = threading.Event(), threading.Event()
    save_m2m = ProductResource.save_m2m

    def holding(self: Any, instance: Product, row: Any, **kwargs: Any) -> None:
        save_m2m(self, instance, row, **kwargs)
        if instance.sku == last:
            held.set()
            go_on.wait(60)

    monkeypatch.setattr(ProductResource, "save_m2m", holding)
    results: dict[str, Any] = {}

    importer = _start(results, "import", lambda: _import(rows))
    try:
        assert held.wait(30), "the import never reached its last row"
        buyer = _start(results, "checkout", lambda: buy(cart, "during-import"))
        buyer.join(15)
        assert not buyer.is_alive(), "the checkout waited on the import's locks"
    finally:
        go_on.set()
        importer.join(60)

    assert results["checkout"][0] == 201, results["checkout"]
    assert results["import"].committed, results["import"]
    assert stock(catalog.serum) == [49]
    assert Product.objects.get(pk=catalog.serum.pk).price_amount == Decimal("31.00")


def _held_import(
    monkeypatch: pytest.MonkeyPatch, at: str, rows: list[dict[str, Any]], other: Any
) -> tuple[Any, Any]:
    """Import `rows`, held in `finish` just after `at` (a name products.py calls), while
    `other` (a catalog writer's transaction) runs in a second thread; both their outcomes."""
    from shop.catalog.transfer import products

    held, go_on = threading.Event(), threading.Event()
    original = getattr(products, at)

    def holding(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        held.set()
        go_on.wait(30)
        return result

    monkeypatch.setattr(products, at, holding)
    outcomes: dict[str, Any] = {}

    importer = _start(outcomes, "import", lambda: _import(rows))
    try:
        assert held.wait(30), "the import never reached finish"
        writer = _start(outcomes, "other", other)
        writer.join(0.5)  # it starts, and waits for its turn
    finally:
        go_on.set()
    importer.join(30)
    writer.join(30)
    return outcomes["import"], outcomes["other"]


@pytest.mark.postgres
@pytest.mark.xdist_group("postgres-races")
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_an_admin_save_during_the_writes_waits_its_turn_without_a_deadlock(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The import's rows are locked; a merchant saves a step, then the same product (the
    token first, then the row). The import took the token before its rows, so the merchant
    waits at the step; taking the rows first, the two would deadlock."""
    product = ProductFactory(price_amount=Decimal("30.00"))
    rows = exported()
    next(r for r in rows if r["sku"] == product.sku)["price"] = "31.00"

    def merchant() -> str:
        with transaction.atomic():
            Step.objects.filter(pk=product.step_id).update(name="Cleanse first")
            Product.objects.filter(pk=product.pk).update(name="Saved by the merchant")
        return "saved"

    report, saved = _held_import(monkeypatch, "prices_record", rows, merchant)

    assert report.committed, report
    assert saved == "saved", saved
    product.refresh_from_db()
    assert (product.name, product.price_amount) == ("Saved by the merchant", Decimal("31.00"))


@pytest.mark.postgres
@pytest.mark.xdist_group("postgres-races")
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_a_price_saved_during_the_writes_waits_its_turn_without_a_deadlock(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The import holds the catalog's turn, its rows not yet locked; a merchant saves the
    product's price (Product.save: the token, then the row, then the history). Taking the
    row first, as the save did, it would deadlock with the import's lock of its rows."""
    product = ProductFactory(price_amount=Decimal("30.00"))
    rows = exported()
    next(r for r in rows if r["sku"] == product.sku)["price"] = "31.00"

    def merchant() -> str:
        with transaction.atomic():
            mine = Product.objects.get(pk=product.pk)
            mine.price_amount = Decimal("29.00")
            mine.save()
        return "saved"

    report, saved = _held_import(monkeypatch, "catalog_writes_begin", rows, merchant)

    assert report.committed, report
    assert saved == "saved", saved
    history = PriceChange.objects.filter(product=product).order_by("effective_at", "id")
    assert [(p.price_amount, p.source) for p in history][1:] == [
        (Decimal("31.00"), "import"),
        (Decimal("29.00"), "system"),
    ]
    assert Product.objects.get(pk=product.pk).price_amount == Decimal("29.00")
