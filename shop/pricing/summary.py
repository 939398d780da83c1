"""A Breakdown as the rows a shopper reads, and adds up: the one definition of value and savings
every page and email shows.

Rows, in order: the regular price (`subtotal`); the free gifts at 0.00, "worth" their regular
value (`value` - `subtotal`); each discount named (a kit's bundle saving, a routine tier, an
automatic offer, a promo code) as it stands in `applied`; shipping (with the waiver that made it
free); the total. The savings are the discounts plus the gifts' worth, which is the contract's
`savings` (`value` - (`total` - `shipping`)), so "You save" is the sum of figures on the screen.
"""

from __future__ import annotations

from dataclasses import dataclass

from shop.pricing.money import Money
from shop.pricing.outputs import Adjustment, Breakdown

__all__ = ["Summary", "SummaryRow", "summarize"]


@dataclass(frozen=True, slots=True)
class SummaryRow:
    """`kind` is regular, gifts, discount, shipping or total. A discount's `amount` is what it
    takes off (shown negative); gifts carry 0.00 and their regular value in `worth`; shipping's
    `note` names the waiver that made it free."""

    kind: str
    label: str
    amount: Money
    worth: Money | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class Summary:
    rows: tuple[SummaryRow, ...]
    discounts: Money
    gift_value: Money
    savings: Money
    has_lines: bool


def _discount_label(adjustment: Adjustment) -> str:
    """The name a shopper knows a discount by: "Seven-Piece Collection bundle saving", "Routine
    10% off (3+ products)", "Promo code PORES15: 15% off"."""
    if adjustment.source == "promo":
        return f"Promo code {adjustment.label}"
    if adjustment.source == "offer":  # an automatic offer: "Any 3 products: 10% off"
        return adjustment.label
    if ":" not in adjustment.rule:  # a kit's price ("<name> price")
        return f"{adjustment.label.removesuffix(' price')} bundle saving"
    return adjustment.label


def summarize(breakdown: Breakdown) -> Summary:
    """The rows of `breakdown` (see the module's docstring)."""
    currency = breakdown.currency
    zero = Money.zero(currency)
    gift_value = Money.from_cents(breakdown.value.cents - breakdown.subtotal.cents, currency)
    gifts = sum(c.quantity for line in breakdown.lines for c in line.components if c.gift)
    rows = [SummaryRow("regular", "Regular price", breakdown.subtotal)]
    if gifts:
        label = "Free gift" if gifts == 1 else f"Free gifts ({gifts})"
        rows.append(SummaryRow("gifts", label, zero, worth=gift_value))
    rows += [
        SummaryRow("discount", _discount_label(a), a.amount)
        for a in breakdown.applied
        if a.source in ("bundle", "offer", "promo") and a.amount.cents
    ]
    waivers = [a.label for a in breakdown.applied if a.source == "shipping"]
    rows.append(SummaryRow("shipping", "Shipping", breakdown.shipping, note=", ".join(waivers)))
    rows.append(SummaryRow("total", "Total", breakdown.total))
    return Summary(
        rows=tuple(rows),
        discounts=breakdown.discount_total,
        gift_value=gift_value,
        savings=breakdown.savings,
        has_lines=bool(breakdown.lines),
    )
