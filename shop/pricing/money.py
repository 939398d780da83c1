"""Money: an immutable amount in whole cents of one currency, over Decimal, that refuses floats.

Design decisions (the brief left these open):

* Every amount held by a `Money` is a whole number of cents. `Money(...)` and `Money.of(...)`
  refuse a value with a fraction of a cent (ValueError) instead of rounding it silently;
  `Money.rounded(...)` is the one constructor that accepts one, and it rounds through
  `round_cents`. Money is rounded nowhere else but in `percent_of_cents`, which rounds the
  same way in exact integers.
* Multiplying by a `Decimal` can produce a fraction of a cent; the product is rounded half-up
  through `round_cents`. Multiplying by an `int` is exact. There is no division: split amounts
  with `shop.pricing.allocate.allocate` so the parts always add up to the whole.
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
from dataclasses import FrozenInstanceError
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Final

__all__ = [
    "CENT",
    "CurrencyMismatch",
    "Money",
    "MoneyCache",
    "cents_text",
    "exact_ratio",
    "format_money",
    "percent_of_cents",
    "round_cents",
    "shared_money_cache",
]

CENT: Final = Decimal("0.01")

# A private context so that rounding never depends on whatever the thread's decimal context is
# (Django or a test may change it). 40 digits hold any amount a shop could ever see.
_CONTEXT: Final = Context(prec=40, rounding=ROUND_HALF_UP)
_ZERO: Final = Decimal("0.00")
_SYMBOLS: Final = {"USD": "$", "EUR": "€", "GBP": "£"}
_new = object.__new__
_set = object.__setattr__


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


def _check_currency(currency: object) -> str:
    if not (
        isinstance(currency, str)
        and len(currency) == 3
        and currency.isascii()
        and currency.isalpha()
        and currency.isupper()
    ):
        raise ValueError(f"currency must be three upper-case letters like 'USD', not {currency!r}")
    return currency


_TEXTS_LIMIT = 100_000


class _CentsTexts(dict[int, str]):
    """ "95.00" by cents: a breakdown writes some fifty amounts, most of them the same few, so
    each text is made once (up to `_TEXTS_LIMIT` of them; others are made every time)."""

    __slots__ = ()

    def __missing__(self, cents: int) -> str:
        if cents < 0:
            text = f"-{-cents // 100}.{-cents % 100:02d}"
        else:
            text = f"{cents // 100}.{cents % 100:02d}"
        if len(self) < _TEXTS_LIMIT:
            self[cents] = text
        return text


_TEXTS = _CentsTexts()
cents_text: Final[Callable[[int], str]] = _TEXTS.__getitem__
"""`cents_text(9500)` is "95.00", what `str(Money)` gives: for code that writes many amounts."""


class Money:
    """An immutable amount of money in whole cents: `Money.of("95.00", "USD")`.

    `cents` is the amount as an int, `currency` an ISO 4217 code and `amount` a Decimal with
    exactly two decimal places. See the module docstring for the rules it enforces.
    """

    # Only cents and currency are stored: building a Money is the engine's most frequent
    # operation, and `amount` is cheap to derive when someone asks for it.
    __slots__ = ("cents", "currency")

    if TYPE_CHECKING:
        # At run time `cents` and `currency` are plain slots (read at C speed, and pricing reads
        # them a lot); assigning them raises through __setattr__. Type checkers see read-only
        # properties, so an assignment is caught before it runs.

        @property
        def cents(self) -> int:
            """The amount as a whole number of cents (95.00 -> 9500)."""

        @property
        def currency(self) -> str:
            """The ISO 4217 currency code."""

    def __init__(self, amount: Decimal | int | str, currency: str) -> None:
        value = _to_decimal(amount)
        checked = _check_currency(currency)
        whole = round_cents(value)
        if whole != value:
            raise ValueError(
                f"{value} has a fraction of a cent; use Money.rounded() to round it half-up"
            )
        _set(self, "cents", int(whole.scaleb(2, _CONTEXT)))
        _set(self, "currency", checked)

    # -- constructors -------------------------------------------------------------------------

    @classmethod
    def of(cls, amount: Decimal | int | str, currency: str) -> Money:
        """Money from a str ("95.00"), an int (95) or a Decimal; refuses fractions of a cent."""
        return cls(amount, currency)

    @classmethod
    def rounded(cls, amount: Decimal | int | str, currency: str) -> Money:
        """Money from any exact value, rounded half-up to the cent through `round_cents`."""
        return _make(
            int(round_cents(_to_decimal(amount)).scaleb(2, _CONTEXT)), _check_currency(currency)
        )

    @classmethod
    def from_cents(cls, cents: int, currency: str) -> Money:
        """Money from a whole number of cents: `Money.from_cents(9500, "USD")` is 95.00."""
        if isinstance(cents, bool) or not isinstance(cents, int):
            raise TypeError(f"cents must be an int, not {type(cents).__name__}")
        return _make(cents, _check_currency(currency))

    @classmethod
    def zero(cls, currency: str) -> Money:
        """0.00 in `currency`."""
        return _make(0, _check_currency(currency))

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
        return _TEXTS[self.cents]

    def __repr__(self) -> str:
        return f"Money('{self}', '{self.currency}')"

    # -- immutability, hashing, pickling ------------------------------------------------------

    def __setattr__(self, name: str, value: Any) -> None:
        raise FrozenInstanceError(f"cannot assign to {name!r}: Money is immutable")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete {name!r}: Money is immutable")

    def __hash__(self) -> int:
        return hash((self.cents, self.currency))

    def __reduce__(self) -> tuple[type[Money], tuple[Decimal, str]]:
        return (Money, (self.amount, self.currency))

    # -- arithmetic ---------------------------------------------------------------------------

    def _same(self, other: Money, operation: str) -> int:
        if other.currency != self.currency:
            raise CurrencyMismatch(
                f"cannot {operation} {self.currency} and {other.currency} amounts"
            )
        return other.cents

    def __add__(self, other: Money) -> Money:
        if isinstance(other, Money):
            return _make(self.cents + self._same(other, "add"), self.currency)
        if isinstance(other, float):
            raise TypeError("money refuses floats")
        return NotImplemented

    def __sub__(self, other: Money) -> Money:
        if isinstance(other, Money):
            return _make(self.cents - self._same(other, "subtract"), self.currency)
        if isinstance(other, float):
            raise TypeError("money refuses floats")
        return NotImplemented

    def __mul__(self, factor: int | Decimal) -> Money:
        if isinstance(factor, float):
            raise TypeError("money refuses floats: multiply by an int or a Decimal")
        if isinstance(factor, bool):
            raise TypeError("cannot multiply money by a bool")
        if isinstance(factor, int):
            return _make(self.cents * factor, self.currency)
        if isinstance(factor, Decimal):
            if not factor.is_finite():
                raise ValueError(f"cannot multiply money by {factor}")
            product = _CONTEXT.multiply(self.amount, factor)
            return _make(int(round_cents(product).scaleb(2, _CONTEXT)), self.currency)
        return NotImplemented

    __rmul__ = __mul__

    def __neg__(self) -> Money:
        return _make(-self.cents, self.currency)

    # -- comparisons --------------------------------------------------------------------------

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Money):
            return self.cents == other.cents and self.currency == other.currency
        if isinstance(other, float):
            raise TypeError("money refuses floats")
        return NotImplemented

    def _ordered(self, other: object) -> int | None:
        if isinstance(other, Money):
            return self._same(other, "compare")
        if isinstance(other, float):
            raise TypeError("money refuses floats")
        return None

    def __lt__(self, other: Money) -> bool:
        cents = self._ordered(other)
        return NotImplemented if cents is None else self.cents < cents

    def __le__(self, other: Money) -> bool:
        cents = self._ordered(other)
        return NotImplemented if cents is None else self.cents <= cents

    def __gt__(self, other: Money) -> bool:
        cents = self._ordered(other)
        return NotImplemented if cents is None else self.cents > cents

    def __ge__(self, other: Money) -> bool:
        cents = self._ordered(other)
        return NotImplemented if cents is None else self.cents >= cents


_set_cents: Callable[[Money, int], None] = Money.__dict__["cents"].__set__
_set_currency: Callable[[Money, str], None] = Money.__dict__["currency"].__set__


def _make(cents: int, currency: str) -> Money:
    # Trusted fast path: callers have already checked both arguments. The slots' own setters
    # skip Money.__setattr__ (which refuses every assignment) and the attribute-name lookup.
    money = _new(Money)
    _set_cents(money, cents)
    _set_currency(money, currency)
    return money


def format_money(money: Money) -> str:
    """Money for a shopper to read: "$12.50", "€12.50", "£12.50", otherwise "CHF 12.50"."""
    sign = "-" if money.cents < 0 else ""
    digits = str(money).lstrip("-")
    symbol = _SYMBOLS.get(money.currency)
    if symbol is None:
        return f"{sign}{money.currency} {digits}"
    return f"{sign}{symbol}{digits}"


def percent_of_cents(cents: int, percent: Decimal | int) -> int:
    """`percent` % of an amount given in cents, rounded half-up to the cent.

    `percent_of_cents(1250, Decimal("15"))` is 188 (15 % of 12.50 is 1.875, rounded to 1.88).
    It runs on every bundle and code, so it works in exact integers (the percentage as a ratio
    of two) and rounds exactly as `round_cents` would round the exact value (a test holds the
    two equal).
    """
    # Only a Decimal or an int may look its ratio up: 1.0 and True are equal keys to 1.
    kind = type(percent)
    ratio = _PERCENT_RATIOS.get(percent) if kind is Decimal or kind is int else None
    if ratio is None:
        ratio = _percent_ratio(percent)
    numerator, denominator = ratio
    exact = cents * numerator  # over denominator
    whole, rest = divmod(abs(exact), denominator)
    if 2 * rest >= denominator:  # half a cent or more: up, away from zero
        whole += 1
    return -whole if exact < 0 else whole


# Percentages as (numerator, denominator of a hundredth): a shop has a handful of them.
_PERCENT_RATIOS: dict[Decimal | int, tuple[int, int]] = {}


def exact_ratio(value: Decimal | int, what: str) -> tuple[int, int]:
    """A finite Decimal or int as (numerator, denominator), refusing floats, bools and
    anything else (TypeError) and NaN or infinities (ValueError); `what` names it in errors."""
    if isinstance(value, float):
        raise TypeError(f"{what} refuses floats: use Decimal")
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"{what} must be a Decimal, not {type(value).__name__}")
    if isinstance(value, Decimal) and not value.is_finite():
        raise ValueError(f"{what} {value} is not finite")
    return value.as_integer_ratio()


def _percent_ratio(percent: Decimal | int) -> tuple[int, int]:
    numerator, denominator = exact_ratio(percent, "a percentage")
    if len(_PERCENT_RATIOS) > 1024:
        _PERCENT_RATIOS.clear()
    ratio = _PERCENT_RATIOS[percent] = (numerator, denominator * 100)
    return ratio


class MoneyCache(dict[int, Money]):
    """Money of one currency by cents, made on first use: `cache[9500]` is 95.00.

    Money is immutable, so one object per amount can be shared; the engine builds many equal
    amounts and a dict hit costs far less than a new object. Trusted: keys must be ints. It holds
    at most `limit` amounts and starts afresh when full, so it never grows without bound.
    """

    __slots__ = ("currency", "limit")

    def __init__(self, currency: str, limit: int = 8192) -> None:
        super().__init__()
        self.currency = _check_currency(currency)
        self.limit = limit

    def __missing__(self, cents: int) -> Money:
        if len(self) >= self.limit:
            self.clear()
        money = self[cents] = _make(cents, self.currency)
        return money


_SHARED: dict[str, MoneyCache] = {}


def shared_money_cache(currency: str) -> MoneyCache:
    """The process-wide MoneyCache of `currency`.

    Shop amounts repeat (catalog prices, kit prices, their shares), so sharing one cache across
    calls saves most Money constructions. Safe across threads: dict operations are atomic, and a
    race at worst builds an equal Money twice.
    """
    cache = _SHARED.get(currency)
    if cache is None:
        cache = _SHARED.setdefault(currency, MoneyCache(currency))
    return cache
