"""The catalog's database constraints hold even when validation is bypassed."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from shop.catalog.models import Product
from tests.factories import IngredientFactory, ProductFactory, StepFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("field", "value"),
    [("price_amount", Decimal("-0.01")), ("stock", -1), ("days_of_use", 0), ("sku", "")],
)
def test_constraint_rejects_invalid_value_written_directly(field: str, value: object) -> None:
    product = ProductFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Product.objects.filter(pk=product.pk).update(**{field: value})


def test_sku_and_slug_are_unique() -> None:
    product = ProductFactory(sku="SKU-A", slug="a")
    with pytest.raises(IntegrityError), transaction.atomic():
        ProductFactory(sku="SKU-A")
    with pytest.raises(IntegrityError), transaction.atomic():
        ProductFactory(slug=product.slug)


def test_available_needs_active_and_stock() -> None:
    assert ProductFactory(stock=1).available
    assert not ProductFactory(stock=0).available
    assert not ProductFactory(stock=5, active=False).available


def test_steps_order_by_position() -> None:
    StepFactory(slug="renew", position=3)
    StepFactory(slug="cleanse", position=1)
    StepFactory(slug="tone", position=2)
    from shop.catalog.selectors import step_list

    assert [s.slug for s in step_list()] == ["cleanse", "tone", "renew"]


def test_ingredient_benefits_are_one_per_line() -> None:
    ingredient = IngredientFactory(benefits="Tightens skin\n\n  Hydrates  \n")
    assert ingredient.benefit_list == ["Tightens skin", "Hydrates"]
