"""Write-side operations on the catalog."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from shop.catalog.models import Concern, Ingredient, Product, ProductIngredient, Step
from shop.catalog.stock_history import StockAdjustment, stock_adjust


@transaction.atomic
def product_create(
    *,
    name: str,
    slug: str,
    sku: str,
    step: Step,
    price_amount: Decimal,
    stock: int = 0,
    description: str = "",
    summary: str = "",
    active: bool = True,
    days_of_use: int = 60,
    ingredients: Sequence[Ingredient] = (),
    concerns: Sequence[Concern] = (),
) -> Product:
    product = Product(
        name=name,
        slug=slug,
        sku=sku,
        step=step,
        price_amount=price_amount,
        stock=stock,
        description=description,
        summary=summary,
        active=active,
        days_of_use=days_of_use,
    )
    product.full_clean()
    product.save()
    _set_ingredients(product, ingredients)
    product.concerns.set(concerns)
    return product


@transaction.atomic
def product_update(*, product: Product, data: dict[str, Any], user: Any = None) -> Product:
    """Apply a partial update; `ingredients` and `concerns` replace the whole set when given.

    `stock`, when given, is set as a count (`stock_adjust`, kept in the stock history). The row
    is locked and its stock read again first: saving writes every field, and the stock loaded
    with the request would undo the orders placed since.
    """
    ingredients = data.pop("ingredients", None)
    concerns = data.pop("concerns", None)
    stock = data.pop("stock", None)
    rows = Product.objects.select_for_update().filter(pk=product.pk)
    product.stock = rows.values_list("stock", flat=True).get()
    for field, value in data.items():
        setattr(product, field, value)
    product.full_clean()
    product.save()
    if stock is not None and stock != product.stock:
        stock_adjust(
            product_id=product.pk,
            reason=StockAdjustment.Reason.COUNT,
            quantity=stock,
            note="Set through the API",
            user=user,
        )
        product.stock = stock
    if ingredients is not None:
        _set_ingredients(product, ingredients)
    if concerns is not None:
        product.concerns.set(concerns)
    return product


def _set_ingredients(product: Product, ingredients: Sequence[Ingredient]) -> None:
    ProductIngredient.objects.filter(product=product).delete()
    ProductIngredient.objects.bulk_create(
        ProductIngredient(product=product, ingredient=ingredient, position=index)
        for index, ingredient in enumerate(ingredients)
    )


def products_set_active(*, products: QuerySet[Product], active: bool) -> int:
    """Activate or deactivate products in bulk; returns how many changed."""
    return products.exclude(active=active).update(active=active)
