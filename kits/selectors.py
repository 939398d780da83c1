"""Read-side queries for kits, routines and ingredient conflicts.

Two shapes: model querysets with everything a page or the API renders prefetched, and plain
data (`kits.rules`) loaded with `.values()` in a fixed number of queries, for quotes and
checkout, whatever the number of kits, routines or components asked for.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet, Value

from kits.models import (
    IngredientConflict,
    Kit,
    KitComponent,
    KitGift,
    KitPriceChange,
    Routine,
    RoutineSlot,
    RoutineTier,
)
from kits.rules import ConflictInfo, KitInfo, PartInfo, RoutineInfo, SlotInfo, TierInfo
from shop.catalog import price_history
from shop.catalog.models import Product, ProductIngredient
from shop.catalog.selectors import PRODUCT_INFO_FIELDS, ProductInfo, is_slug, slugs_only

# -- models, prefetched ------------------------------------------------------------------------


def _parts(model: type[KitComponent] | type[KitGift]) -> QuerySet[Any]:
    return model.objects.select_related("product__step").order_by("position", "id")


def kit_list(*, include_inactive: bool = False) -> QuerySet[Kit]:
    """Kits in display order with components and gifts (and their products) prefetched, and
    each kit's 30-day low (`lowest_price_30d`)."""
    queryset = Kit.objects.all() if include_inactive else Kit.objects.filter(active=True)
    lowest = price_history.latest_lowest(KitPriceChange, "kit")
    return (
        queryset.annotate(lowest_price_30d=lowest)
        .prefetch_related(
            Prefetch("components", queryset=_parts(KitComponent)),
            Prefetch("gifts", queryset=_parts(KitGift)),
        )
        .order_by("position", "name", "pk")
    )


def kit_get(*, slug: str, include_inactive: bool = False) -> Kit | None:
    if not is_slug(slug):  # from a URL: may hold anything, a NUL byte included
        return None
    return kit_list(include_inactive=include_inactive).filter(slug=slug).first()


def kit_info_of(kit: Kit) -> KitInfo:
    """Plain data from a kit fetched by `kit_list` (no further queries)."""
    return KitInfo(
        id=kit.pk,
        slug=kit.slug,
        name=kit.name,
        price=kit.price_amount,
        active=kit.active,
        components=tuple(
            PartInfo(ProductInfo.of(part.product), part.quantity) for part in kit.components.all()
        ),
        gifts=tuple(
            PartInfo(ProductInfo.of(part.product), part.quantity) for part in kit.gifts.all()
        ),
        image=kit.image.name or "",
    )


def kits_holding(*, product_slug: str) -> list[KitInfo]:
    """The active kits that hold `product_slug` as a component, as plain data (two queries)."""
    kits = kit_list().filter(components__product__slug=product_slug).distinct()
    return [kit_info_of(kit) for kit in kits]


def routine_list(*, include_inactive: bool = False) -> QuerySet[Routine]:
    """Routines in display order with slots (step, narrowed products) and tiers prefetched."""
    queryset = Routine.objects.all() if include_inactive else Routine.objects.filter(active=True)
    return queryset.prefetch_related(
        Prefetch(
            "slots",
            queryset=RoutineSlot.objects.select_related("step")
            .prefetch_related(
                Prefetch(
                    "products", queryset=Product.objects.only("id", "slug", "active", "step_id")
                )
            )
            .order_by("position", "id"),
        ),
        "tiers",
    ).order_by("position", "name", "pk")


def routine_get(*, slug: str, include_inactive: bool = False) -> Routine | None:
    if not is_slug(slug):
        return None
    return routine_list(include_inactive=include_inactive).filter(slug=slug).first()


def _slot_info(slot: RoutineSlot, narrowed: Iterable[str]) -> SlotInfo:
    products = frozenset(narrowed)
    return SlotInfo(
        step=slot.step.slug,
        step_name=slot.step.name,
        position=slot.position,
        required=slot.required,
        min_items=slot.min_items,
        max_items=slot.max_items,
        label=slot.label,
        label_plural=slot.label_plural,
        products=products or None,
    )


def routine_info_of(routine: Routine) -> RoutineInfo:
    """Plain data from a routine fetched by `routine_list` (no further queries)."""
    return RoutineInfo(
        id=routine.pk,
        slug=routine.slug,
        name=routine.name,
        active=routine.active,
        slots=tuple(
            _slot_info(slot, (p.slug for p in slot.products.all())) for slot in routine.slots.all()
        ),
        tiers=tuple(
            TierInfo(tier.min_items, tier.percent_off)
            for tier in sorted(routine.tiers.all(), key=lambda t: t.min_items)
        ),
    )


def routine_eligible_products(*, routine: Routine) -> dict[str, list[Product]]:
    """Per step slug, the products a shopper may choose, with step and ingredients prefetched.

    One query for the products of every slot (plus one for their ingredients), whatever the
    number of slots. A slot's narrowed list still only offers active products of its step.
    """
    slots = list(routine.slots.all())
    steps = {slot.step_id for slot in slots}
    products = list(
        Product.objects.filter(active=True, step_id__in=steps)
        .select_related("step")
        .prefetch_related(
            Prefetch(
                "product_ingredients",
                queryset=ProductIngredient.objects.select_related("ingredient").order_by(
                    "position", "id"
                ),
            )
        )
        .order_by("step__position", "price_amount", "name", "pk")
    )
    eligible: dict[str, list[Product]] = {}
    for slot in slots:
        narrowed = {p.pk for p in slot.products.all()}
        eligible[slot.step.slug] = [
            p for p in products if p.step_id == slot.step_id and (not narrowed or p.pk in narrowed)
        ]
    return eligible


