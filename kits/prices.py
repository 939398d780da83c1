"""What the storefront, API and admin show about a kit or a routine, priced by the one service.

A kit's value, savings and gift value are read from the breakdown of one kit; the routine
builder's running price, tier and "add one more" hint from breakdowns of the selection (and of
the selection plus the cheapest additions that reach the next tier). Shipping is left out: it
depends on the whole cart.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

from kits.lines import kit_line, routine_line
from kits.rules import (
    ConflictInfo,
    ConflictWarning,
    KitInfo,
    RoutineInfo,
    Selection,
    TierInfo,
    conflict_warnings,
    kit_problem,
    kit_stock,
    selection_check,
)
from shop.catalog.pricing import currency, pricing_request
from shop.catalog.selectors import ProductInfo
from shop.pricing import Breakdown, Money, OfferRule, format_money, price


@dataclass(frozen=True, slots=True)
class KitFigures:
    """`price` is what one kit costs (the kit price, or its value if that is lower)."""

    price: Money
    value: Money
    savings: Money
    gift_value: Money
    stock: int
    available: bool
    problem: str | None
    breakdown: Breakdown | None


def kit_figures(kit: KitInfo) -> KitFigures:
    """Value, savings, gift value (from pricing one kit) and stock (from its components)."""
    code = currency()
    stock = kit_stock(kit)
    problem = kit_problem(kit)
    available = problem is None and stock > 0
    if not kit.components:
        zero = Money.zero(code)
        # Nothing to price: the kit is not for sale until it has components.
        return KitFigures(zero, zero, zero, zero, 0, False, problem, None)
    line = kit_line(kit, quantity=1, id="kit", currency=code)
    breakdown = price(pricing_request(lines=[line], free_shipping=True))
    priced = breakdown.lines[0]
    return KitFigures(
        price=priced.total,
        value=priced.subtotal,
        savings=breakdown.discount_total,
        gift_value=breakdown.value - breakdown.subtotal,
        stock=stock,
        available=available,
        problem=problem,
        breakdown=breakdown,
    )


@dataclass(frozen=True, slots=True)
class InKit:
    """What a product costs inside a kit: its units' share of the kit's price (`allocated`,
    from the kit's breakdown, to the cent) against their regular price, and the kit's own
    figures (for "the collection: $95.00, you save $149.00")."""

    kit: KitInfo
    quantity: int
    regular: Money
    allocated: Money
    figures: KitFigures

    @property
    def saved(self) -> Money:
        return self.regular - self.allocated


def product_in_kits(product_slug: str, kits: Iterable[KitInfo]) -> list[InKit]:
    """Each kit that holds `product_slug` as a component, with what the product costs in it."""
    found: list[InKit] = []
    for kit in kits:
        figures = kit_figures(kit)
        if figures.breakdown is None:
            continue
        line = figures.breakdown.lines[0]
        for share in line.components:
            if share.product == product_slug and not share.gift:
                part = next(p for p in kit.components if p.product.slug == product_slug)
                regular = Money.of(part.product.price * share.quantity, figures.price.currency)
                found.append(InKit(kit, share.quantity, regular, share.allocated, figures))
    return found


# -- the routine builder -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NextTier:
    """The next discount tier and what reaching it takes, priced with the cheapest additions."""

    tier: TierInfo
    missing: int
    additions: tuple[ProductInfo, ...]
    savings: Money

    @property
    def message(self) -> str:
        count = "1 more product" if self.missing == 1 else f"{self.missing} more products"
        examples = " and ".join(
            f"{p.name} ({format_money(Money.of(p.price, self.savings.currency))})"
            for p in self.additions
        )
        return (
            f"Add {count} to reach {_percent(self.tier.percent_off)}% off and save at least "
            f"{format_money(self.savings)} on the routine (for example {examples})."
        )


@dataclass(frozen=True, slots=True)
class BuilderResult:
    selection: Selection
    breakdown: Breakdown | None
    tier: TierInfo | None
    next_tier: NextTier | None
    warnings: tuple[ConflictWarning, ...] = field(default=())

    @property
    def count(self) -> int:
        return len(self.selection.products)


def _percent(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _price_selection(
    routine: RoutineInfo,
    products: Sequence[ProductInfo],
    *,
    tiers: bool = True,
    offers: Sequence[OfferRule] = (),
) -> Breakdown:
    """The selection as one routine line; without `tiers`, at regular prices (an invalid
    selection earns no discount, so the builder must not show one); with the automatic
    `offers` it would get in a cart of its own."""
    if not tiers:
        routine = replace(routine, tiers=())
    line = routine_line(routine, products, quantity=1, id="routine", currency=currency())
    return price(pricing_request(lines=[line], free_shipping=True, offers=offers))


def _tier_from(breakdown: Breakdown, routine: RoutineInfo, *, reached: bool) -> TierInfo | None:
    """The tier the pricing service applied (or hinted at), read back from its rule name."""
    entries: Iterable[tuple[str, str]]
    if reached:
        entries = ((a.source, a.rule) for line in breakdown.lines for a in line.adjustments)
    else:
        entries = ((r.source, r.rule) for r in breakdown.rejected if r.code == "tier_not_reached")
    for source, rule in entries:
        prefix, _, minimum = rule.rpartition(":")
        if source == "bundle" and prefix == routine.slug and minimum.isdecimal():
            for tier in routine.tiers:
                if tier.min_items == int(minimum):
                    return tier
    return None


def _cheapest_additions(
    selection: Selection, eligible: Mapping[str, Sequence[ProductInfo]], missing: int
) -> tuple[ProductInfo, ...] | None:
    """The `missing` cheapest products that fit the slots' maximums, or None if none can.

    Products for steps the selection still lacks come first (the routine needs them anyway),
    then the cheapest of the rest.
    """
    chosen = {p.slug for p in selection.products}
    needed: list[ProductInfo] = []
    optional: list[ProductInfo] = []
    for slot in selection.routine.slots:
        count = len(selection.chosen.get(slot.step, ()))
        offered = sorted(
            (p for p in eligible.get(slot.step, ()) if p.slug not in chosen and slot.offers(p)),
            key=lambda p: (p.price, p.name),
        )[: max(slot.max_items - count, 0)]
        lacking = max(slot.min_items - count, 0) if slot.required else 0
        needed.extend(offered[:lacking])
        optional.extend(offered[lacking:])

    def by_price(p: ProductInfo) -> tuple[Decimal, str]:
        return (p.price, p.name)

    needed.sort(key=by_price)
    optional.sort(key=by_price)
    candidates = (needed + optional)[:missing]
    if len(candidates) < missing:
        return None
    return tuple(sorted(candidates, key=by_price))


def routine_build(
    *,
    routine: RoutineInfo,
    products: Mapping[str, ProductInfo],
    by_slot: Mapping[str, Sequence[str]],
    eligible: Mapping[str, Sequence[ProductInfo]],
    ingredients: Mapping[str, Iterable[str]],
    conflicts: Sequence[ConflictInfo],
    offers: Sequence[OfferRule] = (),
) -> BuilderResult:
    """Check the shopper's choices and price what they chose so far (with the automatic
    `offers`, `shop.catalog.offers.catalog_offers()`, whose hints the breakdown carries).

    The running price covers the products that fit their slots, even before the selection is
    complete; `selection.problems` says what is still wrong. An invalid selection is priced at
    regular prices and claims no tier (checkout would refuse it, so no discount is earned); it
    only hints at a tier when all it lacks is products (`missing`), never when something chosen
    breaks a rule (three renew products where two is the most). `eligible` is the choice per step
    slug (for the cheapest additions), `ingredients` the ingredient slugs per product slug.
    """
    selection = selection_check(routine=routine, products=products, by_slot=by_slot)
    chosen = selection.products
    warnings = tuple(
        conflict_warnings(products=chosen, ingredients=ingredients, conflicts=conflicts)
    )
    if not chosen:
        return BuilderResult(selection, None, None, _next_tier(selection, eligible, None), warnings)
    tiered = _price_selection(routine, chosen, offers=offers)
    if selection.valid:
        tier = _tier_from(tiered, routine, reached=True)
        return BuilderResult(
            selection, tiered, tier, _next_tier(selection, eligible, tiered), warnings
        )
    incomplete = all(problem.code == "missing" for problem in selection.problems)
    hint = _next_tier(selection, eligible, tiered) if incomplete else None
    regular = _price_selection(routine, chosen, tiers=False)
    return BuilderResult(selection, regular, None, hint, warnings)


def _next_tier(
    selection: Selection,
    eligible: Mapping[str, Sequence[ProductInfo]],
    breakdown: Breakdown | None,
) -> NextTier | None:
    routine = selection.routine
    chosen = selection.products
    if breakdown is None:
        upcoming = min(routine.tiers, key=lambda t: t.min_items, default=None)
    else:
        upcoming = _tier_from(breakdown, routine, reached=False)
    if upcoming is None:
        return None
    missing = upcoming.min_items - len(chosen)
    additions = _cheapest_additions(selection, eligible, missing)
    if not additions:
        return None  # the slots' maximums leave no way to reach it
    reached = _price_selection(routine, (*chosen, *additions))
    return NextTier(upcoming, missing, additions, reached.discount_total)


def routine_preview(
    *, routine: RoutineInfo, eligible: Mapping[str, Sequence[ProductInfo]]
) -> BuilderResult:
    """The builder's result for a sample selection: the first eligible products of each
    required slot (as many as its minimum), for the admin's price preview."""
    by_slot = {
        slot.step: [p.slug for p in eligible.get(slot.step, ())][: slot.min_items]
        for slot in routine.slots
        if slot.required
    }
    products = {p.slug: p for items in eligible.values() for p in items}
    return routine_build(
        routine=routine,
        products=products,
        by_slot=by_slot,
        eligible=eligible,
        ingredients={},
        conflicts=(),
    )
