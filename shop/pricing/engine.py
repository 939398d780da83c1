"""The pricing engine: `price(request)` applies the contract's five pricing steps, in order.

1. Regular prices: unit prices and subtotals.
2. Bundles: kits down to their price, routines by their reached tier.
3. Promo codes, one after another in the order given.
4. Shipping.
5. Allocation of every line's total to its products, unit by unit.

All arithmetic runs on integer cents; `Money` is built only for the output. Only percentages
round to the cent (`shop.pricing.money.percent_of_cents`, half-up through `round_cents`);
everything else is exact integer arithmetic or largest-remainder allocation.

Decisions where the contract and the brief are silent:

* A line's amounts never depend on the other lines' order: promo discounts are split over lines
  by largest remainder with ties broken by line id, and component shares with ties broken by
  (product slug, unit index). Output lines keep the request's order; gift lines come last, in
  the order of their codes. `applied` lists bundle entries (first seen in line order), then one
  entry per applied code in code order, then the shipping waiver; `rejected` lists routine tier
  hints in line order (an identical hint once) and then promo rejections in code order.
* A code given more than once is judged once: later occurrences (compared case-insensitively,
  spaces stripped) are ignored, since the first one already says whether it applied.
* A percent or amount code that would take off 0.00 (its eligible lines are already at 0.00, or
  the percentage of a few cents rounds to nothing) is rejected as `promo_not_applicable` rather
  than shown as applied, so checkout does not spend a use of it on nothing.
* Only an applied code can block a later one as `promo_not_combinable`; that check comes last,
  after the code's own checks passed. A second free-shipping code (both combinable) is
  `promo_not_applicable`: shipping is already free.
* `min_subtotal` is compared with the merchandise total after bundles and before every code.
* A free-shipping code that applies takes the shipping waiver (rule = the code), even when the
  cart also reaches the free-shipping threshold; its entry is listed even when the flat rate is
  0.00. The threshold waiver is listed only when it waives more than 0.00.
* An empty cart ships for 0.00: there is nothing to send. Codes on it are not applicable.
* A kit whose price is not below its regular value gets no bundle adjustment: it costs its value.
* A component's `quantity` counts its units in the whole line (per kit x line quantity).
* Routine tier labels read "Routine 10% off (3+ products)", hints "Add 1 more product to reach
  15% off"; promo labels "PORES15: 15% off", "WELCOME10: $10.00 off", "Free gift: Serum Prep".
* What the engine refuses (PricingError) is listed in `shop.pricing.intake`.
"""

from __future__ import annotations

from collections.abc import Sequence

from shop.pricing.allocate import allocate_units, largest_remainder
from shop.pricing.intake import (
    GIFT_LINE_PREFIX,
    Group,
    LineState,
    read_request,
    whole_cents,
)
from shop.pricing.money import Money, format_money, format_percent, percent_of_cents
from shop.pricing.types import (
    Adjustment,
    Breakdown,
    ComponentShare,
    Item,
    KitLine,
    PricedLine,
    PricingRequest,
    PromoRule,
    Rejection,
    RoutineLine,
    Tier,
    UnknownCode,
)

__all__ = ["price"]


def price(request: PricingRequest) -> Breakdown:
    """Price a cart: the one function that computes a price in the shop.

    Deterministic and pure: it remembers nothing between calls. Raises PricingError
    (a ValueError) for input that breaks the rules listed in `shop.pricing.intake`; promo codes
    that do not apply are never errors, they are reported in `Breakdown.rejected`.
    """
    lines = read_request(request)  # step 1
    rejected: list[Rejection] = []
    applied = _Applied()
    _apply_bundles(request, lines, applied, rejected)
    promos = _apply_promos(request, lines, applied, rejected)
    return _finish(request, lines, promos, applied, rejected)


# -- internal state -------------------------------------------------------------------------


