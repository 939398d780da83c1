"""Catalog import and export: round trips, every kind of bad file and row, all or nothing."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook, load_workbook

from shop.catalog.models import Product, ProductIngredient
from shop.catalog.price_history import PriceChange
from shop.catalog.stock_history import StockAdjustment
from shop.catalog.transfer import engine, files
from shop.catalog.transfer.base import WholeTableLoader
from shop.catalog.transfer.products import ProductResource
from tests.shop.catalog.transfer_helpers import csv_bytes, exported

pytestmark = pytest.mark.django_db


def as_xlsx(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def dry(data: bytes, name: str = "catalog.csv") -> engine.Report:
    return engine.catalog_import(kind="products", name=name, data=data, commit=False)


def catalog_state() -> list[tuple[Any, ...]]:
    products = Product.objects.order_by("sku").values_list(
        "sku", "slug", "name", "step__slug", "price_amount", "stock", "active", "updated_at"
    )
    links = ProductIngredient.objects.order_by("product__sku", "position").values_list(
        "product__sku", "ingredient__slug", "key", "position"
    )
    concerns = Product.concerns.through.objects.order_by("product__sku", "concern__slug")
    return [
        *products,
        *links,
        *concerns.values_list("product__sku", "concern__slug"),
        (PriceChange.objects.count(),),
    ]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_then_import_changes_nothing(demo: None, fmt: str) -> None:
    before = catalog_state()
    data = engine.catalog_export(kind="products", fmt=fmt)

    report = engine.catalog_import(kind="products", name=f"c.{fmt}", data=data, commit=True)

    assert report.committed
    assert report.count("unchanged") == Product.objects.count() == len(report.rows)
    assert catalog_state() == before


def test_a_changed_price_is_reported_and_written_with_price_history(
    demo: None, staff_user: Any
) -> None:
    rows = exported()
    rows[0]["price"] = "19.50"
    rows[1]["ingredients"] = ";".join(reversed(rows[1]["ingredients"].split(";")))
    history = PriceChange.objects.count()

    report = engine.catalog_import(
        kind="products", name="c.csv", data=csv_bytes(rows), commit=True, user=staff_user
    )

    assert report.summary == f"0 created, 2 changed, {len(rows) - 2} unchanged, 0 with errors"
    assert [row.changes for row in report.rows[:2]] == [["price"], ["ingredients"]]
    product = Product.objects.get(sku=rows[0]["sku"])
    assert product.price_amount == Decimal("19.50")
    change = PriceChange.objects.filter(product=product).latest("id")
    assert (change.source, change.changed_by, PriceChange.objects.count()) == (
        "import",
        staff_user,
        history + 1,
    )
    order = [link.ingredient.slug for link in product.product_ingredients.all()]
    assert ";".join(order) == rows[0]["ingredients"]


def test_a_dry_run_writes_nothing_not_even_price_history(demo: None) -> None:
    rows = exported()
    rows[0]["price"] = "1.00"
    rows.append({**rows[0], "sku": "NEW-1", "slug": "new-1", "name": "New one"})
    before = catalog_state()

    report = dry(csv_bytes(rows))

    assert (report.count("created"), report.count("changed"), report.committed) == (1, 1, False)
    assert catalog_state() == before


def test_one_bad_row_and_commit_writes_none_of_the_rows(demo: None) -> None:
    rows = exported()
    rows[0]["price"] = "1.00"
    rows[-1]["step"] = "scrub"
    before = catalog_state()

    report = engine.catalog_import(kind="products", name="c.csv", data=csv_bytes(rows), commit=True)

    assert not report.committed
    assert [(row.line, row.errors) for row in report.errors] == [
        (len(rows) + 1, [f"step: no step 'scrub' (known: {known_steps()})."])
    ]
    assert catalog_state() == before


def known_steps() -> str:
    return "cleanse, extra, foundation, powder, prime, renew, tone"


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("price", "12,50", "price: '12,50' has a comma: use a dot for decimals (12.50)"),
        ("price", "1,250.00", "price: '1,250.00' has a comma: use a dot for decimals and no"),
        ("price", "abc", "price: 'abc' is not a price: write digits like 24.00."),
        ("price", "-5", "price: -5 is negative: a price is 0 or more."),
        ("price", "1.234", "price: 1.234 has more than two decimals."),
        ("price", "", "price: is required."),
        ("stock", "ten", "stock: 'ten' is not a whole number."),
        ("days_of_use", "0", "days_of_use: 0 is not between 1 and 32767."),
        ("active", "maybe", "active: 'maybe' is neither 1 nor 0 (yes or no)."),
        ("ingredients", "dmae;unobtainium", "ingredients: no ingredient 'unobtainium'"),
        ("concerns", "acne;acne", "concerns: names 'acne' twice."),
        ("image", "products/missing.jpg", "image: no image 'products/missing.jpg'"),
        ("summary", '=HYPERLINK("http://x")', "summary: starts with '=', which spreadsheets"),
        ("name", "@SUM(A1)", "name: starts with '@', which spreadsheets run as a formula"),
        ("name", "", "name: is required."),
    ],
)
def test_a_bad_cell_is_refused_next_to_its_row_and_column(
    demo: None, column: str, value: str, message: str
) -> None:
    rows = exported()
    rows[2][column] = value

    report = dry(csv_bytes(rows))

    assert [row.line for row in report.errors] == [4]
    assert report.errors[0].errors[0].startswith(message)


def test_a_sku_twice_in_one_file_is_refused_on_its_second_row(demo: None) -> None:
    rows = exported()
    rows.append({**rows[1], "slug": "other-slug"})

    report = dry(csv_bytes(rows))

    assert [(row.line, row.errors) for row in report.errors] == [
        (len(rows) + 1, [f"sku: {rows[1]['sku']!r} is also on row 3: each sku once per file."])
    ]


def test_a_slug_of_another_product_is_refused(demo: None) -> None:
    rows = exported()
    rows[0]["slug"] = rows[1]["slug"]

    report = dry(csv_bytes(rows))

    assert report.errors[0].line == 2
    assert "belongs to another row" in report.errors[0].errors[0]


def test_new_products_get_defaults_and_a_slug_from_their_name(demo: None) -> None:
    data = b"sku,name,step,price\nNEW-9,Night Balm,renew,31.5\n"

    engine.catalog_import(kind="products", name="c.csv", data=data, commit=True)

    product = Product.objects.get(sku="NEW-9")
    assert (product.slug, product.price_amount, product.stock, product.active) == (
        "night-balm",
        Decimal("31.50"),
        0,
        True,
    )


def test_export_neutralises_formula_cells_and_import_reads_them_back(demo: None) -> None:
    Product.objects.filter(sku="CLN-CITRUS").update(summary="=1+2", name="-Citrus+")
    before = catalog_state()

    for fmt in ("csv", "xlsx"):
        data = engine.catalog_export(kind="products", fmt=fmt)
        if fmt == "csv":
            assert "'=1+2" in data.decode("utf-8-sig")
            assert ",'-Citrus+," in data.decode("utf-8-sig")
        else:
            sheet = load_workbook(io.BytesIO(data)).active
            cells = [cell.value for row in sheet.iter_rows() for cell in row]
            assert "'=1+2" in cells
            assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
        report = engine.catalog_import(kind="products", name=f"c.{fmt}", data=data, commit=True)
        assert report.count("unchanged") == len(report.rows)
    assert catalog_state() == before


def test_a_formula_cell_in_a_workbook_is_refused(demo: None) -> None:
    data = as_xlsx([["sku", "name", "step", "price"], ["NEW-1", "Balm", "renew", "=10*2"]])

    report = dry(data, "c.xlsx")

    assert report.errors[0].errors[0].startswith("price: starts with '='")
    assert not Product.objects.filter(sku="NEW-1").exists()


def test_a_workbook_reads_numbers_and_flags_and_ignores_empty_columns(demo: None) -> None:
    data = as_xlsx(
        [
            ["sku", "name", "step", "price", "stock", "active", None],
            ["NEW-1", "B", "renew", 12.5, 3, False, None],
        ]
    )

    engine.catalog_import(kind="products", name="c.xlsx", data=data, commit=True)

    product = Product.objects.get(sku="NEW-1")
    assert (product.price_amount, product.stock, product.active) == (Decimal("12.50"), 3, False)


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("catalog.pdf", b"%PDF-1.4", "catalog.pdf is not a CSV or XLSX file"),
        ("catalog.xls", b"\xd0\xcf\x11\xe0", "catalog.xls is an old Excel (.xls) file"),
        ("catalog.csv", b"\x89PNG\r\n\x1a\n\x00\x00", "catalog.csv is not a text file"),
        ("catalog.xlsx", b"sku,name\n", "catalog.xlsx is not an XLSX workbook Excel can open."),
        (
            "catalog.csv",
            "sku,name,step,price\nX,Crème,renew,1\n".encode("latin-1"),
            "catalog.csv is not UTF-8 (a byte on line 2 is not): save it as CSV UTF-8",
        ),
        ("catalog.csv", b"", "catalog.csv is empty: the first row must name the columns."),
        (
            "catalog.csv",
            b"sku,name,prise\n",
            "catalog.csv: missing column(s) step, price; unknown column(s) 'prise'.",
        ),
        ("catalog.csv", b"sku,name,step,price,price\n", "column(s) price appear more than once"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_with_a_reason(
    demo: None, name: str, data: bytes, message: str
) -> None:
    before = catalog_state()

    with pytest.raises(files.FileRefused) as refused:
        engine.catalog_import(kind="products", name=name, data=data, commit=True)

    assert message in refused.value.detail
    assert refused.value.code == "import_file_refused"
    assert catalog_state() == before


def test_a_utf8_file_with_a_byte_order_mark_and_accents_reads(demo: None) -> None:
    data = "sku,name,step,price\nNEW-1,Crème légère,renew,1\n".encode("utf-8-sig")

    engine.catalog_import(kind="products", name="c.csv", data=data, commit=True)

    assert Product.objects.get(sku="NEW-1").name == "Crème légère"


def test_more_than_100000_rows_is_refused_before_any_row_is_imported(
    demo: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    line = b"X,N,renew,1\n"
    data = b"sku,name,step,price\n" + line * (files.MAX_ROWS + 1)

    def no_row(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a row was imported")  # counted, never imported row by row

    monkeypatch.setattr(ProductResource, "import_row", no_row)

    with pytest.raises(files.FileRefused, match="has more than 100,000 rows"):
        engine.catalog_import(kind="products", name="c.csv", data=data, commit=False)


def test_a_workbook_of_more_than_100000_rows_is_refused_from_its_dimension() -> None:
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["sku", "name", "step", "price"])
    for number in range(files.MAX_ROWS + 1):
        sheet.append([number])
    out = io.BytesIO()
    book.save(out)

    with pytest.raises(files.FileRefused, match="has more than 100,000 rows"):
        files.read_table("c.xlsx", out.getvalue())


def test_the_dry_run_command_prints_counts_and_writes_nothing(demo: None, tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    call_command("catalog_export", str(path))
    rows = list(csv.DictReader(io.StringIO(path.read_text("utf-8-sig"))))
    rows[0]["price"] = "1.00"
    path.write_bytes(csv_bytes(rows))
    out = io.StringIO()

    call_command("catalog_import", str(path), stdout=out)

    assert f"Dry run of c.csv: 0 created, 1 changed, {len(rows) - 1} unchanged" in out.getvalue()
    assert Product.objects.get(sku=rows[0]["sku"]).price_amount != Decimal("1.00")


def test_the_commit_command_exits_1_with_every_error_and_writes_nothing(
    demo: None, tmp_path: Path
) -> None:
    path = tmp_path / "c.xlsx"
    call_command("catalog_export", str(path))
    book = load_workbook(path)
    sheet = book.active
    sheet["E2"] = "1.00"  # price
    sheet["D3"] = "scrub"  # step
    sheet["E4"] = "12,50"
    book.save(path)
    before = catalog_state()
    err = io.StringIO()

    with pytest.raises(CommandError, match=r"2 with errors\. Nothing was written\.") as failed:
        call_command("catalog_import", str(path), "--commit", stderr=err)

    assert failed.value.returncode == 1
    lines = err.getvalue().splitlines()
    assert lines[0].startswith("Row 3 (") and "no step 'scrub'" in lines[0]
    assert lines[1].startswith("Row 4 (") and "'12,50' has a comma" in lines[1]
    assert catalog_state() == before


def test_the_commit_command_imports_a_good_file(demo: None, tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_bytes(b"sku,name,step,price\nNEW-1,Balm,renew,9.99\n")
    out = io.StringIO()

    call_command("catalog_import", str(path), "--commit", stdout=out)

    assert "Imported c.csv: 1 created, 0 changed, 0 unchanged, 0 with errors." in out.getvalue()
    assert Product.objects.get(sku="NEW-1").price_amount == Decimal("9.99")


def test_a_refused_file_makes_the_command_exit_1(tmp_path: Path, db: Any) -> None:
    path = tmp_path / "c.txt"
    path.write_bytes(b"hello")

    with pytest.raises(CommandError, match=r"c\.txt is not a CSV or XLSX file") as failed:
        call_command("catalog_import", str(path))

    assert failed.value.returncode == 1


def test_a_sale_made_after_the_table_was_read_is_not_undone_by_a_price_change(
    demo: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = exported()
    rows[0]["price"] = "18.00"
    sku = rows[0]["sku"]
    stock = Product.objects.get(sku=sku).stock
    read = WholeTableLoader.__init__

    def read_then_sell(self: Any, *args: Any) -> None:
        read(self, *args)
        Product.objects.filter(sku=sku).update(stock=F("stock") - 1)  # checkout, meanwhile

    monkeypatch.setattr(WholeTableLoader, "__init__", read_then_sell)

    engine.catalog_import(kind="products", name="c.csv", data=csv_bytes(rows), commit=True)

    product = Product.objects.get(sku=sku)
    assert (product.price_amount, product.stock) == (Decimal("18.00"), stock - 1)


def test_a_changed_stock_is_kept_in_the_stock_history_as_a_count(
    demo: None, staff_user: Any
) -> None:
    rows = exported()
    rows[1]["stock"] = "7"

    report = engine.catalog_import(
        kind="products", name="count.csv", data=csv_bytes(rows), commit=True, user=staff_user
    )

    assert report.rows[1].changes == ["stock"]
    adjustment = StockAdjustment.objects.get()
    assert (adjustment.product.sku, adjustment.reason, adjustment.stock_after) == (
        rows[1]["sku"],
        "count",
        7,
    )
    assert (adjustment.note, adjustment.user) == ("import of count.csv", staff_user)


def _queries(data: bytes) -> int:
    with CaptureQueriesContext(connection) as captured:
        engine.catalog_import(kind="products", name="c.csv", data=data, commit=False)
    return len(captured)


def _numbered(count: int, price: str) -> bytes:
    lines = [f"N-{n:03d},Balm {n},renew,{price},1,dmae;salicylic-acid" for n in range(count)]
    return ("sku,name,step,price,stock,ingredients\n" + "\n".join(lines) + "\n").encode()


def test_queries_per_row_are_two_whatever_the_row_does(demo: None) -> None:
    """Savepoint and release for every row; what rows write is written together at the end
    (ProductResource.finish: a few queries per 500 rows). Tables (products, steps,
    ingredients, concerns, slugs) are read once per file, not per row."""
    new_10, new_20 = _queries(_numbered(10, "1.00")), _queries(_numbered(20, "1.00"))
    engine.catalog_import(kind="products", name="c.csv", data=_numbered(20, "1.00"), commit=True)
    same_10, same_20 = _queries(_numbered(10, "1.00")), _queries(_numbered(20, "1.00"))
    priced_10, priced_20 = _queries(_numbered(10, "2.00")), _queries(_numbered(20, "2.00"))

    assert (new_20 - new_10, same_20 - same_10, priced_20 - priced_10) == (20, 20, 20)
