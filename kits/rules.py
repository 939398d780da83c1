"""Kits and routines as plain data, and the rules over them: stock, selections, conflicts.

Nothing here queries the database or computes a price: selectors load these objects, the
pricing service prices them. That keeps every rule testable with plain values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from shop.catalog.selectors import ProductInfo


@dataclass(frozen=True, slots=True)
class PartInfo:
    product: ProductInfo
    quantity: int


@dataclass(frozen=True, slots=True)
class KitInfo:
    id: int
    slug: str
    name: str
    price: Decimal
    active: bool
    components: tuple[PartInfo, ...]
    gifts: tuple[PartInfo, ...]
    image: str = ""  # the stored image's name, for pictures


@dataclass(frozen=True, slots=True)
class SlotInfo:
    """A routine slot; `products` is the narrowed choice, or None for every product of the step.

    `step` (a step slug) is unique within a routine, so it is also the slot's key.
    """

    step: str
    step_name: str
    position: int
    required: bool
    min_items: int
    max_items: int
    label: str
    label_plural: str
    products: frozenset[str] | None

    def offers(self, product: ProductInfo) -> bool:
        """Whether the product may be chosen in this slot (active, right step, not narrowed out)."""
        return (
            product.active
            and product.step == self.step
            and (self.products is None or product.slug in self.products)
        )


@dataclass(frozen=True, slots=True)
class TierInfo:
    min_items: int
    percent_off: Decimal


@dataclass(frozen=True, slots=True)
class RoutineInfo:
    id: int
    slug: str
    name: str
    active: bool
    slots: tuple[SlotInfo, ...]
    tiers: tuple[TierInfo, ...]

    def slot(self, step: str) -> SlotInfo | None:
        for slot in self.slots:
            if slot.step == step:
                return slot
        return None

    @property
    def capacity(self) -> int:
        """The most products one routine can hold."""
        return sum(slot.max_items for slot in self.slots)


# -- kits -------------------------------------------------------------------------------------


def kit_stock(kit: KitInfo) -> int:
    """How many whole kits the components' stock allows; gifts never block a sale.

    A kit with no components, or with a component that is no longer sold, cannot be sold.
    """
    if not kit.components:
        return 0
    stock = None
    for part in kit.components:
        if not part.product.active:
            return 0
        allows = max(part.product.stock, 0) // part.quantity
        stock = allows if stock is None else min(stock, allows)
    return stock or 0


def kit_problem(kit: KitInfo) -> str | None:
    """Why the kit cannot be sold at all (not: out of stock), or None."""
    if not kit.active:
        return f"{kit.name} is no longer sold."
    if not kit.components:
        return f"{kit.name} has no products yet."
    for part in kit.components:
        if not part.product.active:
            return f"{kit.name} is not available: {part.product.name} is no longer sold."
    return None


def kit_available(kit: KitInfo) -> bool:
    return kit_problem(kit) is None and kit_stock(kit) > 0


# -- routine selections ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SelectionProblem:
    """One thing wrong with a selection; `slot` is the step slug it belongs to, if any.

    `code`: unknown, inactive, duplicate, no_slot, wrong_step, not_offered, too_many, missing.
    """

    slot: str | None
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class Selection:
    """A selection sorted into slots: `chosen` per step slug, `products` in slot order."""

    routine: RoutineInfo
    chosen: Mapping[str, tuple[ProductInfo, ...]]
    problems: tuple[SelectionProblem, ...] = field(default=())

    @property
    def products(self) -> tuple[ProductInfo, ...]:
        return tuple(p for slot in self.routine.slots for p in self.chosen.get(slot.step, ()))

    @property
    def valid(self) -> bool:
        return not self.problems

    def problems_for(self, step: str | None) -> list[str]:
        return [problem.message for problem in self.problems if problem.slot == step]


def _label(slot: SlotInfo) -> str:
    return slot.label or slot.step_name.lower()


def _plural(slot: SlotInfo) -> str:
    return slot.label_plural or f"{_label(slot)}s"


def _a(noun: str) -> str:
    return f"an {noun}" if noun[:1].lower() in "aeiou" else f"a {noun}"


def _products(count: int) -> str:
    return "1 product" if count == 1 else f"{count} products"


def _count_problem(slot: SlotInfo, count: int) -> SelectionProblem | None:
    if count > slot.max_items:
        label = _label(slot)
        return SelectionProblem(
            slot.step,
            "too_many",
            f"{label[:1].upper()}{label[1:]} allows at most {_products(slot.max_items)}.",
        )
    if count >= slot.min_items or (count == 0 and not slot.required):
        return None
    label = _label(slot)
    if slot.min_items == 1:
        message = f"Choose one {label}" if slot.max_items == 1 else f"Choose at least one {label}"
    elif slot.min_items == slot.max_items:
        message = f"Choose {slot.min_items} {_plural(slot)}"
    else:
        message = f"Choose at least {slot.min_items} {_plural(slot)}"
    if not slot.required:
        message += ", or none"
    return SelectionProblem(slot.step, "missing", message + ".")


def selection_check(
    *,
    routine: RoutineInfo,
    products: Mapping[str, ProductInfo],
    selections: Sequence[str] = (),
    by_slot: Mapping[str, Sequence[str]] | None = None,
) -> Selection:
    """Sort a selection into the routine's slots and say everything that is wrong with it.

    Give either `selections`, a flat list of product slugs (the API's shape: each product goes
    to the slot of its step), or `by_slot`, slugs per step slug (the builder form's shape, where
    the shopper chose a product *for* a step, so a product of another step is "not a toner").
    `products` must hold every slug given that exists. Problems come in slot order, then the
    ones that belong to no slot; the selection is valid when there are none.
    """
    problems: list[SelectionProblem] = []
    chosen: dict[str, list[ProductInfo]] = {slot.step: [] for slot in routine.slots}
    seen: set[str] = set()
    pairs: Iterable[tuple[str | None, str]]
    if by_slot is None:
        pairs = ((None, slug) for slug in selections)
    else:
        pairs = ((step, slug) for step, slugs in by_slot.items() for slug in slugs)
    for asked_step, slug in pairs:
        if asked_step is not None and routine.slot(asked_step) is None:
            asked_step = None
        product = products.get(slug)
        if product is None:
            problems.append(
                SelectionProblem(asked_step, "unknown", f'No product is called "{slug[:120]}".')
            )
            continue
        slot = routine.slot(asked_step if asked_step is not None else product.step)
        if slug in seen:
            problems.append(
                SelectionProblem(
                    slot.step if slot else None, "duplicate", f"{product.name} is chosen twice."
                )
            )
            continue
        seen.add(slug)
        if slot is None:
            problems.append(
                SelectionProblem(None, "no_slot", f"{product.name} is not part of {routine.name}.")
            )
            continue
        if not product.active:
            problems.append(
                SelectionProblem(slot.step, "inactive", f"{product.name} is no longer sold.")
            )
        elif product.step != slot.step:
            problems.append(
                SelectionProblem(
                    slot.step, "wrong_step", f"{product.name} is not {_a(_label(slot))}."
                )
            )
        elif not slot.offers(product):
            problems.append(
                SelectionProblem(
                    slot.step,
                    "not_offered",
                    f"{product.name} is not one of the {_plural(slot)} in {routine.name}.",
                )
            )
        else:
            chosen[slot.step].append(product)
    for slot in routine.slots:
        problem = _count_problem(slot, len(chosen[slot.step]))
        if problem is not None:
            problems.append(problem)
    if len(problems) > 1:
        order = {slot.step: index for index, slot in enumerate(routine.slots)}
        problems.sort(key=lambda p: order.get(p.slot, len(order)) if p.slot else len(order))
    return Selection(
        routine=routine,
        chosen={step: tuple(items) for step, items in chosen.items()},
        problems=tuple(problems),
    )


# -- ingredient conflicts ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ConflictInfo:
    first: str
    first_name: str
    second: str
    second_name: str
    title: str
    explanation: str


@dataclass(frozen=True, slots=True)
class ConflictWarning:
    """Two chosen products whose ingredients should not be layered: shown, never acted on."""

    title: str
    explanation: str
    products: tuple[str, str]
    ingredients: tuple[str, str]

    @property
    def message(self) -> str:
        (a, b), (x, y) = self.products, self.ingredients
        return f"{self.title}: {a} ({x}) and {b} ({y}). {self.explanation}"


def conflict_warnings(
    *,
    products: Sequence[ProductInfo],
    ingredients: Mapping[str, Iterable[str]],
    conflicts: Sequence[ConflictInfo],
) -> list[ConflictWarning]:
    """Warnings for every pair of different chosen products that layer a conflicting pair.

    `ingredients` maps a product slug to its ingredient slugs. The selection is never changed:
    the shopper decides. One product holding both ingredients is its formula, not layering.
    """
    held = {p.slug: frozenset(ingredients.get(p.slug, ())) for p in products}
    warnings: list[ConflictWarning] = []
    for conflict in conflicts:
        for i, one in enumerate(products):
            for other in products[i + 1 :]:
                if one.slug == other.slug:
                    continue
                for a, b in ((one, other), (other, one)):
                    if conflict.first in held[a.slug] and conflict.second in held[b.slug]:
                        warnings.append(
                            ConflictWarning(
                                title=conflict.title,
                                explanation=conflict.explanation,
                                products=(a.name, b.name),
                                ingredients=(conflict.first_name, conflict.second_name),
                            )
                        )
                        break
    return warnings
