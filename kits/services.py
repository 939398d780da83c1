"""Write-side operations on kits and routines: each writes everything or nothing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from kits.models import Kit, KitComponent, KitGift, Routine, RoutineSlot, RoutineTier
from shop.catalog.models import Product, Step


def _clean(obj: Any, prefix: str, parent: str) -> None:
    """full_clean() a child row, naming its errors after its place in the request."""
    try:
        obj.full_clean(exclude=[parent], validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        raise ValidationError(
            {f"{prefix}.{name}": messages for name, messages in error.message_dict.items()}
        ) from error


@dataclass(frozen=True)
class PartSpec:
    product: Product
    quantity: int = 1


@dataclass(frozen=True)
class SlotSpec:
    step: Step
    required: bool = True
    min_items: int = 1
    max_items: int = 1
    label: str = ""
    label_plural: str = ""
    products: Sequence[Product] = field(default=())


@dataclass(frozen=True)
class TierSpec:
    min_items: int
    percent_off: Decimal


def _set_parts(
    kit: Kit, components: Sequence[PartSpec] | None, gifts: Sequence[PartSpec] | None
) -> None:
    parts_by_model: tuple[tuple[type[KitComponent] | type[KitGift], str, Any], ...] = (
        (KitComponent, "components", components),
        (KitGift, "gifts", gifts),
    )
    for model, name, parts in parts_by_model:
        if parts is None:
            continue
        seen: set[int] = set()
        for index, part in enumerate(parts):
            if part.product.pk in seen:
                raise ValidationError(
                    {f"{name}.{index}.product": [f"{part.product.name} is listed twice."]}
                )
            seen.add(part.product.pk)
        model.objects.filter(kit=kit).delete()
        rows: list[Any] = [
            model(kit=kit, product=part.product, quantity=part.quantity, position=index)
            for index, part in enumerate(parts)
        ]
        for index, row in enumerate(rows):
            _clean(row, f"{name}.{index}", "kit")
        model.objects.bulk_create(rows)


@transaction.atomic
def kit_create(
    *,
    name: str,
    slug: str,
    price_amount: Decimal,
    components: Sequence[PartSpec],
    gifts: Sequence[PartSpec] = (),
    summary: str = "",
    description: str = "",
    active: bool = True,
    position: int = 0,
) -> Kit:
    """A kit with its components (at least one) and gifts."""
    if not components:
        raise ValidationError({"components": ["A kit needs at least one product."]})
    kit = Kit(
        name=name,
        slug=slug,
        price_amount=price_amount,
        summary=summary,
        description=description,
        active=active,
        position=position,
    )
    kit.full_clean()
    kit.save()
    _set_parts(kit, components, gifts)
    return kit


@transaction.atomic
def kit_update(*, kit: Kit, data: dict[str, Any]) -> Kit:
    """Apply a partial update; `components` and `gifts`, when given, replace the whole list."""
    components = data.pop("components", None)
    gifts = data.pop("gifts", None)
    if components is not None and not components:
        raise ValidationError({"components": ["A kit needs at least one product."]})
    for name, value in data.items():
        setattr(kit, name, value)
    kit.full_clean()
    kit.save()
    _set_parts(kit, components, gifts)
    return kit


def _set_slots(routine: Routine, slots: Sequence[SlotSpec]) -> None:
    steps: set[int] = set()
    for index, spec in enumerate(slots):
        if spec.step.pk in steps:
            raise ValidationError({f"slots.{index}.step": ["Each step has one slot."]})
        steps.add(spec.step.pk)
    routine.slots.all().delete()
    for index, spec in enumerate(slots):
        slot = RoutineSlot(
            routine=routine,
            step=spec.step,
            position=index,
            required=spec.required,
            min_items=spec.min_items,
            max_items=spec.max_items,
            label=spec.label,
            label_plural=spec.label_plural,
        )
        _clean(slot, f"slots.{index}", "routine")
        wrong = [p.name for p in spec.products if p.step_id != spec.step.pk]
        if wrong:
            raise ValidationError(
                {f"slots.{index}.products": [f"Not {spec.step.name} products: {', '.join(wrong)}."]}
            )
        slot.save()
        slot.products.set(spec.products)


def _set_tiers(routine: Routine, tiers: Sequence[TierSpec]) -> None:
    minimums: set[int] = set()
    for index, spec in enumerate(tiers):
        if spec.min_items in minimums:
            raise ValidationError(
                {f"tiers.{index}.min_items": [f"Two tiers start at {spec.min_items} products."]}
            )
        minimums.add(spec.min_items)
    routine.tiers.all().delete()
    rows = [RoutineTier(routine=routine, **vars(spec)) for spec in tiers]
    for index, row in enumerate(rows):
        _clean(row, f"tiers.{index}", "routine")
    RoutineTier.objects.bulk_create(rows)


@transaction.atomic
def routine_create(
    *,
    name: str,
    slug: str,
    slots: Sequence[SlotSpec],
    tiers: Sequence[TierSpec] = (),
    summary: str = "",
    description: str = "",
    active: bool = True,
    position: int = 0,
) -> Routine:
    """A routine with its slots (in order, at least one) and discount tiers."""
    if not slots:
        raise ValidationError({"slots": ["A routine needs at least one step."]})
    routine = Routine(
        name=name,
        slug=slug,
        summary=summary,
        description=description,
        active=active,
        position=position,
    )
    routine.full_clean()
    routine.save()
    _set_slots(routine, slots)
    _set_tiers(routine, tiers)
    return routine


@transaction.atomic
def routine_update(*, routine: Routine, data: dict[str, Any]) -> Routine:
    """Apply a partial update; `slots` and `tiers`, when given, replace the whole list."""
    slots = data.pop("slots", None)
    tiers = data.pop("tiers", None)
    if slots is not None and not slots:
        raise ValidationError({"slots": ["A routine needs at least one step."]})
    for name, value in data.items():
        setattr(routine, name, value)
    routine.full_clean()
    routine.save()
    if slots is not None:
        _set_slots(routine, slots)
    if tiers is not None:
        _set_tiers(routine, tiers)
    return routine
