"""Largest-remainder allocation to the cent, so that the parts always add up to the whole."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Protocol, TypeVar

from shop.pricing.money import Money, checked_decimal

__all__ = [
    "SupportsLessThan",
    "allocate",
    "allocate_units",
    "largest_remainder",
    "split_evenly",
]


class SupportsLessThan(Protocol):
    """Anything `sorted()` can order: str, int, tuples of them."""

    def __lt__(self, other: Any, /) -> bool: ...


K = TypeVar("K", bound=SupportsLessThan)


def allocate(total: Money, weights: Sequence[Decimal], keys: Sequence[K]) -> list[Money]:
    """Split `total` into shares proportional to `weights`, to the cent, by largest remainder.

    Every share is first floored to the cent; the cents left over go one each to the shares with
    the largest remainders. Remainders that tie are ordered by `keys` (not by position), so the
    share of an entry depends only on its weight and key, never on the order of the input.
    Each share is within one cent of its exact proportion and the shares add up to `total`.

    * All weights zero: the total is split evenly (still by largest remainder, ties by key).
    * A total of zero gives zero shares; no weights at all is allowed only for a zero total.
    * A negative total is allocated as the negation of allocating its absolute value.

    Weights are Decimals or ints, finite and >= 0; floats raise TypeError. Keys must be unique
    and mutually comparable; `len(keys) == len(weights)`. Other violations raise ValueError.
    """
    if len(weights) != len(keys):
        raise ValueError(f"{len(weights)} weights but {len(keys)} keys")
    ordered = sorted(keys)
    for first, second in itertools.pairwise(ordered):
        if not first < second:
            raise ValueError(f"allocation keys must be unique, {first!r} appears twice")
    shares = largest_remainder(total.cents, _integer_weights(weights), keys)
    return [Money.from_cents(share, total.currency) for share in shares]


def _integer_weights(weights: Sequence[Decimal]) -> list[int]:
    # Scale every weight by one common denominator so that remainders compare exactly.
    ratios: list[tuple[int, int]] = []
    for weight in weights:
        ratio = checked_decimal(weight, "an allocation weight").as_integer_ratio()
        if ratio[0] < 0:
            raise ValueError(f"allocation weight {weight} is negative")
        ratios.append(ratio)
    denominator = math.lcm(*(d for _, d in ratios)) if ratios else 1
    return [n * (denominator // d) for n, d in ratios]


def largest_remainder(total: int, weights: Sequence[int], keys: Sequence[K]) -> list[int]:
    """`allocate` over integers: split `total` units by integer `weights` (>= 0), ties by key.

    This is the arithmetic core used by the engine on cents; it trusts its arguments (keys
    unique, weights non-negative).
    """
    count = len(weights)
    if count == 0:
        if total:
            raise ValueError("cannot allocate a non-zero total over nothing")
        return []
    if count == 1:
        return [total]
    if total < 0:
        return [-share for share in largest_remainder(-total, weights, keys)]
    weight_sum = sum(weights)
    if weight_sum == 0:
        weights, weight_sum = [1] * count, count
    shares: list[int] = []
    remainders: list[int] = []
    for weight in weights:
        share, remainder = divmod(total * weight, weight_sum)
        shares.append(share)
        remainders.append(remainder)
    left = total - sum(shares)
    if left:
        order = sorted(range(count), key=lambda i: (-remainders[i], keys[i]))
        for index in order[:left]:
            shares[index] += 1
    return shares


def split_evenly(total: int, count: int) -> list[int]:
    """Split `total` (>= 0) into `count` equal integer parts, the extra units to the first parts.

    This is exactly what largest remainder gives units of equal weight whose ties are broken by
    unit index, which is why a component's unit allocations follow from its `allocated` amount
    and its quantity alone.
    """
    if count <= 0:
        if total:
            raise ValueError("cannot split a non-zero total over no parts")
        return []
    base, extra = divmod(total, count)
    return [base + 1] * extra + [base] * (count - extra)


def allocate_units(total: int, groups: Sequence[tuple[str, int, int, int]]) -> list[int]:
    """Largest remainder over single units, weighted by unit price, added up per group.

    `groups` are (product slug, ordinal, units, unit weight): `units` identical units of one
    product, `ordinal` telling apart two groups of the same product (0, 1, ... in order). The
    result is what `largest_remainder` gives when the groups are expanded into single units
    keyed (slug, unit index) with indices running on across groups of the same slug, summed
    back per group; all-zero weights split evenly over units. Every unit of a group has the same
    weight and so the same remainder, which lets the leftover cents go group by group instead of
    sorting every unit: a 99-kit line of seven products sorts 7 entries, not 693.
    """
    if len(groups) == 1:
        return [total]
    weight_sum = 0
    for _, _, units, weight in groups:
        weight_sum += units * weight
    if weight_sum == 0:
        # No prices to weigh by: every unit weighs the same.
        groups = [(slug, ordinal, units, 1) for slug, ordinal, units, _ in groups]
        weight_sum = sum(units for _, _, units, _ in groups)
    shares: list[int] = []
    ranked: list[tuple[int, str, int, int]] = []
    for index, (slug, ordinal, units, weight) in enumerate(groups):
        share, remainder = divmod(total * weight, weight_sum)
        shares.append(share * units)
        ranked.append((-remainder, slug, ordinal, index))
    left = total - sum(shares)
    if left:
        ranked.sort()
        for _, _, _, index in ranked:
            extra = min(left, groups[index][2])
            shares[index] += extra
            left -= extra
            if not left:
                break
    return shares
