"""Products as rows: one per SKU, with its step, price, stock, ingredients and concerns by slug."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.text import slugify
from import_export.fields import Field

from shop.catalog.models import Concern, Ingredient, Product, ProductIngredient, Step
from shop.catalog.stock_history import StockAdjustment, stock_adjust
from shop.catalog.transfer import widgets
from shop.catalog.transfer.base import CHANGED_LISTS, IMPORT_LISTS, CatalogResource


class ProductResource(CatalogResource):
    sku = Field("sku", "sku", widget=widgets.Text(required=True, max_length=40))
    slug = Field("slug", "slug", widget=widgets.Text(max_length=120))
    name = Field("name", "name", widget=widgets.Text(required=True, max_length=120))
    step = Field("step", "step", widget=widgets.Lookup(Step, noun="step"))
    price = Field("price_amount", "price", widget=widgets.Price())
    stock = Field("stock", "stock", widget=widgets.WholeNumber(), saves_null_values=False)
    days_of_use = Field(
        "days_of_use",
        "days_of_use",
        widget=widgets.WholeNumber(minimum=1, maximum=32767),
        saves_null_values=False,
    )
    active = Field("active", "active", widget=widgets.Flag(), saves_null_values=False)
    summary = Field("summary", "summary", widget=widgets.Text(max_length=200))
    description = Field("description", "description", widget=widgets.Text())
    ingredients = Field(column_name="ingredients")
    concerns = Field(column_name="concerns")
    image = Field("image", "image", widget=widgets.ImageName())

    required_columns = ("sku", "name", "step", "price")
    unique_columns = {"slug": "slug"}

    class Meta(CatalogResource.Meta):
        model = Product
        import_id_fields = ["sku"]
        fields = [
            "sku",
            "slug",
            "name",
            "step",
            "price",
            "stock",
            "days_of_use",
            "active",
            "summary",
            "description",
            "ingredients",
            "concerns",
            "image",
        ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ingredient_lookup = widgets.LookupList(Ingredient, noun="ingredient")
        self.concern_lookup = widgets.LookupList(Concern, noun="concern")

    def get_queryset(self) -> QuerySet[Product]:
        return Product.objects.select_related("step").prefetch_related(
            "product_ingredients__ingredient", "concerns"
        )

    def dehydrate_ingredients(self, product: Product) -> str:
        return str(self.ingredient_lookup.render(_ingredients(product)))

    def dehydrate_concerns(self, product: Product) -> str:
        return str(self.concern_lookup.render(sorted(product.concerns.all(), key=lambda c: c.slug)))

    def dehydrate_image(self, product: Product) -> str:
        return product.image.name or ""

    def import_instance(self, instance: Product, row: Any, **kwargs: Any) -> None:
        errors: dict[str, Any] = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if not instance.slug and instance.name:
            instance.slug = slugify(instance.name)[:120]
        lists: dict[str, list[Any]] = {}
        for column, lookup in (
            ("ingredients", self.ingredient_lookup),
            ("concerns", self.concern_lookup),
        ):
            if column in row:
                try:
                    lists[column] = lookup.clean(row[column])
                except ValueError as error:
                    errors[column] = ValidationError(str(error))
        setattr(instance, IMPORT_LISTS, lists)
        if errors:
            raise ValidationError(errors)

    def save_separately(self, instance: Product, attributes: list[str]) -> list[str]:
        """A changed stock is a count, kept in the stock history like one made in the admin."""
        if "stock" in attributes:
            stock_adjust(
                product_id=instance.pk,
                reason=StockAdjustment.Reason.COUNT,
                quantity=instance.stock,
                note=f"import of {self.file_name}"[:200],
                user=self.user,
            )
        return [attribute for attribute in attributes if attribute != "stock"]

    def extra_changes(self, instance: Product, row: Any) -> list[str]:
        lists = getattr(instance, IMPORT_LISTS, {})
        changed = []
        if "ingredients" in lists and lists["ingredients"] != _ingredients(instance):
            changed.append("ingredients")
        if "concerns" in lists and (
            set(lists["concerns"]) != (set(instance.concerns.all()) if instance.pk else set())
        ):
            changed.append("concerns")
        setattr(instance, CHANGED_LISTS, (instance.pk is None, changed))
        return changed

    def save_extras(self, instance: Product, row: Any) -> None:
        lists = getattr(instance, IMPORT_LISTS, {})
        new, changed = getattr(instance, CHANGED_LISTS, (False, []))
        if "concerns" in changed:
            instance.concerns.set(lists["concerns"])
        if "ingredients" in changed:
            # Keep each remaining ingredient's `key` flag; the file's order is the position.
            keys = {}
            if not new:
                keys = {link.ingredient_id: link.key for link in instance.product_ingredients.all()}
                instance.product_ingredients.all().delete()
            ProductIngredient.objects.bulk_create(
                ProductIngredient(
                    product=instance,
                    ingredient=ingredient,
                    key=keys.get(ingredient.pk, True),
                    position=position,
                )
                for position, ingredient in enumerate(lists["ingredients"])
            )


def _ingredients(product: Product) -> list[Ingredient]:
    if product.pk is None:
        return []
    return [row.ingredient for row in product.product_ingredients.all()]
