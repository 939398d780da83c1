"""The working state of one `price()` call: each line in cents, and the adjustments applied."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from shop.pricing.inputs import KitLine, ProductLine, RoutineLine

__all__ = ["GIFT_LINE_PREFIX", "Applied", "Group", "LineState", "Taken"]

GIFT_LINE_PREFIX: Final = "gift:"
"""The start of the id of a gift line; request lines may not use it."""

# (product slug, ordinal, units, unit price in cents): see allocate.allocate_units.
Group = tuple[str, int, int, int]
# An adjustment in cents: (source, rule, label, cents).
Taken = tuple[str, str, str, int]


@dataclass(slots=True)
class LineState:
    """A line being priced, in cents; the later steps lower `total` through `take`.

    `parts` are the line's units grouped per product as `allocate_units` takes them, `unit`
    the regular price of one unit of the line, `gifts` (product slug, units) the gifts that come
    with a kit and `gift_value` their regular value; `step` is None for kits and routines.
    """

    source: ProductLine | KitLine | RoutineLine
    kind: str
    ref: str
    name: str
    step: str | None
    parts: tuple[Group, ...]
    unit: int
    gifts: tuple[tuple[str, int], ...] = ()
    gift_value: int = 0
    subtotal: int = field(init=False)
    total: int = field(init=False)
    adjustments: list[Taken] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.subtotal = self.total = self.unit * self.source.quantity

    @property
    def id(self) -> str:
        return self.source.id

    @property
    def quantity(self) -> int:
        return self.source.quantity

    @property
    def bundle(self) -> bool:
        """True for kits and routines."""
        return self.step is None

    def copy(self) -> LineState:
        """An independent copy, to price one way of stacking discounts without touching this."""
        twin = LineState(
            self.source,
            self.kind,
            self.ref,
            self.name,
            self.step,
            self.parts,
            self.unit,
            self.gifts,
            self.gift_value,
            adjustments=list(self.adjustments),
        )
        twin.total = self.total
        return twin

    def take(self, source: str, rule: str, label: str, cents: int) -> None:
        """Record an adjustment of `cents` (> 0) and lower the total by it."""
        if cents:
            self.adjustments.append((source, rule, label, cents))
            self.total -= cents


class Applied:
    """`Breakdown.applied` being built: amounts added up per (source, rule), first seen first."""

    def __init__(self) -> None:
        self.labels: dict[tuple[str, str], str] = {}
        self.cents: dict[tuple[str, str], int] = {}

    def copy(self) -> Applied:
        twin = Applied()
        twin.labels = dict(self.labels)
        twin.cents = dict(self.cents)
        return twin

    def add(self, source: str, rule: str, label: str, cents: int) -> None:
        key = (source, rule)
        self.labels.setdefault(key, label)
        self.cents[key] = self.cents.get(key, 0) + cents

    def taken(self) -> list[Taken]:
        """Every entry as (source, rule, label, cents), in the order first seen."""
        return [
            (source, rule, self.labels[source, rule], cents)
            for (source, rule), cents in self.cents.items()
        ]
