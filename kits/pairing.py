"""What goes well with a product: the other steps of each routine that offers it, and what the
product costs inside that routine, priced by the builder on an example selection (the product
with the cheapest choice of each other required step), to the cent of the routine's breakdown."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from kits import selectors
from kits.models import Routine
from kits.prices import BuilderResult, routine_build
from kits.rules import TierInfo
from shop.catalog.models import Product
from shop.catalog.selectors import ProductInfo
from shop.pricing import Money

PARTNERS_PER_STEP = 2


@dataclass(frozen=True, slots=True)
class StepPartners:
    step_name: str
    optional: bool
    products: tuple[Product, ...]


@dataclass(frozen=True, slots=True)
class Pairing:
    """A routine offering the product: its other steps' products (cheapest first), and the
    example routine (`example`, of the products in `selection`) with the product's share of it."""

    routine: Routine
    partners: tuple[StepPartners, ...]
    selection: tuple[Product, ...]
    example: BuilderResult
    regular: Money
    allocated: Money

    @property
    def saved(self) -> Money:
        return self.regular - self.allocated

    @property
    def others(self) -> tuple[Product, ...]:
        """The example routine's products besides the product itself."""
        return self.selection[1:]

    @property
    def tier(self) -> TierInfo | None:
        return self.example.tier

    @property
    def builder_query(self) -> str:
        """`?select=...` that opens the builder with the example routine chosen."""
        slugs = [p.slug for p in self.selection]
        return urlencode([("select", slug) for slug in slugs])


def _pairing(routine: Routine, product: Product) -> Pairing | None:
    eligible = selectors.routine_eligible_products(routine=routine)
    step = product.step.slug
    if product.pk not in {p.pk for p in eligible.get(step, ())}:
        return None
    info = selectors.routine_info_of(routine)
    others = [slot for slot in info.slots if slot.step != step and eligible.get(slot.step)]
    partners = tuple(
        StepPartners(
            slot.step_name, not slot.required, tuple(eligible[slot.step][:PARTNERS_PER_STEP])
        )
        for slot in others
    )
    chosen: dict[str, Sequence[Product]] = {step: [product]}
    for slot in others:
        if slot.required:
            chosen[slot.step] = eligible[slot.step][: slot.min_items]
    infos = {p.slug: ProductInfo.of(p) for items in eligible.values() for p in items}
    example = routine_build(
        routine=info,
        products=infos,
        by_slot={s: [p.slug for p in items] for s, items in chosen.items()},
        eligible={s: [ProductInfo.of(p) for p in items] for s, items in eligible.items()},
        ingredients={},
        conflicts=(),
    )
    if example.breakdown is None or not example.selection.valid:
        return None
    shares = [
        c for c in example.breakdown.lines[0].components if c.product == product.slug and not c.gift
    ]
    if not shares:
        return None
    currency = example.breakdown.currency
    return Pairing(
        routine=routine,
        partners=partners,
        selection=(
            product,
            *(p for s in info.slots if s.step != step for p in chosen.get(s.step, ())),
        ),
        example=example,
        regular=Money.of(product.price_amount * shares[0].quantity, currency),
        allocated=shares[0].allocated,
    )


def product_pairings(product: Product) -> list[Pairing]:
    """Each active routine that offers `product`, with what goes well with it there."""
    found = (_pairing(routine, product) for routine in selectors.routine_list())
    return [pairing for pairing in found if pairing is not None]