def conflict_infos() -> list[ConflictInfo]:
    """The active ingredient conflicts, as plain data (one query)."""
    rows = (
        IngredientConflict.objects.filter(active=True)
        .order_by("title", "pk")
        .values_list(
            "first__slug", "first__name", "second__slug", "second__name", "title", "explanation"
        )
    )
    return [ConflictInfo(*row) for row in rows]


# -- plain data for quotes and checkout: fixed number of queries -------------------------------
# Each row is a tuple read by position: one query per kind, whatever the number asked for.

_PART = tuple(f"product__{name}" for name in PRODUCT_INFO_FIELDS)


def _kit_parts(slugs: list[str]) -> QuerySet[Any]:
    # Components (left-joined, so a kit without any still has a row) and gifts in one query.
    components = (
        Kit.objects.filter(slug__in=slugs)
        .order_by()
        .annotate(part_kind=Value(0))
        .values_list(
            "id",
            "slug",
            "name",
            "price_amount",
            "active",
            "part_kind",
            "components__position",
            "components__id",
            "components__quantity",
            *(f"components__{name}" for name in _PART),
            "image",
        )
    )
    gifts = (
        KitGift.objects.filter(kit__slug__in=slugs)
        .order_by()
        .annotate(part_kind=Value(1))
        .values_list(
            "kit_id",
            "kit__slug",
            "kit__name",
            "kit__price_amount",
            "kit__active",
            "part_kind",
            "position",
            "id",
            "quantity",
            *_PART,
            "kit__image",
        )
    )
    return components.union(gifts, all=True)


def kit_infos(*, slugs: Iterable[str]) -> dict[str, KitInfo]:
    """The kits with these slugs (active or not) by slug, in one query.

    Products come as they are (an inactive component makes the kit unsellable; the rules say
    so). Parts keep their position order.
    """
    wanted = slugs_only(slugs)
    if not wanted:
        return {}
    heads: dict[int, tuple[Any, ...]] = {}
    parts: dict[tuple[int, int], list[tuple[Any, ...]]] = defaultdict(list)
    for row in _kit_parts(wanted):
        heads.setdefault(row[0], row)
        if row[8] is not None:
            parts[row[0], row[5]].append(row)

    def infos(kit_id: int, kind: int) -> tuple[PartInfo, ...]:
        rows = sorted(parts[kit_id, kind], key=lambda row: (row[6], row[7]))
        return tuple(PartInfo(ProductInfo(*row[9:-1]), row[8]) for row in rows)

    return {
        head[1]: KitInfo(
            id=kit_id,
            slug=head[1],
            name=head[2],
            price=head[3],
            active=head[4],
            components=infos(kit_id, 0),
            gifts=infos(kit_id, 1),
            image=head[-1] or "",
        )
        for kit_id, head in heads.items()
    }


def _routine_slots(slugs: list[str]) -> QuerySet[Any]:
    # One row per slot and narrowed product (one with NULL when the slot is not narrowed).
    return (
        Routine.objects.filter(slug__in=slugs)
        .order_by("pk", "slots__position", "slots__id")
        .values_list(
            "id",
            "slug",
            "name",
            "active",
            "slots__id",
            "slots__step__slug",
            "slots__step__name",
            "slots__position",
            "slots__required",
            "slots__min_items",
            "slots__max_items",
            "slots__label",
            "slots__label_plural",
            "slots__products__slug",
        )
    )


def _routine_tiers(slugs: list[str]) -> QuerySet[Any]:
    return (
        RoutineTier.objects.filter(routine__slug__in=slugs)
        .order_by("routine_id", "min_items")
        .values_list("routine_id", "min_items", "percent_off")
    )


def routine_infos(*, slugs: Iterable[str]) -> dict[str, RoutineInfo]:
    """The routines with these slugs (active or not) by slug, in two queries.

    Query 1: routines left-joined with their slots, steps and narrowed products; query 2: tiers.
    """
    wanted = slugs_only(slugs)
    if not wanted:
        return {}
    heads: dict[int, tuple[Any, ...]] = {}
    slot_rows: dict[int, dict[int, tuple[Any, ...]]] = defaultdict(dict)
    narrowed: dict[int, list[str]] = defaultdict(list)
    for row in _routine_slots(wanted):
        heads.setdefault(row[0], row)
        if row[4] is not None:
            slot_rows[row[0]].setdefault(row[4], row)
            if row[13] is not None:
                narrowed[row[4]].append(row[13])
    if not heads:
        return {}
    tiers: dict[int, list[TierInfo]] = defaultdict(list)
    for routine_id, min_items, percent_off in _routine_tiers(wanted):
        tiers[routine_id].append(TierInfo(min_items, Decimal(percent_off)))
    return {
        head[1]: RoutineInfo(
            id=routine_id,
            slug=head[1],
            name=head[2],
            active=head[3],
            slots=tuple(
                SlotInfo(
                    step=row[5],
                    step_name=row[6],
                    position=row[7],
                    required=row[8],
                    min_items=row[9],
                    max_items=row[10],
                    label=row[11],
                    label_plural=row[12],
                    products=frozenset(narrowed[slot_id]) or None,
                )
                for slot_id, row in slot_rows[routine_id].items()
            ),
            tiers=tuple(tiers[routine_id]),
        )
        for routine_id, head in heads.items()
    }


def product_ingredient_slugs(*, product_ids: Sequence[int]) -> dict[int, list[str]]:
    """Ingredient slugs per product id, in one query (for conflict checks on plain data)."""
    result: dict[int, list[str]] = defaultdict(list)
    if product_ids:
        for product_id, slug in ProductIngredient.objects.filter(
            product_id__in=list(product_ids)
        ).values_list("product_id", "ingredient__slug"):
            result[product_id].append(slug)
    return result
