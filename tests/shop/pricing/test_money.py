"""Money refuses floats and mixed currencies, holds whole cents and rounds half-up in one place."""

import copy
import pickle
from dataclasses import FrozenInstanceError
from decimal import Decimal, localcontext

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shop.pricing.money import (
    CurrencyMismatch,
    Money,
    format_money,
    format_percent,
    per_unit,
    percent_of_cents,
    round_cents,
)


def usd(amount: str) -> Money:
    return Money.of(amount, "USD")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0.125", "0.13"),
        ("2.675", "2.68"),
        ("0.005", "0.01"),
        ("0.0049", "0.00"),
        ("1.995", "2.00"),
        ("-0.125", "-0.13"),
        ("-0.004", "0.00"),
        ("10", "10.00"),
    ],
)
def test_round_cents_rounds_half_up(value: str, expected: str) -> None:
    assert str(round_cents(Decimal(value))) == expected


def test_round_cents_ignores_the_thread_decimal_context() -> None:
    with localcontext() as context:
        context.prec = 3
        context.rounding = "ROUND_DOWN"
        assert str(round_cents(Decimal("1234.565"))) == "1234.57"


def test_round_cents_refuses_floats_and_non_finite_values() -> None:
    with pytest.raises(TypeError):
        round_cents(2.675)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="cannot round"):
        round_cents(Decimal("NaN"))
    with pytest.raises(ValueError, match="cannot round"):
        round_cents(Decimal("Infinity"))


@pytest.mark.parametrize("amount", ["95.00", "95", 95, Decimal("95.0"), Decimal("95.000"), " 95 "])
def test_of_accepts_str_int_and_decimal_in_whole_cents(amount: str | int | Decimal) -> None:
    money = Money.of(amount, "USD")
    assert str(money) == "95.00"
    assert money.amount == Decimal("95.00")
    assert money.amount.as_tuple().exponent == -2
    assert money.cents == 9500
    assert money.currency == "USD"


@pytest.mark.parametrize("amount", ["95.005", Decimal("0.001"), "-1.999"])
def test_construction_refuses_fractions_of_a_cent(amount: str | Decimal) -> None:
    with pytest.raises(ValueError, match="fraction of a cent"):
        Money.of(amount, "USD")


def test_rounded_is_the_way_to_build_from_a_fraction_of_a_cent() -> None:
    assert Money.rounded("2.675", "USD") == usd("2.68")
    assert Money.rounded(Decimal("0.125"), "USD") == usd("0.13")
    assert Money.rounded(3, "USD") == usd("3.00")


@pytest.mark.parametrize(
    "build",
    [
        lambda: Money(cents=9.5, currency="USD"),  # type: ignore[arg-type]
        lambda: Money.of(0.1, "USD"),  # type: ignore[arg-type]
        lambda: Money.rounded(2.675, "USD"),  # type: ignore[arg-type]
        lambda: usd("1.00") + 1.0,  # type: ignore[operator]
        lambda: usd("1.00") - 1.0,  # type: ignore[operator]
        lambda: usd("1.00") * 1.5,  # type: ignore[operator]
        lambda: 1.5 * usd("1.00"),  # type: ignore[operator]
        lambda: usd("1.00") == 1.0,
        lambda: usd("1.00") < 2.0,  # type: ignore[operator]
        lambda: usd("1.00") >= 0.5,  # type: ignore[operator]
    ],
)
def test_floats_are_refused_everywhere(build: object) -> None:
    with pytest.raises(TypeError):
        build()  # type: ignore[operator]


@pytest.mark.parametrize(
    "build",
    [
        lambda: Money(cents=True, currency="USD"),
        lambda: Money(9500, "USD"),  # type: ignore[misc]  (cents are given by keyword only)
        lambda: Money.of(True, "USD"),
        lambda: Money.of([], "USD"),  # type: ignore[arg-type]
        lambda: usd("1.00") * True,
        lambda: usd("1.00") + 1,  # type: ignore[operator]
        lambda: 0 + usd("1.00"),  # type: ignore[operator]
        lambda: usd("1.00") < Decimal(2),  # type: ignore[operator]
        lambda: Money.from_cents(Decimal(100), "USD"),  # type: ignore[arg-type]
    ],
)
def test_other_non_money_operands_are_refused(build: object) -> None:
    with pytest.raises(TypeError):
        build()  # type: ignore[operator]


