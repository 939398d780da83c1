"""What `price()` returns: frozen dataclasses, written to and read back from the Quote JSON.

`Breakdown.to_dict()` gives exactly the contract's Quote shape (money as strings with two
decimals) and `Breakdown.from_dict()` reads it back to an equal `Breakdown`, so a stored order
never needs to be priced again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shop.pricing.allocate import split_evenly
from shop.pricing.errors import PricingError
from shop.pricing.money import Money, check_currency, per_unit

__all__ = [
    "Adjustment",
    "Breakdown",
    "ComponentShare",
    "PricedLine",
    "Rejection",
]


@dataclass(frozen=True, slots=True)
class Adjustment:
    """An amount taken off (or, for `source` "shipping", waived): `source` is bundle, offer,
    promo or shipping; `rule` names the kit, tier ("<routine slug>:<min_items>"), offer (its
    id) or code."""

    source: str
    rule: str
    label: str
    amount: Money

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "rule": self.rule,
            "label": self.label,
            "amount": str(self.amount),
        }


@dataclass(frozen=True, slots=True)
class Rejection:
    """A rule that did not apply and why, in words a shopper understands."""

    source: str
    rule: str
    code: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "rule": self.rule, "code": self.code, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class ComponentShare:
    """How much of a line's total one product of the line carries.

    `quantity` is the number of units of the product in the whole line (quantity in one kit x
    the line's quantity), `allocated` their share of the line total, and `unit_allocations`
    the share of each single unit (`quantity` entries adding up to `allocated`, larger ones
    first), so a refund of one unit never recomputes. Units of one product share the same
    weight, so `unit_allocations` follows from `allocated` and `quantity` alone: that is how
    `Breakdown.from_dict` restores it. Gifts carry 0.00 and `gift=True`.
    """

    product: str
    quantity: int
    allocated: Money
    gift: bool
    unit_allocations: tuple[Money, ...]

    @classmethod
    def of(
        cls, product: str, quantity: int, allocated: Money, *, gift: bool = False
    ) -> ComponentShare:
        """The share of `quantity` units carrying `allocated`, with its unit allocations."""
        units = split_evenly(allocated.cents, quantity)
        return cls(
            product=product,
            quantity=quantity,
            allocated=allocated,
            gift=gift,
            unit_allocations=tuple(Money.from_cents(unit, allocated.currency) for unit in units),
        )

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "product": self.product,
            "quantity": self.quantity,
            "allocated": str(self.allocated),
        }
        if self.gift:
            data["gift"] = True
        return data


@dataclass(frozen=True, slots=True)
class PricedLine:
    """One priced line: `kind` is product, kit or routine and `ref` its slug.

    `subtotal` = `unit_price` x `quantity` at regular prices; `total` = `subtotal` minus the
    `adjustments`. A free gift from a promo code is a line of its own with `gift=True`, id
    "gift:<CODE>" ("gift:offer:<id>" from an automatic offer) and every amount 0.00.
    """

    id: str
    kind: str
    ref: str
    name: str
    quantity: int
    unit_price: Money
    subtotal: Money
    adjustments: tuple[Adjustment, ...]
    total: Money
    components: tuple[ComponentShare, ...]
    gift: bool

    @property
    def unit_price_after_bundle(self) -> Money:
        """What one unit of the line costs after bundle discounts and before promo codes: a
        product's price, a kit's price, a routine's price at its tier; rounded half-up."""
        bundle = sum(a.amount.cents for a in self.adjustments if a.source == "bundle")
        after_bundle = Money.from_cents(self.subtotal.cents - bundle, self.subtotal.currency)
        return per_unit(after_bundle, self.quantity)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "ref": self.ref,
            "name": self.name,
            "quantity": self.quantity,
            "unit_price": str(self.unit_price),
            "subtotal": str(self.subtotal),
            "adjustments": [adjustment.to_dict() for adjustment in self.adjustments],
            "total": str(self.total),
            "components": [component.to_dict() for component in self.components],
            "gift": self.gift,
        }


