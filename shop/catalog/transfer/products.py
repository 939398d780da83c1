"""Products as rows: one per SKU, with its step, price, stock, ingredients and concerns by slug."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import slugify
from import_export.fields import Field

from config import sql
from shop.catalog.models import Concern, Ingredient, Product, ProductIngredient, Step
from shop.catalog.price_history import PriceChange, prices_record
from shop.catalog.stock_history import (
    StockAdjustmentRefused,
    stock_count_check,
    stock_counts_record,
)
from shop.catalog.transfer import widgets
from shop.catalog.transfer.base import CHANGED_LISTS, IMPORT_LISTS, CatalogResource
from shop.catalog.version import catalog_writes_begin

CHUNK = 500  # products locked and written together: an IN list every database takes


# What `finish` writes: checked for deferred constraints before the import's commit.
TABLES = [
    Product._meta.db_table,
    ProductIngredient._meta.db_table,
    Product.concerns.through._meta.db_table,
]


class ImportConflict(Exception):
    """The catalog changed under the import in a way its rows cannot be written over."""


@dataclass(frozen=True, slots=True)
class Changed:
    """A product the file changes, kept until `finish`: its line, the instance holding the
    file's values, and the attributes (columns) that differ from the stored row."""

    line: int
    product: Product
    attributes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Lists:
    """A product's list columns that its row changes (concerns, ingredients), as the file
    gives them, kept until `finish`."""

    product: Product
    new: dict[str, list[Any]]


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
        self._new: list[Product] = []
        self._changed: list[Changed] = []
        self._lists: list[Lists] = []

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

    def save_new(self, instance: Product) -> None:
        """Kept for `finish`, as changed rows are."""
        self._new.append(instance)

    def save_changed(self, instance: Product, attributes: list[str]) -> None:
        """Kept for `finish`: a product's row is locked from its UPDATE to the commit, and
        checkout's stock UPDATE waits on that lock. A stock the file changes is a count, as
        one made in the admin: refused here as the admin would refuse it."""
        if "stock" in attributes:
            try:
                stock_count_check(instance.stock)
            except StockAdjustmentRefused as refused:
                raise ValidationError({"stock": refused.detail}) from None
        self._changed.append(Changed(self.row_number + 1, instance, tuple(attributes)))

    def finish(self) -> None:
        """Every row's writes, once every row is through rather than row by row: the catalog
        writers' turn is taken here, and changed products' rows (which checkout's stock
        UPDATE waits on) are locked here, for the few statements this takes (per 500 rows:
        an INSERT of the new, a lock, the lows, the histories' INSERTs, an UPDATE per set of
        changed columns, and the lists), not for the whole file: a flash sale's checkouts wait
        that long, not minutes. Rows are locked in id order, as checkout locks them, so
        neither can deadlock the other. Prices land in the price history and counts in the
        stock history, as `Product.save` and `stock_adjust` record them one at a time."""
        if not (self._new or self._changed or self._lists):
            return
        catalog_writes_begin()  # before the rows, as every catalog writer takes them
        now = timezone.now()
        try:
            for chunk in _chunks(self._new):
                Product.objects.bulk_create(chunk)
                prices_record(PriceChange, "product", {p.pk: p.price_amount for p in chunk}, now)
            for chunk in _chunks(sorted(self._changed, key=lambda c: c.product.pk)):
                self._write(chunk, now)
            for chunk in _chunks(self._lists):
                _lists_write(chunk)
            # Deferred foreign keys (a step deleted meanwhile) now, not at the commit.
            connection.check_constraints(table_names=TABLES)
        except IntegrityError as error:  # a SKU or slug taken meanwhile, say
            problem = str(error).splitlines()[0]
            raise ImportConflict(
                f"The catalog changed during the import ({problem}). "
                "Nothing was imported: check the file again."
            ) from error

    def _write(self, chunk: list[Changed], now: datetime) -> None:
        locked = Product.objects.select_for_update().filter(pk__in=[c.product.pk for c in chunk])
        stored = {
            pk: (price, stock)
            for pk, price, stock in locked.order_by("pk").values_list("pk", "price_amount", "stock")
        }
        gone = [c for c in chunk if c.product.pk not in stored]
        if gone:
            raise ImportConflict(
                "; ".join(
                    f"line {c.line}: {c.product.sku} was deleted during the import" for c in gone
                )
                + ". Nothing was imported: check the file again."
            )
        prices = {
            c.product.pk: c.product.price_amount
            for c in chunk
            if "price_amount" in c.attributes and c.product.price_amount != stored[c.product.pk][0]
        }
        prices_record(PriceChange, "product", prices, now)
        stock_counts_record(
            {
                c.product.pk: (stored[c.product.pk][1], c.product.stock)
                for c in chunk
                if "stock" in c.attributes
            },
            note=f"import of {self.file_name}"[:200],
            user=self.user,
        )
        by_columns: dict[tuple[str, ...], list[Product]] = {}
        for c in chunk:
            c.product.updated_at = now
            by_columns.setdefault(c.attributes, []).append(c.product)
        for attributes, products in by_columns.items():
            _update_each(products, [*attributes, "updated_at"])

    def extra_changes(self, instance: Product, row: Any) -> list[str]:
        lists = getattr(instance, IMPORT_LISTS, {})
        changed = []
        if "ingredients" in lists and lists["ingredients"] != _ingredients(instance):
            changed.append("ingredients")
        if "concerns" in lists and (
            set(lists["concerns"]) != (set(instance.concerns.all()) if instance.pk else set())
        ):
            changed.append("concerns")
        setattr(instance, CHANGED_LISTS, changed)
        return changed

    def save_extras(self, instance: Product, row: Any) -> None:
        """Kept for `finish`: the lists a row changes, written once its product is."""
        changed = getattr(instance, CHANGED_LISTS, [])
        if changed:
            lists = getattr(instance, IMPORT_LISTS, {})
            self._lists.append(Lists(instance, {name: lists[name] for name in changed}))


