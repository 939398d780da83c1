"""Money: an immutable amount in whole cents of one currency that refuses floats, and its rounding.

Design decisions (the brief left these open):

* Every amount held by a `Money` is a whole number of cents: `Money.from_cents(9500, "USD")`,
  or `Money(cents=9500, currency="USD")` (keywords only, so that 95 is never read as cents by
  mistake). `Money.of("95.00", "USD")` refuses an amount with a fraction of a cent (ValueError)
  instead of rounding it silently; `Money.rounded(...)` accepts one and rounds it.
* `round_cents` is the only function in the package that rounds money, half-up. What can give a
  fraction of a cent goes through it: `Money.rounded`, multiplying by a `Decimal`,
  `percent_of_cents` and `per_unit`. Multiplying by an `int` is exact. To split an amount so
  that the parts add up to the whole, use `shop.pricing.allocate.allocate`.
* Every currency has two decimals here (the shop's contract prints money with exactly two).
  A currency is three upper-case ASCII letters (ISO 4217 shape), e.g. "USD".
* `==` between amounts of different currencies is False (equality must not raise, or dicts,
  sets and dataclass comparisons would); ordering (`<`, `<=`, ...) and arithmetic across
  currencies raise `CurrencyMismatch`. A float anywhere (construction, arithmetic, `==` or
  ordering) raises TypeError: a float has already lost the cents.
* Negative amounts exist (a difference can be negative); zero is never printed as "-0.00".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from typing import Final

__all__ = [
    "CENT",
    "CurrencyMismatch",
    "Money",
    "check_currency",
    "checked_decimal",
    "format_money",
    "format_percent",
    "per_unit",
    "percent_of_cents",
    "round_cents",
]

CENT: Final = Decimal("0.01")

# A private context so that results never depend on whatever the thread's decimal context is
# (Django or a test may change it). 40 digits hold any amount a shop could ever see.
_CONTEXT: Final = Context(prec=40, rounding=ROUND_HALF_UP)
_ZERO: Final = Decimal("0.00")
_SYMBOLS: Final = {"USD": "$", "EUR": "€", "GBP": "£"}


class CurrencyMismatch(ValueError):
    """Two amounts of different currencies were combined or ordered."""


def round_cents(value: Decimal) -> Decimal:
    """Round `value` to the cent, half-up (away from zero at exactly half a cent).

    This is the only function in the package that rounds money: 0.125 -> 0.13, 2.675 -> 2.68,
    -0.125 -> -0.13. Raises TypeError for anything but a Decimal (floats above all) and
    ValueError for NaN, infinities or absurdly large values.
    """
    if not isinstance(value, Decimal):
        raise TypeError(f"round_cents() takes a Decimal, not {type(value).__name__}")
    if not value.is_finite():
        raise ValueError(f"cannot round {value} to the cent")
    try:
        rounded = value.quantize(CENT, rounding=ROUND_HALF_UP, context=_CONTEXT)
    except InvalidOperation:
        raise ValueError(f"amount {value} is too large") from None
    return rounded if rounded else _ZERO  # never "-0.00"


def check_currency(currency: object) -> str:
    """`currency` if it is three upper-case ASCII letters like "USD"; ValueError otherwise."""
    if not (
        isinstance(currency, str)
        and len(currency) == 3
        and currency.isascii()
        and currency.isalpha()
        and currency.isupper()
    ):
        raise ValueError(f"currency must be three upper-case letters like 'USD', not {currency!r}")
    return currency


def checked_decimal(value: Decimal | int, what: str) -> Decimal:
    """A finite Decimal or an int as a Decimal, refusing floats, bools and anything else
    (TypeError) and NaN or infinities (ValueError); `what` names the value in errors."""
    if isinstance(value, float):
        raise TypeError(f"{what} refuses floats: use Decimal")
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"{what} must be a Decimal, not {type(value).__name__}")
    if isinstance(value, Decimal) and not value.is_finite():
        raise ValueError(f"{what} {value} is not finite")
    return Decimal(value)


def _to_decimal(value: object) -> Decimal:
    # bool is an int subclass; True dollars is a bug, not an amount.
    if isinstance(value, float):
        raise TypeError("money refuses floats: pass a str, int or Decimal")
    if isinstance(value, bool):
        raise TypeError("money refuses bools")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f"{value!r} is not an amount") from None
    else:
        raise TypeError(f"cannot make money from {type(value).__name__}")
    if not result.is_finite():
        raise ValueError(f"{value!r} is not an amount")
    return result


def _cents_of(whole: Decimal) -> int:
    """A Decimal in whole cents (as `round_cents` returns it) as a number of cents."""
    return int(whole.scaleb(2, _CONTEXT))


def _refuse_float(value: object) -> None:
    if isinstance(value, float):
        raise TypeError("money refuses floats")


@dataclass(frozen=True, kw_only=True, eq=False)
class Money:
    """An immutable amount of money in whole cents: `Money.of("95.00", "USD")`.

    `cents` is the amount as an int, `currency` an ISO 4217 code and `amount` a Decimal with
    exactly two decimal places. See the module docstring for the rules it enforces.
    """

    # Slots written out rather than `slots=True`: on Python 3.11 that option leaves frozen
    # dataclasses raising TypeError instead of FrozenInstanceError for names that are not fields.
    __slots__ = ("cents", "currency")
    cents: int
    currency: str

    def __post_init__(self) -> None:
        if isinstance(self.cents, bool) or not isinstance(self.cents, int):
            raise TypeError(f"cents must be an int, not {type(self.cents).__name__}")
        check_currency(self.currency)

    # -- constructors -------------------------------------------------------------------------

    @classmethod
    def of(cls, amount: Decimal | int | str, currency: str) -> Money:
        """Money from a str ("95.00"), an int (95) or a Decimal; refuses fractions of a cent."""
        value = _to_decimal(amount)
        whole = round_cents(value)
        if whole != value:
            raise ValueError(
                f"{value} has a fraction of a cent; use Money.rounded() to round it half-up"
            )
        return cls(cents=_cents_of(whole), currency=currency)

    @classmethod
    def rounded(cls, amount: Decimal | int | str, currency: str) -> Money:
        """Money from any exact value, rounded half-up to the cent through `round_cents`."""
        return cls(cents=_cents_of(round_cents(_to_decimal(amount))), currency=currency)

    @classmethod
    def from_cents(cls, cents: int, currency: str) -> Money:
        """Money from a whole number of cents: `Money.from_cents(9500, "USD")` is 95.00."""
        return cls(cents=cents, currency=currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        """0.00 in `currency`."""
        return cls(cents=0, currency=currency)

    # -- reading ------------------------------------------------------------------------------

    @property
    def amount(self) -> Decimal:
        """The amount as a Decimal with exactly two decimal places."""
        return Decimal(self.cents).scaleb(-2, _CONTEXT)

    @property
    def is_zero(self) -> bool:
        """True for 0.00 (a property, so that `if m.is_zero()` fails loudly)."""
        return self.cents == 0

    def __bool__(self) -> bool:
        return self.cents != 0

    def __str__(self) -> str:
        """The amount with exactly two decimals, as the contract prints it: "95.00", "-0.05"."""
        sign = "-" if self.cents < 0 else ""
        whole, cents = divmod(abs(self.cents), 100)
        return f"{sign}{whole}.{cents:02d}"

    def __repr__(self) -> str:
        return f"Money('{self}', '{self.currency}')"

    def __hash__(self) -> int:
        return hash((self.cents, self.currency))

    def __reduce__(self) -> tuple[Callable[[int, str], Money], tuple[int, str]]:
        # Pickle and copy rebuild through the checking constructor, not by assigning slots.
        return (Money.from_cents, (self.cents, self.currency))

    # -- arithmetic ---------------------------------------------------------------------------

    def _check_same_currency(self, other: Money, operation: str) -> None:
        if other.currency != self.currency:
            raise CurrencyMismatch(
                f"cannot {operation} {self.currency} and {other.currency} amounts"
            )

    def __add__(self, other: Money) -> Money:
        if isinstance(other, Money):
            self._check_same_currency(other, "add")
            return Money(cents=self.cents + other.cents, currency=self.currency)
        _refuse_float(other)
        return NotImplemented

    def __sub__(self, other: Money) -> Money:
        if isinstance(other, Money):
            self._check_same_currency(other, "subtract")
            return Money(cents=self.cents - other.cents, currency=self.currency)
        _refuse_float(other)
        return NotImplemented

    def __mul__(self, factor: int | Decimal) -> Money:
        if isinstance(factor, float):
            raise TypeError("money refuses floats: multiply by an int or a Decimal")
        if isinstance(factor, bool):
            raise TypeError("cannot multiply money by a bool")
        if isinstance(factor, int):
            return Money(cents=self.cents * factor, currency=self.currency)
        if isinstance(factor, Decimal):
            if not factor.is_finite():
                raise ValueError(f"cannot multiply money by {factor}")
            return Money.rounded(_CONTEXT.multiply(self.amount, factor), self.currency)
        return NotImplemented

    __rmul__ = __mul__

    def __neg__(self) -> Money:
        return Money(cents=-self.cents, currency=self.currency)

    # -- comparisons --------------------------------------------------------------------------

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Money):
            return self.cents == other.cents and self.currency == other.currency
        _refuse_float(other)
        return NotImplemented

    def _comparable(self, other: object) -> bool:
        """True for Money of the same currency; False for what is not Money at all."""
        _refuse_float(other)
        if isinstance(other, Money):
            self._check_same_currency(other, "compare")
            return True
        return False

    def __lt__(self, other: Money) -> bool:
        return self.cents < other.cents if self._comparable(other) else NotImplemented

    def __le__(self, other: Money) -> bool:
        return self.cents <= other.cents if self._comparable(other) else NotImplemented

    def __gt__(self, other: Money) -> bool:
        return self.cents > other.cents if self._comparable(other) else NotImplemented

    def __ge__(self, other: Money) -> bool:
        return self.cents >= other.cents if self._comparable(other) else NotImplemented


def format_money(money: Money) -> str:
    """Money for a shopper to read: "$12.50", "€12.50", "£12.50", otherwise "CHF 12.50"."""
    sign = "-" if money.cents < 0 else ""
    digits = str(money).lstrip("-")
    symbol = _SYMBOLS.get(money.currency)
    if symbol is None:
        return f"{sign}{money.currency} {digits}"
    return f"{sign}{symbol}{digits}"


def format_percent(percent: Decimal | int) -> str:
    """A percentage for a label, without trailing zeros: "10" for Decimal("10.00"), "12.5"."""
    return f"{Decimal(percent).normalize(_CONTEXT):f}"


def percent_of_cents(cents: int, percent: Decimal | int) -> int:
    """`percent` % of an amount given in cents, rounded half-up to the cent by `round_cents`.

    `percent_of_cents(1250, Decimal("15"))` is 188 (15 % of 12.50 is 1.875, rounded to 1.88).
    The product is exact for any shop amount and percentage (40 digits between them).
    """
    rate = checked_decimal(percent, "a percentage")
    exact = _CONTEXT.multiply(Decimal(cents), rate).scaleb(-4, _CONTEXT)  # in dollars
    return _cents_of(round_cents(exact))


def per_unit(total: Money, units: int) -> Money:
    """What one of `units` equal units of `total` costs, rounded half-up by `round_cents`.

    A price to show, not a split: `units` times it need not add up to `total` (use
    `shop.pricing.allocate.allocate` for parts that must).
    """
    if isinstance(units, bool) or not isinstance(units, int) or units < 1:
        raise ValueError(f"units must be an int >= 1, not {units!r}")
    return Money.rounded(_CONTEXT.divide(total.amount, Decimal(units)), total.currency)