class _Applied:
    """`Breakdown.applied` being built: amounts added up per (source, rule), first seen first."""

    def __init__(self) -> None:
        self.labels: dict[tuple[str, str], str] = {}
        self.cents: dict[tuple[str, str], int] = {}

    def add(self, source: str, rule: str, label: str, cents: int) -> None:
        key = (source, rule)
        self.labels.setdefault(key, label)
        self.cents[key] = self.cents.get(key, 0) + cents


class _PromoOutcome:
    """What step 3 leaves for the later steps."""

    def __init__(self) -> None:
        self.gift_lines: list[tuple[str, Item]] = []
        self.free_shipping_code: str | None = None


# -- step 2: bundles ------------------------------------------------------------------------


def _more_products(count: int) -> str:
    return "1 more product" if count == 1 else f"{count} more products"


def _apply_bundles(
    request: PricingRequest, lines: list[LineState], applied: _Applied, rejected: list[Rejection]
) -> None:
    for line in lines:
        source = line.source
        if isinstance(source, KitLine):
            cents = line.subtotal - source.price.cents * line.quantity
            if cents > 0:
                label = f"{source.name} price"
                line.take("bundle", source.slug, label, cents)
                applied.add("bundle", source.slug, label, cents)
        elif isinstance(source, RoutineLine) and source.tiers:
            count = len(source.selections)
            reached, upcoming = _tiers(source.tiers, count)
            if reached is not None:
                cents = percent_of_cents(line.subtotal, reached.percent_off)
                if cents:
                    rule = f"{source.slug}:{reached.min_items}"
                    percent = format_percent(reached.percent_off)
                    label = f"Routine {percent}% off ({reached.min_items}+ products)"
                    line.take("bundle", rule, label, cents)
                    applied.add("bundle", rule, label, cents)
            if upcoming is not None:
                hint = Rejection(
                    source="bundle",
                    rule=f"{source.slug}:{upcoming.min_items}",
                    code="tier_not_reached",
                    reason=f"Add {_more_products(upcoming.min_items - count)} to reach "
                    f"{format_percent(upcoming.percent_off)}% off",
                )
                if hint not in rejected:
                    rejected.append(hint)


def _tiers(tiers: Sequence[Tier], count: int) -> tuple[Tier | None, Tier | None]:
    """The highest tier reached with `count` products, and the next one up."""
    reached: Tier | None = None
    upcoming: Tier | None = None
    for tier in tiers:
        if tier.min_items <= count:
            if reached is None or tier.min_items > reached.min_items:
                reached = tier
        elif upcoming is None or tier.min_items < upcoming.min_items:
            upcoming = tier
    return reached, upcoming


# -- step 3: promo codes --------------------------------------------------------------------


def _eligible(promo: PromoRule, line: LineState, *, bundles: bool) -> bool:
    unscoped = not (promo.products or promo.kits or promo.steps)
    if line.bundle:
        return bundles and (unscoped or line.ref in promo.kits)
    return unscoped or line.ref in promo.products or line.step in promo.steps


def _apply_promos(
    request: PricingRequest, lines: list[LineState], applied: _Applied, rejected: list[Rejection]
) -> _PromoOutcome:
    """Judge and apply each code in turn (the applicator loop): each one applies or says why not."""
    outcome = _PromoOutcome()
    if not request.promos:
        return outcome
    after_bundles = sum(line.total for line in lines)
    taken: list[PromoRule] = []
    seen: set[str] = set()
    for promo in request.promos:
        key = promo.code.strip().upper()
        if key in seen:
            continue
        seen.add(key)
        if isinstance(promo, UnknownCode):
            why, reason = "promo_not_found", f"{promo.code} isn't a valid promo code."
        else:
            why, reason = _judge(promo, request, lines, after_bundles, taken)
            if not why:
                why, reason = _apply(promo, lines, applied, outcome, request.currency)
            if not why:
                taken.append(promo)
        if why:
            rejected.append(Rejection(source="promo", rule=promo.code, code=why, reason=reason))
    return outcome


