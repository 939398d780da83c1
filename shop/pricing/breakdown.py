"""Step 5: the Breakdown, every line's total allocated to its products unit by unit."""

from __future__ import annotations

from shop.pricing.allocate import allocate_units
from shop.pricing.inputs import Item
from shop.pricing.money import Money
from shop.pricing.outputs import Adjustment, Breakdown, ComponentShare, PricedLine, Rejection
from shop.pricing.state import GIFT_LINE_PREFIX, Applied, LineState, Taken

__all__ = ["breakdown"]


def breakdown(
    currency: str,
    lines: list[LineState],
    gifts: list[tuple[str, Item]],
    shipping: int,
    applied: Applied,
    rejected: list[Rejection],
) -> Breakdown:
    """The priced cart: `lines` as priced, then a line per (code, gift item) in `gifts`."""
    priced = [_priced(line, currency) for line in lines]
    priced += [_gift_line(code, gift, currency) for code, gift in gifts]
    subtotal = sum(line.subtotal for line in lines)
    merchandise = sum(line.total for line in lines)
    value = subtotal + sum(line.gift_value for line in lines)
    value += sum(gift.price.cents for _, gift in gifts)
    return Breakdown(
        currency=currency,
        lines=tuple(priced),
        subtotal=Money.from_cents(subtotal, currency),
        discount_total=Money.from_cents(subtotal - merchandise, currency),
        shipping=Money.from_cents(shipping, currency),
        total=Money.from_cents(merchandise + shipping, currency),
        value=Money.from_cents(value, currency),
        savings=Money.from_cents(value - merchandise, currency),
        applied=tuple(_adjustment(taken, currency) for taken in applied.taken()),
        rejected=tuple(rejected),
    )


def _priced(line: LineState, currency: str) -> PricedLine:
    shares = allocate_units(line.total, line.parts)
    components = [
        ComponentShare.of(slug, units, Money.from_cents(cents, currency))
        for (slug, _, units, _), cents in zip(line.parts, shares, strict=True)
    ]
    zero = Money.zero(currency)
    components += [ComponentShare.of(slug, units, zero, gift=True) for slug, units in line.gifts]
    return PricedLine(
        id=line.id,
        kind=line.kind,
        ref=line.ref,
        name=line.name,
        quantity=line.quantity,
        unit_price=Money.from_cents(line.unit, currency),
        subtotal=Money.from_cents(line.subtotal, currency),
        adjustments=tuple(_adjustment(taken, currency) for taken in line.adjustments),
        total=Money.from_cents(line.total, currency),
        components=tuple(components),
        gift=False,
    )


def _gift_line(code: str, gift: Item, currency: str) -> PricedLine:
    zero = Money.zero(currency)
    return PricedLine(
        id=f"{GIFT_LINE_PREFIX}{code}",
        kind="product",
        ref=gift.slug,
        name=gift.name,
        quantity=1,
        unit_price=zero,
        subtotal=zero,
        adjustments=(),
        total=zero,
        components=(ComponentShare.of(gift.slug, 1, zero, gift=True),),
        gift=True,
    )


def _adjustment(taken: Taken, currency: str) -> Adjustment:
    source, rule, label, cents = taken
    return Adjustment(source, rule, label, Money.from_cents(cents, currency))
