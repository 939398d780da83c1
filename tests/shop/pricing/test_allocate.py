"""Largest-remainder allocation: exact sums, shares within a cent, ties broken by key."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shop.pricing.allocate import allocate, allocate_units, largest_remainder, split_evenly
from shop.pricing.money import Money


def usd(amount: str) -> Money:
    return Money.of(amount, "USD")


def texts(shares: list[Money]) -> list[str]:
    return [str(share) for share in shares]


def test_ten_dollars_over_three_equal_units() -> None:
    shares = allocate(usd("10.00"), [Decimal(1)] * 3, ["a", "b", "c"])
    assert texts(shares) == ["3.34", "3.33", "3.33"]


def test_leftover_cents_go_to_the_largest_remainders() -> None:
    # 1.00 over 1:1:1:3 is 16.67 / 16.67 / 16.67 / 50: the 0.67 remainders take the two cents.
    shares = allocate(usd("1.00"), [Decimal(1), Decimal(1), Decimal(1), Decimal(3)], [1, 2, 3, 4])
    assert texts(shares) == ["0.17", "0.17", "0.16", "0.50"]


def test_ties_break_by_key_not_position() -> None:
    forward = allocate(usd("10.00"), [Decimal(1)] * 3, ["a", "b", "c"])
    backward = allocate(usd("10.00"), [Decimal(1)] * 3, ["c", "b", "a"])
    assert texts(forward) == ["3.34", "3.33", "3.33"]
    assert texts(backward) == ["3.33", "3.33", "3.34"]  # "a" still gets the cent


def test_all_zero_weights_split_evenly() -> None:
    shares = allocate(usd("0.05"), [Decimal(0)] * 3, ["x", "y", "z"])
    assert texts(shares) == ["0.02", "0.02", "0.01"]


def test_zero_total() -> None:
    assert texts(allocate(usd("0"), [Decimal(2), Decimal(0)], ["a", "b"])) == ["0.00", "0.00"]
    assert allocate(usd("0"), [], []) == []


def test_negative_total_mirrors_the_positive_one() -> None:
    assert texts(allocate(usd("-10.00"), [Decimal(1)] * 3, "abc")) == ["-3.34", "-3.33", "-3.33"]


def test_decimal_weights_with_different_scales_compare_exactly() -> None:
    shares = allocate(usd("1.00"), [Decimal("0.1"), Decimal("0.20"), Decimal(7)], ["a", "b", "c"])
    assert sum(share.cents for share in shares) == 100
    assert texts(shares) == ["0.01", "0.03", "0.96"]


def test_result_keeps_the_currency() -> None:
    shares = allocate(Money.of("1.00", "EUR"), [Decimal(1), Decimal(1)], ["a", "b"])
    assert {share.currency for share in shares} == {"EUR"}


@pytest.mark.parametrize(
    ("weights", "keys", "error", "message"),
    [
        ([Decimal(1)], ["a", "b"], ValueError, "1 weights but 2 keys"),
        ([Decimal(1), Decimal(1)], ["a", "a"], ValueError, "unique"),
        ([Decimal(-1)], ["a"], ValueError, "negative"),
        ([Decimal("NaN")], ["a"], ValueError, "not finite"),
        ([1.0], ["a"], TypeError, "floats"),
        ([True], ["a"], TypeError, "Decimal"),
        ([], [], ValueError, "over nothing"),
    ],
)
def test_invalid_input_is_refused(
    weights: list[Decimal], keys: list[str], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        allocate(usd("1.00"), weights, keys)


def test_split_evenly_gives_the_extra_units_to_the_first_parts() -> None:
    assert split_evenly(1000, 3) == [334, 333, 333]
    assert split_evenly(0, 2) == [0, 0]
    assert split_evenly(0, 0) == []


allocations = st.tuples(
    st.integers(min_value=0, max_value=10**7),
    st.lists(
        st.decimals(min_value=0, max_value=10**5, places=2, allow_nan=False, allow_infinity=False),
        min_size=1,
        max_size=12,
    ),
)


@settings(max_examples=300, deadline=None)
@given(allocations, st.randoms(use_true_random=False))
def test_shares_add_up_and_stay_within_a_cent(
    case: tuple[int, list[Decimal]], random: object
) -> None:
    cents, weights = case
    keys = [f"k{index:02}" for index in range(len(weights))]
    shares = [share.cents for share in allocate(Money.from_cents(cents, "USD"), weights, keys)]
    assert sum(shares) == cents
    total_weight = sum(weights)
    for share, weight in zip(shares, weights, strict=True):
        exact = (
            Fraction(cents) * Fraction(weight) / Fraction(total_weight)
            if total_weight
            else Fraction(cents, len(weights))
        )
        assert abs(share - exact) < 1
        assert share >= 0
    # The same entries in another order get the same shares.
    order = list(range(len(weights)))
    random.shuffle(order)  # type: ignore[attr-defined]
    shuffled = allocate(
        Money.from_cents(cents, "USD"), [weights[i] for i in order], [keys[i] for i in order]
    )
    assert {keys[i]: s.cents for i, s in zip(order, shuffled, strict=True)} == dict(
        zip(keys, shares, strict=True)
    )


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=10**6), st.integers(min_value=1, max_value=50))
def test_split_evenly_is_largest_remainder_over_equal_units(total: int, count: int) -> None:
    assert split_evenly(total, count) == largest_remainder(total, [1] * count, list(range(count)))


groups = st.lists(
    st.tuples(
        st.sampled_from(["a", "b", "c", "d"]),
        st.integers(min_value=1, max_value=6),
        st.integers(min_value=0, max_value=5000),
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=10**6), groups)
def test_allocate_units_equals_largest_remainder_over_expanded_units(
    total: int, raw: list[tuple[str, int, int]]
) -> None:
    # Number repeated products as the engine does, then expand every group into its units
    # keyed (slug, unit index), the index running on across groups of the same product.
    seen: dict[str, int] = {}
    numbered = []
    for slug, units, weight in raw:
        numbered.append((slug, seen.get(slug, 0), units, weight))
        seen[slug] = seen.get(slug, 0) + 1
    weights: list[int] = []
    keys: list[tuple[str, int]] = []
    next_index: dict[str, int] = {}
    owner: list[int] = []
    for position, (slug, _, units, weight) in enumerate(numbered):
        for _ in range(units):
            index = next_index.get(slug, 0)
            next_index[slug] = index + 1
            weights.append(weight)
            keys.append((slug, index))
            owner.append(position)
    expanded = largest_remainder(total, weights, keys)
    per_group = [0] * len(numbered)
    for position, share in zip(owner, expanded, strict=True):
        per_group[position] += share
    assert allocate_units(total, numbered) == per_group
    # And within a group the units get what split_evenly gives: larger shares first.
    for position, (_, _, units, _) in enumerate(numbered):
        mine = [share for who, share in zip(owner, expanded, strict=True) if who == position]
        assert mine == split_evenly(per_group[position], units)
