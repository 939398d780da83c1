"""Kits and routine templates as rows for catalog import and export (`shop.catalog.transfer`).

A kit's row lists its parts by SKU: `components` and `gifts` as `SKU:quantity;SKU:quantity`
(`SKU` alone is one). A routine's row lists its `slots` as `step:min-max`, ending in `?` when
the step is optional (`cleanse:1-1;prime:0-1?`), and its `tiers` as `items:percent`
(`3:10;5:15`). Lists are written back only when they change; a slot that stays keeps its
labels and product choice, which the file does not carry.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.text import slugify
from import_export.fields import Field

from kits.models import (
    MAX_PART_QUANTITY,
    Kit,
    KitComponent,
    KitGift,
    Routine,
    RoutineSlot,
    RoutineTier,
)
from shop.catalog.models import Product, Step
from shop.catalog.transfer import engine, widgets
from shop.catalog.transfer.base import IMPORT_LISTS, CatalogResource

PART = re.compile(r"(?P<sku>[^:]+?)\s*(?::\s*(?P<quantity>\d+))?")
SLOT = re.compile(r"(?P<step>[^:]+?)\s*:\s*(?P<min>\d+)\s*-\s*(?P<max>\d+)\s*(?P<optional>\?)?")
TIER = re.compile(r"(?P<items>\d+)\s*:\s*(?P<percent>[0-9.]+)")


class ListResource(CatalogResource):
    """A resource with `;`-separated list columns: `parse_lists` reads them from the row,
    `current_lists` from the database, `write_lists` writes the changed ones."""

    slug = Field("slug", "slug", widget=widgets.Text(required=True, max_length=120))
    name = Field("name", "name", widget=widgets.Text(required=True, max_length=120))
    summary = Field("summary", "summary", widget=widgets.Text(max_length=200))
    description = Field("description", "description", widget=widgets.Text())
    active = Field("active", "active", widget=widgets.Flag(), saves_null_values=False)
    position = Field(
        "position", "position", widget=widgets.WholeNumber(maximum=32767), saves_null_values=False
    )

    list_columns: tuple[str, ...] = ()

    def import_instance(self, instance: Any, row: Any, **kwargs: Any) -> None:
        errors: dict[str, Any] = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        lists: dict[str, list[Any]] = {}
        for column in self.list_columns:
            if column in row:
                try:
                    lists[column] = self.parse_list(column, widgets.split_list(row[column]))
                except ValueError as error:
                    errors[column] = ValidationError(str(error))
        setattr(instance, IMPORT_LISTS, lists)
        if errors:
            raise ValidationError(errors)

    def parse_list(self, column: str, parts: list[str]) -> list[Any]:
        raise NotImplementedError

    def current_list(self, instance: Any, column: str) -> list[Any]:
        raise NotImplementedError

    def extra_changes(self, instance: Any, row: Any) -> list[str]:
        lists = getattr(instance, IMPORT_LISTS, {})
        if instance.pk is None:
            return [column for column, items in lists.items() if items]
        return [
            column
            for column, items in lists.items()
            if items != self.current_list(instance, column)
        ]

    def save_extras(self, instance: Any, row: Any) -> None:
        lists = getattr(instance, IMPORT_LISTS, {})
        for column, items in lists.items():
            if items != self.current_list(instance, column):
                self.write_list(instance, column, items)

    def write_list(self, instance: Any, column: str, items: list[Any]) -> None:
        raise NotImplementedError


class KitResource(ListResource):
    price = Field("price_amount", "price", widget=widgets.Price())
    components = Field(column_name="components")
    gifts = Field(column_name="gifts")
    image = Field("image", "image", widget=widgets.ImageName())

    required_columns = ("slug", "name", "price", "components")
    list_columns = ("components", "gifts")
    parts: dict[str, Any] = {"components": KitComponent, "gifts": KitGift}

    class Meta(CatalogResource.Meta):
        model = Kit
        import_id_fields = ["slug"]
        fields = [
            "slug",
            "name",
            "price",
            "summary",
            "description",
            "active",
            "position",
            "components",
            "gifts",
            "image",
        ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.products = widgets.Lookup(Product, key="sku", noun="product with SKU")

    def get_queryset(self) -> QuerySet[Kit]:
        return Kit.objects.prefetch_related("components__product", "gifts__product")

    def parse_list(self, column: str, parts: list[str]) -> list[Any]:
        found: list[tuple[Any, int]] = []
        for part in parts:
            match = PART.fullmatch(part)
            if match is None:
                raise ValueError(f"{part!r} is not SKU or SKU:quantity.")
            product = self.products.find(match["sku"])
            quantity = int(match["quantity"] or 1)
            if not 1 <= quantity <= MAX_PART_QUANTITY:
                raise ValueError(f"{part!r}: a quantity is 1 to {MAX_PART_QUANTITY}.")
            if any(product == other for other, _ in found):
                raise ValueError(f"names {match['sku']!r} twice.")
            found.append((product, quantity))
        return found

    def current_list(self, instance: Kit, column: str) -> list[Any]:
        return [(part.product, part.quantity) for part in getattr(instance, column).all()]

    def write_list(self, instance: Kit, column: str, items: list[Any]) -> None:
        model = self.parts[column]
        model.objects.filter(kit=instance).delete()
        model.objects.bulk_create(
            model(kit=instance, product=product, quantity=quantity, position=position)
            for position, (product, quantity) in enumerate(items)
        )

    def dehydrate_components(self, kit: Kit) -> str:
        return _parts(self.current_list(kit, "components"))

    def dehydrate_gifts(self, kit: Kit) -> str:
        return _parts(self.current_list(kit, "gifts"))

    def dehydrate_image(self, kit: Kit) -> str:
        return kit.image.name or ""

    def import_instance(self, instance: Kit, row: Any, **kwargs: Any) -> None:
        if not row.get("slug") and row.get("name"):
            row["slug"] = slugify(row["name"])
        super().import_instance(instance, row, **kwargs)


def _parts(parts: list[tuple[Product, int]]) -> str:
    return ";".join(f"{product.sku}:{quantity}" for product, quantity in parts)


class RoutineResource(ListResource):
    slots = Field(column_name="slots")
    tiers = Field(column_name="tiers")

    required_columns = ("slug", "name", "slots")
    list_columns = ("slots", "tiers")

    class Meta(CatalogResource.Meta):
        model = Routine
        import_id_fields = ["slug"]
        fields = ["slug", "name", "summary", "description", "active", "position", "slots", "tiers"]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.steps = widgets.Lookup(Step, noun="step")

    def get_queryset(self) -> QuerySet[Routine]:
        return Routine.objects.prefetch_related("slots__step", "tiers")

    def parse_list(self, column: str, parts: list[str]) -> list[Any]:
        return self._tiers(parts) if column == "tiers" else self._slots(parts)

    def _slots(self, parts: list[str]) -> list[tuple[Any, int, int, bool]]:
        found: list[tuple[Any, int, int, bool]] = []
        for part in parts:
            match = SLOT.fullmatch(part)
            if match is None:
                raise ValueError(f"{part!r} is not step:min-max (optional: step:min-max?).")
            step = self.steps.find(match["step"])
            low, high, required = int(match["min"]), int(match["max"]), not match["optional"]
            if not 1 <= high <= MAX_PART_QUANTITY or low > high:
                raise ValueError(f"{part!r}: min 0 to max, max 1 to {MAX_PART_QUANTITY}.")
            if required and low < 1:
                raise ValueError(f"{part!r}: a required step needs a min of 1 (or end it in ?).")
            if any(step == other[0] for other in found):
                raise ValueError(f"names step {step.slug!r} twice.")
            found.append((step, low, high, required))
        return found

    def _tiers(self, parts: list[str]) -> list[tuple[int, Decimal]]:
        found: list[tuple[int, Decimal]] = []
        for part in parts:
            match = TIER.fullmatch(part)
            try:
                percent = Decimal(match["percent"]) if match else None
            except InvalidOperation:
                percent = None
            if match is None or percent is None:
                raise ValueError(f"{part!r} is not items:percent (3:10).")
            items = int(match["items"])
            if not 1 <= items <= MAX_PART_QUANTITY or not 0 < percent <= 100:
                raise ValueError(f"{part!r}: items 1 to {MAX_PART_QUANTITY}, percent 0 to 100.")
            if percent != percent.quantize(Decimal("0.01")):
                raise ValueError(f"{part!r}: at most two decimals.")
            if any(items == other for other, _ in found):
                raise ValueError(f"has two tiers from {items} items.")
            found.append((items, percent.quantize(Decimal("0.01"))))
        return sorted(found)

    def current_list(self, instance: Routine, column: str) -> list[Any]:
        if column == "tiers":
            return [(tier.min_items, tier.percent_off) for tier in instance.tiers.all()]
        return [
            (slot.step, slot.min_items, slot.max_items, slot.required)
            for slot in instance.slots.all()
        ]

    def write_list(self, instance: Routine, column: str, items: list[Any]) -> None:
        if column == "tiers":
            RoutineTier.objects.filter(routine=instance).delete()
            RoutineTier.objects.bulk_create(
                RoutineTier(routine=instance, min_items=items_, percent_off=percent)
                for items_, percent in items
            )
            return
        kept = {slot.step_id: slot for slot in RoutineSlot.objects.filter(routine=instance)}
        steps = [step.pk for step, *_ in items]
        RoutineSlot.objects.filter(routine=instance).exclude(step_id__in=steps).delete()
        for position, (step, low, high, required) in enumerate(items):
            slot = kept.get(step.pk) or RoutineSlot(routine=instance, step=step)
            slot.position, slot.min_items, slot.max_items, slot.required = (
                position,
                low,
                high,
                required,
            )
            slot.save()

    def dehydrate_slots(self, routine: Routine) -> str:
        return ";".join(
            f"{step.slug}:{low}-{high}{'' if required else '?'}"
            for step, low, high, required in self.current_list(routine, "slots")
        )

    def dehydrate_tiers(self, routine: Routine) -> str:
        return ";".join(
            f"{items}:{percent.normalize():f}"
            for items, percent in self.current_list(routine, "tiers")
        )


engine.register("kits", KitResource)
engine.register("routines", RoutineResource)
