"""What codes and offers share: who is in a rule's scope, and taking an amount off lines."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Protocol

from shop.pricing.allocate import largest_remainder
from shop.pricing.intake import whole_cents
from shop.pricing.money import percent_of_cents
from shop.pricing.state import Applied, LineState

__all__ = ["Scoped", "in_scope", "reduction", "take_off"]


class Scoped(Protocol):
    """A rule with a scope: a promo code or an automatic offer."""

    @property
    def products(self) -> frozenset[str]: ...
    @property
    def kits(self) -> frozenset[str]: ...
    @property
    def steps(self) -> frozenset[str]: ...


def in_scope(rule: Scoped, line: LineState, *, bundles: bool) -> bool:
    """Whether `line` is one the rule applies to; `bundles` says whether kits and routines may
    be. All three scopes empty means the whole cart."""
    unscoped = not (rule.products or rule.kits or rule.steps)
    if line.bundle:
        return bundles and (unscoped or line.ref in rule.kits)
    return unscoped or line.ref in rule.products or line.step in rule.steps


def reduction(kind: str, value: Decimal, base: int) -> int:
    """What a percent or amount rule takes off `base` cents: rounded once, capped at `base`."""
    if kind == "percent":
        return percent_of_cents(base, value)
    return min(whole_cents(value), base)


def take_off(
    lines: Sequence[LineState], cents: int, source: str, rule: str, label: str, applied: Applied
) -> None:
    """Take `cents` off `lines` in proportion to their totals (largest remainder, ties by line
    id) and record it once in `applied`."""
    shares = largest_remainder(cents, [line.total for line in lines], [line.id for line in lines])
    for line, share in zip(lines, shares, strict=True):
        line.take(source, rule, label, share)
    applied.add(source, rule, label, cents)
