"""Price history: what is recorded, by whom, and the 30-day low under time control."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.db.models import F

from shop.catalog import price_history
from shop.catalog.models import Product
from shop.catalog.price_history import PriceChange, price_changes_by
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db
START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def _rows(product: Product) -> list[tuple[Decimal, str, int | None]]:
    return list(
        PriceChange.objects.filter(product=product)
        .order_by("effective_at", "id")
        .values_list("price_amount", "source", "changed_by")
    )


def _set_price(product: Product, price: str) -> None:
    product.price_amount = Decimal(price)
    product.save()


def _low(product: Product) -> Decimal | None:
    fresh = Product.objects.get(pk=product.pk)
    return price_history.lowest_price_30d(fresh, history=PriceChange, owner="product")


def test_a_new_product_starts_its_history_with_its_price_by_system() -> None:
    product = ProductFactory(price_amount=Decimal("20.00"))
    assert _rows(product) == [(Decimal("20.00"), "system", None)]


def test_saving_without_changing_the_price_records_nothing() -> None:
    product = ProductFactory(price_amount=Decimal("20.00"))
    product.name = "Renamed"
    product.save()
    product.price_amount = "20.0"  # the same price written differently
    product.save()
    product.stock = 3
    product.save(update_fields=["stock"])
    assert len(_rows(product)) == 1


def test_the_context_names_the_source_and_the_user(staff_user: Any) -> None:
    product = ProductFactory(price_amount=Decimal("20.00"))
    with price_changes_by(source="import", user=staff_user):
        _set_price(product, "18.00")
    _set_price(product, "17.00")  # outside the block: system again
    with price_changes_by(source="bulk", user=AnonymousUser()):
        _set_price(product, "16.00")
    assert _rows(product)[1:] == [
        (Decimal("18.00"), "import", staff_user.pk),
        (Decimal("17.00"), "system", None),
        (Decimal("16.00"), "bulk", None),
    ]


def test_an_unknown_source_is_refused() -> None:
    with (
        pytest.raises(ValueError, match="Unknown price change source"),
        price_changes_by(source="spreadsheet"),
    ):
        pass


def test_a_price_set_by_an_expression_is_recorded_as_it_became() -> None:
    product = ProductFactory(price_amount=Decimal("20.00"))
    product.price_amount = F("price_amount") + 1
    product.save()
    assert _rows(product)[-1][0] == Decimal("21.00")


def _history(*changes: tuple[timedelta, str]) -> Product:
    """A product created at START with the first price, then each (wait, price) in turn."""
    (_, first), *later = changes
    with time_machine.travel(START, tick=False) as clock:
        product = ProductFactory(price_amount=Decimal(first))
        for wait, price in later:
            clock.shift(wait)
            _set_price(product, price)
    return product


DAY, HOUR = timedelta(days=1), timedelta(hours=1)


@pytest.mark.parametrize(
    ("changes", "lowest"),
    [
        pytest.param([(0 * DAY, "40.00")], None, id="never-changed"),
        # 30.00 in effect when the window opens, 40.00 raised inside it: the cut to 32.00 is
        # no reduction against the 30-day low.
        pytest.param(
            [(0 * DAY, "30.00"), (60 * DAY, "40.00"), (20 * DAY, "32.00")],
            "30.00",
            id="raise-then-cut",
        ),
        # 20.00 ended 31 days before the cut: outside the window.
        pytest.param(
            [(0 * DAY, "20.00"), (10 * DAY, "40.00"), (31 * DAY, "30.00")],
            "40.00",
            id="ended-31-days-before",
        ),
        pytest.param(
            [(0 * DAY, "20.00"), (10 * DAY, "40.00"), (29 * DAY, "30.00")],
            "20.00",
            id="ended-29-days-before",
        ),
        # 28.00 stood for one hour the same day: it is the 30-day low.
        pytest.param(
            [
                (0 * DAY, "40.00"),
                (90 * DAY, "35.00"),
                (HOUR, "28.00"),
                (HOUR, "36.00"),
                (HOUR, "30.00"),
            ],
            "28.00",
            id="several-changes-a-day",
        ),
        pytest.param(
            [(0 * DAY, "40.00"), (200 * DAY, "30.00")], "40.00", id="long-stable-then-cut"
        ),
        pytest.param(
            [(0 * DAY, "40.00"), (5 * DAY, "50.00")], "40.00", id="raise-reports-the-low-too"
        ),
    ],
)
def test_lowest_price_30d(changes: list[tuple[timedelta, str]], lowest: str | None) -> None:
    product = _history(*changes)
    assert _low(product) == (None if lowest is None else Decimal(lowest))


def test_periods_run_from_each_change_to_the_next() -> None:
    product = _history((0 * DAY, "40.00"), (5 * DAY, "30.00"))
    first, current = price_history.product_periods(product)
    assert (first.price, first.start, first.end) == (
        Decimal("40.00"),
        START,
        START + timedelta(days=5),
    )
    assert (current.price, current.end) == (Decimal("30.00"), None)


def test_no_shop_code_changes_a_price_behind_the_history() -> None:
    """`QuerySet.update()` and `bulk_update()` skip `save()`, so the history would miss the
    change (shop/catalog/price_history.py): no package may set `price_amount` that way unless
    it records the change itself with `prices_record` (the bulk price edit)."""
    root = Path(__file__).resolve().parents[3]
    bypass = re.compile(r"\.(?:update|bulk_update)\([^)]*price_amount")
    offenders = [
        str(path.relative_to(root))
        for package in ("shop", "kits", "promotions", "config")
        for path in (root / package).rglob("*.py")
        if "migrations" not in path.parts
        and path.name != "price_history.py"  # its docstring names the rule
        and bypass.search(text := path.read_text())
        and "prices_record(" not in text
    ]
    assert offenders == []