@pytest.mark.parametrize("amount", ["abc", "NaN", "Infinity", "", Decimal("sNaN")])
def test_construction_refuses_what_is_not_an_amount(amount: str | Decimal) -> None:
    with pytest.raises(ValueError, match="not an amount"):
        Money.of(amount, "USD")


@pytest.mark.parametrize("currency", ["usd", "US", "USDX", "", "U5D", "ÜSD", None])
def test_currency_is_three_upper_case_letters(currency: object) -> None:
    with pytest.raises(ValueError, match="three upper-case letters"):
        Money.of("1.00", currency)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "mix",
    [
        lambda: usd("1.00") + Money.of("1.00", "EUR"),
        lambda: usd("1.00") - Money.of("1.00", "EUR"),
        lambda: usd("1.00") < Money.of("1.00", "EUR"),
        lambda: usd("1.00") <= Money.of("1.00", "EUR"),
        lambda: usd("1.00") > Money.of("1.00", "EUR"),
        lambda: usd("1.00") >= Money.of("1.00", "EUR"),
    ],
)
def test_mixing_currencies_is_refused(mix: object) -> None:
    with pytest.raises(CurrencyMismatch, match="USD and EUR"):
        mix()  # type: ignore[operator]
    assert issubclass(CurrencyMismatch, ValueError)


def test_equal_amounts_in_different_currencies_are_not_equal() -> None:
    assert usd("1.00") != Money.of("1.00", "EUR")
    assert len({usd("1.00"), Money.of("1.00", "EUR"), usd("1")}) == 2


def test_arithmetic_and_comparisons() -> None:
    assert usd("1.10") + usd("2.25") == usd("3.35")
    assert usd("1.10") - usd("2.25") == usd("-1.15")
    assert usd("1.10") * 3 == usd("3.30")
    assert 3 * usd("1.10") == usd("3.30")
    assert usd("12.50") * Decimal("0.15") == usd("1.88")  # 1.875 rounds half-up
    assert -usd("1.10") == usd("-1.10")
    assert usd("1.00") < usd("1.01") <= usd("1.01") < usd("2.00")
    assert usd("2.00") > usd("1.99") >= usd("1.99")
    assert max(usd("1.00"), usd("3.00"), usd("2.00")) == usd("3.00")
    assert sum([usd("1.00"), usd("2.50")], Money.zero("USD")) == usd("3.50")
    assert usd("1.00") != "1.00"


def test_zero_and_formatting() -> None:
    zero = Money.zero("EUR")
    assert zero.is_zero
    assert not zero
    assert usd("0.01")
    assert not usd("0.01").is_zero
    assert str(zero) == "0.00"
    assert str(usd("1.00") - usd("1.00")) == "0.00"
    assert str(usd("-0.00")) == "0.00"
    assert str(Money.rounded("-0.001", "USD")) == "0.00"
    assert str(usd("95")) == "95.00"
    assert str(usd("1234567.5")) == "1234567.50"
    assert repr(usd("95")) == "Money('95.00', 'USD')"
    assert str(Money.from_cents(-5, "USD")) == "-0.05"


@pytest.mark.parametrize("cents", [0, 1, -1, 5, -5, 99, 100, -100, 9500, -123456, 10**15])
def test_the_text_of_money_is_its_amount_with_two_decimals(cents: int) -> None:
    money = Money.from_cents(cents, "USD")
    assert str(money) == str(Money.of(Decimal(cents).scaleb(-2), "USD"))
    assert str(money) == f"{money.amount:f}"


@pytest.mark.parametrize(
    ("money", "text"),
    [
        (Money.of("12.50", "USD"), "$12.50"),
        (Money.of("12.50", "EUR"), "€12.50"),
        (Money.of("12.50", "GBP"), "£12.50"),
        (Money.of("12.50", "CHF"), "CHF 12.50"),
        (Money.of("-3", "USD"), "-$3.00"),
    ],
)
def test_format_money_uses_the_symbol_of_common_currencies(money: Money, text: str) -> None:
    assert format_money(money) == text