def _judge(
    promo: PromoRule,
    request: PricingRequest,
    lines: list[LineState],
    after_bundles: int,
    taken: list[PromoRule],
) -> tuple[str, str]:
    """The rejection code and reason for a code, checked in the contract's order; ("", "") when
    it may apply."""
    code = promo.code
    if not promo.active:
        return "promo_not_found", f"{code} isn't a valid promo code."
    now = request.now
    if promo.starts_at is not None and now < promo.starts_at:
        return "promo_not_started", f"{code} can't be used before {promo.starts_at.date()}."
    if promo.ends_at is not None and now >= promo.ends_at:
        return "promo_expired", f"{code} has expired."
    if promo.usage_limit is not None and promo.uses >= promo.usage_limit:
        return "promo_exhausted", f"{code} has been fully redeemed."
    if promo.per_customer_limit is not None and promo.customer_uses >= promo.per_customer_limit:
        return "promo_customer_limit", f"You've already used {code} as many times as it allows."
    bundles = promo.applies_to_bundles
    if not any(_eligible(promo, line, bundles=bundles) for line in lines):
        if any(_eligible(promo, line, bundles=True) for line in lines):
            return "promo_not_applicable", f"{code} can't be used on kits or routines."
        return "promo_not_applicable", f"{code} doesn't apply to anything in your cart."
    if promo.min_subtotal is not None and promo.min_subtotal.cents > after_bundles:
        missing = Money.from_cents(promo.min_subtotal.cents - after_bundles, request.currency)
        return "promo_min_subtotal", f"Spend {format_money(missing)} more to use {code}."
    if taken and not (promo.combinable and all(other.combinable for other in taken)):
        if promo.combinable:
            blocker = next(other for other in taken if not other.combinable)
            return "promo_not_combinable", f"{code} can't be combined with {blocker.code}."
        return "promo_not_combinable", f"{code} can't be combined with other codes."
    return "", ""


def _apply(
    promo: PromoRule,
    lines: list[LineState],
    applied: _Applied,
    outcome: _PromoOutcome,
    currency: str,
) -> tuple[str, str]:
    """Apply a code that passed its checks; a rejection if it turns out to give nothing."""
    code = promo.code
    if promo.kind == "percent" or promo.kind == "amount":
        if not _discount(promo, lines, applied, currency):
            return (
                "promo_not_applicable",
                f"There is nothing left in your cart for {code} to take off.",
            )
    elif promo.kind == "free_shipping":
        if outcome.free_shipping_code is not None:
            first = outcome.free_shipping_code
            return "promo_not_applicable", f"Shipping is already free with {first}."
        outcome.free_shipping_code = code
    elif promo.gift is not None:  # a gift code; intake made sure it names its gift
        outcome.gift_lines.append((code, promo.gift))
        applied.add("promo", code, f"Free gift: {promo.gift.name}", 0)
    return "", ""


def _discount(promo: PromoRule, lines: list[LineState], applied: _Applied, currency: str) -> int:
    """Take a percent or amount code off its eligible lines; returns the cents taken."""
    eligible = [line for line in lines if _eligible(promo, line, bundles=promo.applies_to_bundles)]
    weights = [line.total for line in eligible]
    base = sum(weights)
    if promo.kind == "percent":
        cents = percent_of_cents(base, promo.value)
        label = f"{promo.code}: {format_percent(promo.value)}% off"
    else:
        value = whole_cents(promo.value)
        cents = min(value, base)
        label = f"{promo.code}: {format_money(Money.from_cents(value, currency))} off"
    if cents <= 0:
        return 0
    shares = largest_remainder(cents, weights, [line.id for line in eligible])
    for line, share in zip(eligible, shares, strict=True):
        line.take("promo", promo.code, label, share)
    applied.add("promo", promo.code, label, cents)
    return cents


# -- step 4: shipping -----------------------------------------------------------------------