def _chunks(items: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _lists_write(chunk: list[Lists]) -> None:
    """Replace the concerns and ingredients that rows change: for all of `chunk` one read,
    DELETE and INSERT per list. An ingredient a product keeps keeps its `key` flag; the
    file's order is the ingredients' position."""
    concerns = [lists for lists in chunk if "concerns" in lists.new]
    if concerns:
        through = Product.concerns.through
        through.objects.filter(product_id__in=[c.product.pk for c in concerns]).delete()
        through.objects.bulk_create(
            through(product_id=lists.product.pk, concern_id=concern.pk)
            for lists in concerns
            for concern in lists.new["concerns"]
        )
    ingredients = [lists for lists in chunk if "ingredients" in lists.new]
    if ingredients:
        links = ProductIngredient.objects.filter(product_id__in=[i.product.pk for i in ingredients])
        keys = {(link.product_id, link.ingredient_id): link.key for link in links}
        links.delete()
        ProductIngredient.objects.bulk_create(
            ProductIngredient(
                product=lists.product,
                ingredient=ingredient,
                key=keys.get((lists.product.pk, ingredient.pk), True),
                position=position,
            )
            for lists in ingredients
            for position, ingredient in enumerate(lists.new["ingredients"])
        )


def _update_each(products: list[Product], names: list[str]) -> None:
    """Write `names` of each product in one statement. On PostgreSQL an UPDATE from a list of
    VALUES, typed by casts: with the rows locked, the ORM's ways took longer (1,000 different
    prices, under cProfile: bulk_update 1.8 s, building a CASE per row; an update() per
    product 1.3 s, and the same as one executemany 3.0 s in the database, each UPDATE firing
    the catalog version's trigger; this, 0.2 s). SQLite, a shop's first and small database,
    takes bulk_update."""
    if connection.vendor != "postgresql":
        Product.objects.bulk_update(products, names)
        return
    meta = Product._meta
    fields = [f for f in map(meta.get_field, ["id", *names]) if isinstance(f, models.Field)]
    assert len(fields) == len(names) + 1, names  # columns of the table, not relations
    quoted = [connection.ops.quote_name(str(field.column)) for field in fields]
    row = "(" + ", ".join(f"%s::{field.cast_db_type(connection)}" for field in fields) + ")"
    assignments = ", ".join(f"{column} = v.{column}" for column in quoted[1:])
    statement = (
        f"UPDATE {sql.table(meta)} AS p SET {assignments} "  # noqa: S608 (names from the model)
        f"FROM (VALUES {', '.join([row] * len(products))}) AS v({', '.join(quoted)}) "
        f"WHERE p.{quoted[0]} = v.{quoted[0]}"
    )
    params = [
        value
        for product in products
        for value in (
            product.pk,
            *(f.get_db_prep_save(getattr(product, f.attname), connection) for f in fields[1:]),
        )
    ]
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def _ingredients(product: Product) -> list[Ingredient]:
    if product.pk is None:
        return []
    return [row.ingredient for row in product.product_ingredients.all()]
