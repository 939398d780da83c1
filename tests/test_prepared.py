"""config.prepared: SQL compiled once per shape gives exactly what the ORM gives."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import Value
from django.db.models.expressions import RawSQL

from config.prepared import PreparedQuery
from shop.catalog.models import Product
from tests.factories import ProductFactory, StepFactory

pytestmark = pytest.mark.django_db

FIELDS = ("slug", "price_amount", "active", "stock", "step__slug")


def _by_slug(slugs: list[str]):
    return Product.objects.filter(slug__in=slugs).order_by("slug").values_list(*FIELDS)


@pytest.fixture
def products() -> list[Product]:
    step = StepFactory(slug="tone", position=2)
    return [
        ProductFactory(
            slug=f"p{i}", step=step, price_amount=Decimal(f"{i}.{i}5"), active=i % 2 == 0
        )
        for i in range(7)
    ]


@pytest.mark.parametrize("count", [1, 2, 3, 5, 7])
def test_rows_and_types_match_the_orm(products: list[Product], count: int) -> None:
    query = PreparedQuery("test", _by_slug, placeholder=lambda i: f"\x00{i}")
    slugs = [p.slug for p in products[:count]]
    rows = query.fetch(slugs)
    assert rows == list(_by_slug(slugs))
    assert all(isinstance(row[1], Decimal) and isinstance(row[2], bool) for row in rows)
    assert rows[0][1] == Decimal("0.05")


def test_unknown_keys_give_no_rows_and_repeats_are_harmless(products: list[Product]) -> None:
    query = PreparedQuery("test", _by_slug, placeholder=lambda i: f"\x00{i}")
    assert query.fetch(["nope"]) == []
    assert [row[0] for row in query.fetch(["p1", "p1", "p2"])] == ["p1", "p2"]


def test_a_union_binds_the_keys_once_per_part(products: list[Product]) -> None:
    def both(slugs: list[str]):
        first = (
            Product.objects.filter(slug__in=slugs)
            .order_by()
            .annotate(kind=RawSQL("0", ()))
            .values_list("slug", "kind")
        )
        second = (
            Product.objects.filter(slug__in=slugs, active=True)
            .order_by()
            .annotate(kind=RawSQL("1", ()))
            .values_list("slug", "kind")
        )
        return first.union(second, all=True)

    query = PreparedQuery("union", both, placeholder=lambda i: f"\x00{i}")
    assert sorted(query.fetch(["p1", "p2", "p3"])) == [("p1", 0), ("p2", 0), ("p2", 1), ("p3", 0)]


def test_a_query_with_other_parameters_is_refused(products: list[Product]) -> None:
    query = PreparedQuery(
        "bad",
        lambda slugs: (
            Product.objects.filter(slug__in=slugs, stock__gt=3)
            .annotate(x=Value(1))
            .values_list("slug")
        ),
        placeholder=lambda i: f"\x00{i}",
    )
    with pytest.raises(ValueError, match="parameters must be exactly the keys"):
        query.fetch(["p1"])


def test_no_keys_is_an_error() -> None:
    query = PreparedQuery("test", _by_slug, placeholder=lambda i: f"\x00{i}")
    with pytest.raises(ValueError, match="at least one key"):
        query.fetch([])