def _shipping(
    request: PricingRequest, lines: list[LineState], promos: _PromoOutcome, applied: _Applied
) -> int:
    policy = request.shipping
    flat = policy.flat.cents
    if not lines:
        return 0
    code = promos.free_shipping_code
    if code is not None:
        applied.add("shipping", code, f"Free shipping ({code})", flat)
        return 0
    free_over = policy.free_over
    if free_over is not None and sum(line.total for line in lines) >= free_over.cents:
        if flat:
            label = f"Free shipping over {format_money(free_over)}"
            applied.add("shipping", "free_shipping_over", label, flat)
        return 0
    return flat


# -- step 5 and the breakdown ---------------------------------------------------------------


def _finish(
    request: PricingRequest,
    lines: list[LineState],
    promos: _PromoOutcome,
    applied: _Applied,
    rejected: list[Rejection],
) -> Breakdown:
    shipping = _shipping(request, lines, promos, applied)
    currency = request.currency
    priced = []
    subtotal = merchandise = gift_value = 0
    for line in lines:
        priced.append(_priced(line, currency))
        subtotal += line.subtotal
        merchandise += line.total
        gift_value += line.gift_value
    zero = Money.from_cents(0, currency)
    for code, gift in promos.gift_lines:
        gift_value += gift.price.cents
        priced.append(
            PricedLine(
                id=f"{GIFT_LINE_PREFIX}{code}",
                kind="product",
                ref=gift.slug,
                name=gift.name,
                quantity=1,
                unit_price=zero,
                subtotal=zero,
                adjustments=(),
                total=zero,
                components=(_gift_share(gift.slug, 1, zero),),
                gift=True,
            )
        )
    value = subtotal + gift_value
    return Breakdown(
        currency=request.currency,
        lines=tuple(priced),
        subtotal=Money.from_cents(subtotal, currency),
        discount_total=Money.from_cents(subtotal - merchandise, currency),
        shipping=Money.from_cents(shipping, currency),
        total=Money.from_cents(merchandise + shipping, currency),
        value=Money.from_cents(value, currency),
        savings=Money.from_cents(value - merchandise, currency),
        applied=tuple(
            Adjustment(
                source, rule, applied.labels[source, rule], Money.from_cents(cents, currency)
            )
            for (source, rule), cents in applied.cents.items()
        ),
        rejected=tuple(rejected),
    )


def _priced(line: LineState, currency: str) -> PricedLine:
    """The output line, its total allocated over its units (step 5)."""
    return PricedLine(
        id=line.id,
        kind=line.kind,
        ref=line.ref,
        name=line.name,
        quantity=line.quantity,
        unit_price=Money.from_cents(line.unit, currency),
        subtotal=Money.from_cents(line.subtotal, currency),
        adjustments=tuple(
            Adjustment(source, rule, label, Money.from_cents(cents, currency))
            for source, rule, label, cents in line.adjustments
        ),
        total=Money.from_cents(line.total, currency),
        components=_components(line.total, line.parts, line.gifts, currency),
        gift=False,
    )


def _components(
    total: int, parts: tuple[Group, ...], gifts: tuple[tuple[str, int], ...], currency: str
) -> tuple[ComponentShare, ...]:
    """`total` allocated over the units of `parts`, then the gifts at 0.00."""
    shares: list[ComponentShare] = []
    for (slug, _, units, _), cents in zip(parts, allocate_units(total, parts), strict=True):
        # Units of one product tie on weight: the odd cents go to the first units.
        base, extra = divmod(cents, units)
        shares.append(
            ComponentShare(
                product=slug,
                quantity=units,
                allocated=Money.from_cents(cents, currency),
                gift=False,
                unit_allocations=(Money.from_cents(base + 1, currency),) * extra
                + (Money.from_cents(base, currency),) * (units - extra),
            )
        )
    shares.extend(_gift_share(slug, units, Money.from_cents(0, currency)) for slug, units in gifts)
    return tuple(shares)


def _gift_share(slug: str, units: int, zero: Money) -> ComponentShare:
    return ComponentShare(
        product=slug, quantity=units, allocated=zero, gift=True, unit_allocations=(zero,) * units
    )
