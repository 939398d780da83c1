"""What a bulk edit in the admin does to kits: each kit's value, price, savings and gift value
before and after a price change, from the pricing service (answers
`shop.catalog.bulk.prices_previewed`); what a move to another step took from routines (answers
`shop.catalog.bulk.products_moved`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q
from django.dispatch import receiver
from django.urls import reverse

from kits import selectors
from kits.models import RoutineSlot
from kits.prices import kit_figures
from kits.rules import KitInfo, PartInfo
from shop.catalog.bulk import KitEffect, prices_previewed, products_moved
from shop.catalog.models import Product


def _repriced(kit: KitInfo, prices: Mapping[int, Decimal]) -> KitInfo:
    def part(p: PartInfo) -> PartInfo:
        if p.product.id not in prices:
            return p
        return replace(p, product=replace(p.product, price=prices[p.product.id]))

    return replace(
        kit,
        components=tuple(part(p) for p in kit.components),
        gifts=tuple(part(p) for p in kit.gifts),
    )


def kit_effects(*, prices: Mapping[int, Decimal]) -> list[KitEffect]:
    """Every kit (sold or not) holding one of the products as a component or a gift."""
    ids = list(prices)
    kits = (
        selectors.kit_list(include_inactive=True)
        .filter(Q(components__product_id__in=ids) | Q(gifts__product_id__in=ids))
        .distinct()
    )
    effects = []
    for kit in kits:
        info = selectors.kit_info_of(kit)
        before, after = kit_figures(info), kit_figures(_repriced(info, prices))
        effects.append(
            KitEffect(
                name=kit.name,
                url=reverse("admin:kits_kit_change", args=[kit.pk]),
                value=(before.value, after.value),
                price=(before.price, after.price),
                savings=(before.savings, after.savings),
                gift_value=(before.gift_value, after.gift_value),
            )
        )
    return effects


@receiver(prices_previewed)
def _answer(sender: Any, *, prices: Mapping[int, Decimal], **kwargs: Any) -> list[KitEffect]:
    return kit_effects(prices=prices)


def routine_slots_after_move(*, product_ids: list[int], from_steps: set[int]) -> list[str]:
    """Once products moved to another step: each routine slot that lists one of them (a slot
    offers only products of its own step, so it no longer offers them), and each required slot
    of a step they left that now has fewer products to choose from than it asks for (the
    routine cannot be built). Inactive routines included: they may be published later."""
    slots = (
        RoutineSlot.objects.filter(Q(products__in=product_ids) | Q(step_id__in=from_steps))
        .select_related("routine", "step")
        .prefetch_related("products")
        .distinct()
        .order_by("routine__name", "position", "pk")
    )
    in_step = dict(
        Product.objects.filter(active=True, step_id__in={s.step_id for s in slots} | from_steps)
        .values_list("step_id")
        .annotate(n=Count("pk"))
    )
    warnings: list[str] = []
    for slot in slots:
        listed = list(slot.products.all())
        gone = [p.name for p in listed if p.pk in product_ids and p.step_id != slot.step_id]
        where = f"{slot.routine.name}: its {slot.step.name} slot"
        if gone:
            warnings.append(f"{where} lists {', '.join(gone)}, now in another step: not offered.")
        left = (
            sum(1 for p in listed if p.active and p.step_id == slot.step_id)
            if listed
            else in_step.get(slot.step_id, 0)
        )
        if slot.required and left < slot.min_items:
            warnings.append(
                f"{where} has {left} product(s) to choose from and asks for {slot.min_items}: "
                "the routine cannot be built until it is changed."
            )
    return warnings


@receiver(products_moved)
def _routines_told(
    sender: Any, *, product_ids: list[int], from_steps: set[int], **kwargs: Any
) -> list[str]:
    return routine_slots_after_move(product_ids=product_ids, from_steps=from_steps)
