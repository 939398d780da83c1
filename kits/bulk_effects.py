"""What a bulk price change in the admin does to kits: each kit's value, price, savings and gift
value before and after, from the pricing service (answers `shop.catalog.bulk.prices_previewed`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.dispatch import receiver
from django.urls import reverse

from kits import selectors
from kits.prices import kit_figures
from kits.rules import KitInfo, PartInfo
from shop.catalog.bulk import KitEffect, prices_previewed


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