@dataclass(frozen=True, slots=True)
class Breakdown:
    """The priced cart, the contract's Quote.

    `total` = `subtotal` - `discount_total` + `shipping`; `value` = `subtotal` + the regular
    value of every gift received; `savings` = `value` - (`total` - `shipping`). `applied` holds
    the line adjustments added up per (source, rule) plus gift and shipping-waiver entries;
    `rejected` every rule that did not apply.
    """

    currency: str
    lines: tuple[PricedLine, ...]
    subtotal: Money
    discount_total: Money
    shipping: Money
    total: Money
    value: Money
    savings: Money
    applied: tuple[Adjustment, ...]
    rejected: tuple[Rejection, ...]

    def to_dict(self) -> dict[str, Any]:
        """The Quote JSON shape; money as strings with exactly two decimals."""
        return {
            "currency": self.currency,
            "lines": [line.to_dict() for line in self.lines],
            "subtotal": str(self.subtotal),
            "discount_total": str(self.discount_total),
            "shipping": str(self.shipping),
            "total": str(self.total),
            "value": str(self.value),
            "savings": str(self.savings),
            "applied": [adjustment.to_dict() for adjustment in self.applied],
            "rejected": [rejection.to_dict() for rejection in self.rejected],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Breakdown:
        """Read back what `to_dict()` wrote; raises PricingError when the shape is wrong.

        Keys it does not know are ignored. Amounts are not re-priced or re-checked against one
        another: a stored breakdown is what was charged.
        """
        reader = _Reader(_text(data, "currency", "breakdown"))
        return cls(
            currency=reader.currency,
            lines=tuple(reader.line(item) for item in _list(data, "lines", "breakdown")),
            subtotal=reader.money(data, "subtotal", "breakdown"),
            discount_total=reader.money(data, "discount_total", "breakdown"),
            shipping=reader.money(data, "shipping", "breakdown"),
            total=reader.money(data, "total", "breakdown"),
            value=reader.money(data, "value", "breakdown"),
            savings=reader.money(data, "savings", "breakdown"),
            applied=tuple(
                reader.adjustment(item, "applied") for item in _list(data, "applied", "breakdown")
            ),
            rejected=tuple(_rejection(item) for item in _list(data, "rejected", "breakdown")),
        )


# -- reading a stored breakdown ---------------------------------------------------------------


def _field(data: object, key: str, where: str) -> object:
    if not isinstance(data, Mapping):
        raise PricingError(f"{where} must be an object, not {type(data).__name__}")
    if key not in data:
        raise PricingError(f"{where} has no {key!r}")
    value: object = data[key]
    return value


def _text(data: object, key: str, where: str) -> str:
    value = _field(data, key, where)
    if not isinstance(value, str):
        raise PricingError(f"{where}.{key} must be a string")
    return value


def _integer(data: object, key: str, where: str) -> int:
    value = _field(data, key, where)
    if isinstance(value, bool) or not isinstance(value, int):
        raise PricingError(f"{where}.{key} must be an integer")
    return value


def _flag(data: object, key: str, where: str, default: bool) -> bool:
    if isinstance(data, Mapping) and key not in data:
        return default
    value = _field(data, key, where)
    if not isinstance(value, bool):
        raise PricingError(f"{where}.{key} must be true or false")
    return value


def _list(data: object, key: str, where: str) -> list[object]:
    value = _field(data, key, where)
    if not isinstance(value, list | tuple):
        raise PricingError(f"{where}.{key} must be a list")
    return list(value)


def _rejection(data: object) -> Rejection:
    return Rejection(
        source=_text(data, "source", "rejection"),
        rule=_text(data, "rule", "rejection"),
        code=_text(data, "code", "rejection"),
        reason=_text(data, "reason", "rejection"),
    )


class _Reader:
    """Reads the money of one breakdown, all in its currency."""

    def __init__(self, currency: str) -> None:
        try:
            self.currency = check_currency(currency)
        except ValueError as error:
            raise PricingError(f"breakdown.currency: {error}") from None

    def money(self, data: object, key: str, where: str) -> Money:
        text = _text(data, key, where)
        try:
            amount = Money.of(text, self.currency)
        except ValueError as error:
            raise PricingError(f"{where}.{key}: {error}") from None
        if len(text) < 4 or text[-3] != ".":
            raise PricingError(f"{where}.{key} must have exactly two decimals, not {text!r}")
        return amount

    def adjustment(self, data: object, where: str) -> Adjustment:
        return Adjustment(
            source=_text(data, "source", where),
            rule=_text(data, "rule", where),
            label=_text(data, "label", where),
            amount=self.money(data, "amount", where),
        )

    def component(self, data: object) -> ComponentShare:
        quantity = _integer(data, "quantity", "component")
        allocated = self.money(data, "allocated", "component")
        if quantity < 1 or allocated.cents < 0:
            raise PricingError("component.quantity must be >= 1 and allocated >= 0.00")
        return ComponentShare.of(
            _text(data, "product", "component"),
            quantity,
            allocated,
            gift=_flag(data, "gift", "component", False),
        )

    def line(self, data: object) -> PricedLine:
        return PricedLine(
            id=_text(data, "id", "line"),
            kind=_text(data, "kind", "line"),
            ref=_text(data, "ref", "line"),
            name=_text(data, "name", "line"),
            quantity=_integer(data, "quantity", "line"),
            unit_price=self.money(data, "unit_price", "line"),
            subtotal=self.money(data, "subtotal", "line"),
            adjustments=tuple(
                self.adjustment(item, "adjustment") for item in _list(data, "adjustments", "line")
            ),
            total=self.money(data, "total", "line"),
            components=tuple(self.component(item) for item in _list(data, "components", "line")),
            gift=_flag(data, "gift", "line", False),
        )
