"""`manage.py load_demo` loads the brand's catalog and is idempotent."""

from decimal import Decimal
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command

from shop.catalog.models import Product, Step

pytestmark = pytest.mark.django_db

SEVEN_PIECES = [
    "CLN-CITRUS",
    "CLN-ACNE",
    "TON-FIRM",
    "TON-CLEAR",
    "REN-FIRM",
    "REN-SMOOTH",
    "REN-PORE",
]


def _row_counts() -> dict[str, int]:
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label in {"shop", "kits", "promotions"}
    }


def test_load_demo_twice_changes_nothing() -> None:
    call_command("load_demo", stdout=StringIO())
    first = _row_counts()
    snapshot = list(Product.objects.values().order_by("pk"))
    call_command("load_demo", stdout=StringIO())
    assert _row_counts() == first
    assert list(Product.objects.values().order_by("pk")) == snapshot


def test_demo_keeps_a_merchandisers_edit() -> None:
    call_command("load_demo", stdout=StringIO())
    Product.objects.filter(sku="CLN-CITRUS").update(stock=3)
    call_command("load_demo", stdout=StringIO())
    assert Product.objects.get(sku="CLN-CITRUS").stock == 3


def test_demo_has_the_routine_steps_and_the_180_value_collection() -> None:
    call_command("load_demo", stdout=StringIO())
    assert list(Step.objects.values_list("slug", flat=True)) == [
        "cleanse",
        "tone",
        "renew",
        "prime",
        "foundation",
        "powder",
        "extra",
    ]
    prices = Product.objects.filter(sku__in=SEVEN_PIECES).values_list("price_amount", flat=True)
    assert len(prices) == 7
    assert sum(prices, Decimal("0")) == Decimal("180.00")