def test_money_is_immutable_hashable_and_survives_pickle_and_copy() -> None:
    money = usd("95.00")
    with pytest.raises(FrozenInstanceError):
        money.amount = Decimal(1)  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        del money.currency
    with pytest.raises(AttributeError):
        money.extra = 1
    assert not hasattr(money, "__dict__")
    assert hash(money) == hash(usd("95"))
    pickled = pickle.loads(pickle.dumps(money))  # noqa: S301, RUF100  (our own bytes)
    for clone in (pickled, copy.copy(money), copy.deepcopy(money)):
        assert clone == money
        assert clone.cents == 9500
        assert str(clone) == "95.00"


def test_from_cents_and_the_cents_constructor() -> None:
    assert Money.from_cents(9500, "USD") == usd("95.00")
    assert Money(cents=1, currency="USD") == usd("0.01")
    assert Money.from_cents(-250, "USD") == usd("-2.50")
    with pytest.raises(ValueError, match="three upper-case"):
        Money.from_cents(1, "usd")
    with pytest.raises(ValueError, match="three upper-case"):
        Money(cents=1, currency="usd")


@pytest.mark.parametrize(
    ("cents", "percent", "expected"),
    [(1250, "15", 188), (18000, "10", 1800), (1, "50", 1), (3, "50", 2), (999, "0", 0)],
)
def test_percent_of_cents_rounds_half_up(cents: int, percent: str, expected: int) -> None:
    assert percent_of_cents(cents, Decimal(percent)) == expected


@settings(max_examples=1000, deadline=None)
@given(
    st.integers(-(10**12), 10**12),
    st.decimals(-1000, 1000, places=4, allow_nan=False) | st.integers(0, 100),
)
def test_percent_of_cents_rounds_as_round_cents_does(cents: int, percent: Decimal | int) -> None:
    # The exact value, in dollars, rounded by the package's reference rounding.
    with localcontext(prec=80):
        exact = Decimal(cents) * Decimal(percent) / Decimal(10000)
    expected = int(round_cents(exact).scaleb(2))
    assert percent_of_cents(cents, percent) == expected


@pytest.mark.parametrize(
    ("percent", "error"),
    [
        (1.0, TypeError),
        (1.5, TypeError),
        (True, TypeError),
        ("10", TypeError),
        (Decimal("NaN"), ValueError),
        (Decimal("Infinity"), ValueError),
    ],
)
def test_percent_of_cents_refuses_what_is_no_percentage(percent: object, error: type) -> None:
    assert percent_of_cents(100, 1) == percent_of_cents(100, Decimal(1)) == 1
    with pytest.raises(error):
        percent_of_cents(100, percent)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("percent", "text"),
    [(Decimal("10.00"), "10"), (Decimal("12.50"), "12.5"), (15, "15"), (Decimal("0"), "0")],
)
def test_format_percent_drops_trailing_zeros(percent: Decimal | int, text: str) -> None:
    assert format_percent(percent) == text


@pytest.mark.parametrize(
    ("total", "units", "each"),
    [
        ("95.00", 1, "95.00"),
        ("190.00", 2, "95.00"),
        ("10.00", 3, "3.33"),
        ("0.05", 2, "0.03"),  # 0.025 rounds half-up
        ("0.00", 4, "0.00"),
        ("-0.05", 2, "-0.03"),
    ],
)
def test_per_unit_rounds_one_unit_half_up(total: str, units: int, each: str) -> None:
    assert per_unit(usd(total), units) == usd(each)


def test_per_unit_ignores_the_thread_decimal_context() -> None:
    with localcontext() as context:
        context.prec = 2
        context.rounding = "ROUND_DOWN"
        assert per_unit(usd("1234.57"), 2) == usd("617.29")  # 617.285


@pytest.mark.parametrize("units", [0, -1, True])
def test_per_unit_refuses_what_is_no_count_of_units(units: int) -> None:
    with pytest.raises(ValueError, match="units"):
        per_unit(usd("1.00"), units)
