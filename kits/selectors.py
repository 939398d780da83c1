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

from django.db.models import Prefetch, QuerySet

from shop.models import Product, ProductIngredient
from shop.selectors import ProductInfo

from .models import (
    IngredientConflict,
    Kit,
    KitComponent,
    KitGift,
    Routine,
    RoutineSlot,
    RoutineTier,
)
from .rules import ConflictInfo, KitInfo, PartInfo, RoutineInfo, SlotInfo, TierInfo

# -- models, prefetched ------------------------------------------------------------------------


def _parts(model: type[KitComponent] | type[KitGift]) -> QuerySet[Any]:
    return model.objects.select_related("product__step").order_by("position", "id")


def kit_list(*, include_inactive: bool = False) -> QuerySet[Kit]:
    """Kits in display order with components and gifts (and their products) prefetched."""
    queryset = Kit.objects.all() if include_inactive else Kit.objects.filter(active=True)
    return queryset.prefetch_related(
        Prefetch("components", queryset=_parts(KitComponent)),
        Prefetch("gifts", queryset=_parts(KitGift)),
    ).order_by("position", "name", "pk")


def kit_get(*, slug: str, include_inactive: bool = False) -> Kit | None:
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
    )


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

_PRODUCT = ("id", "slug", "name", "price_amount", "step__slug", "active", "stock")


def _product_row(row: dict[str, Any], prefix: str) -> ProductInfo:
    return ProductInfo(*(row[prefix + name] for name in _PRODUCT))


def kit_infos(*, slugs: Iterable[str]) -> dict[str, KitInfo]:
    """The kits with these slugs (active or not) by slug, in at most two queries.

    Query 1: the kits left-joined with their components and those products; query 2: the
    gifts. Products come as they are (an inactive component makes the kit unsellable; the
    rules say so).
    """
    wanted = sorted(set(slugs))
    if not wanted:
        return {}
    component_fields = [f"components__product__{name}" for name in _PRODUCT]
    rows = (
        Kit.objects.filter(slug__in=wanted)
        .order_by("pk", "components__position", "components__id")
        .values(
            "id",
            "slug",
            "name",
            "price_amount",
            "active",
            "components__quantity",
            *component_fields,
        )
    )
    heads: dict[int, dict[str, Any]] = {}
    components: dict[int, list[PartInfo]] = defaultdict(list)
    for row in rows:
        heads.setdefault(row["id"], row)
        if row["components__quantity"] is not None:
            components[row["id"]].append(
                PartInfo(_product_row(row, "components__product__"), row["components__quantity"])
            )
    gifts: dict[int, list[PartInfo]] = defaultdict(list)
    if heads:
        gift_rows = (
            KitGift.objects.filter(kit_id__in=list(heads))
            .order_by("kit_id", "position", "id")
            .values("kit_id", "quantity", *(f"product__{name}" for name in _PRODUCT))
        )
        for row in gift_rows:
            gifts[row["kit_id"]].append(PartInfo(_product_row(row, "product__"), row["quantity"]))
    return {
        head["slug"]: KitInfo(
            id=kit_id,
            slug=head["slug"],
            name=head["name"],
            price=head["price_amount"],
            active=head["active"],
            components=tuple(components[kit_id]),
            gifts=tuple(gifts[kit_id]),
        )
        for kit_id, head in heads.items()
    }


def routine_infos(*, slugs: Iterable[str]) -> dict[str, RoutineInfo]:
    """The routines with these slugs (active or not) by slug, in at most three queries.

    Query 1: routines left-joined with their slots and steps; query 2: the slots' narrowed
    products; query 3: the tiers.
    """
    wanted = sorted(set(slugs))
    if not wanted:
        return {}
    rows = (
        Routine.objects.filter(slug__in=wanted)
        .order_by("pk", "slots__position", "slots__id")
        .values(
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
        )
    )
    heads: dict[int, Any] = {}
    slot_rows: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        heads.setdefault(row["id"], row)
        if row["slots__id"] is not None:
            slot_rows[row["id"]].append(row)
    if not heads:
        return {}
    narrowed: dict[int, list[str]] = defaultdict(list)
    slot_ids = [row["slots__id"] for rows_ in slot_rows.values() for row in rows_]
    if slot_ids:
        through = RoutineSlot.products.through
        for slot_id, slug in through.objects.filter(routineslot_id__in=slot_ids).values_list(
            "routineslot_id", "product__slug"
        ):
            narrowed[slot_id].append(slug)
    tiers: dict[int, list[TierInfo]] = defaultdict(list)
    for routine_id, min_items, percent_off in (
        RoutineTier.objects.filter(routine_id__in=list(heads))
        .order_by("routine_id", "min_items")
        .values_list("routine_id", "min_items", "percent_off")
    ):
        tiers[routine_id].append(TierInfo(min_items, Decimal(percent_off)))
    return {
        head["slug"]: RoutineInfo(
            id=routine_id,
            slug=head["slug"],
            name=head["name"],
            active=head["active"],
            slots=tuple(
                SlotInfo(
                    step=row["slots__step__slug"],
                    step_name=row["slots__step__name"],
                    position=row["slots__position"],
                    required=row["slots__required"],
                    min_items=row["slots__min_items"],
                    max_items=row["slots__max_items"],
                    label=row["slots__label"],
                    label_plural=row["slots__label_plural"],
                    products=frozenset(narrowed[row["slots__id"]]) or None,
                )
                for row in slot_rows[routine_id]
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
