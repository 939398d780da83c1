"""Cell readers for catalog files: each turns one cell into a value or says plainly what is wrong.

They are django-import-export widgets, so the library's row loop reports a ValueError raised here
as that row's error on that column. An empty cell reads as None: a required column refuses it,
an optional one leaves the field as it is (or at its default for a new row).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.storage import default_storage
from django.db import models
from import_export import widgets

MAX_PRICE = Decimal("99999999.99")
TRUE = {"1", "true", "yes", "y"}
FALSE = {"0", "false", "no", "n"}
DECIMAL_COMMA = re.compile(r"\d+,\d{1,2}")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


class Text(widgets.Widget):  # type: ignore[misc]
    """Text as written; `required` refuses an empty cell."""

    def __init__(self, *, required: bool = False, max_length: int | None = None) -> None:
        super().__init__()
        self.required = required
        self.max_length = max_length

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        text = _text(value)
        if text is None:
            if self.required:
                raise ValueError("is required.")
            return ""
        if self.max_length is not None and len(text) > self.max_length:
            raise ValueError(f"is {len(text)} characters long: at most {self.max_length}.")
        return text

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> Any:
        return "" if value is None else str(value)


class Price(widgets.Widget):  # type: ignore[misc]
    """A price with a dot for decimals and at most two of them. "12,50" is refused, not read:
    in a file that may also hold "1,250", a comma could mean either."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        text = _text(value)
        if text is None:
            raise ValueError("is required.")
        if "," in text:
            hint = f" ({text.replace(',', '.')})" if DECIMAL_COMMA.fullmatch(text) else ""
            raise ValueError(
                f"{text!r} has a comma: use a dot for decimals{hint} and no thousands separator."
            )
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"{text!r} is not a price: write digits like 24.00.") from None
        if not amount.is_finite():
            raise ValueError(f"{text!r} is not a price: write digits like 24.00.")
        if amount < 0:
            raise ValueError(f"{text} is negative: a price is 0 or more.")
        if amount > MAX_PRICE:
            raise ValueError(f"{text} is more than {MAX_PRICE}.")
        if amount != amount.quantize(Decimal("0.01")):
            raise ValueError(f"{text} has more than two decimals.")
        return amount.quantize(Decimal("0.01"))

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> Any:
        return "" if value is None else f"{value:.2f}"


class WholeNumber(widgets.Widget):  # type: ignore[misc]
    """A whole number from `minimum` to `maximum`."""

    def __init__(self, *, minimum: int = 0, maximum: int = 2_147_483_647) -> None:
        super().__init__()
        self.minimum = minimum
        self.maximum = maximum

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        text = _text(value)
        if text is None:
            return None
        if not re.fullmatch(r"[+-]?\d+", text):
            raise ValueError(f"{text!r} is not a whole number.")
        number = int(text)
        if not self.minimum <= number <= self.maximum:
            raise ValueError(f"{number} is not between {self.minimum} and {self.maximum}.")
        return number

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> Any:
        return "" if value is None else str(value)


class Flag(widgets.Widget):  # type: ignore[misc]
    """1/0, true/false or yes/no."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        text = _text(value)
        if text is None:
            return None
        if text.lower() in TRUE:
            return True
        if text.lower() in FALSE:
            return False
        raise ValueError(f"{text!r} is neither 1 nor 0 (yes or no).")

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> Any:
        return "1" if value else "0"


class Lookup(widgets.Widget):  # type: ignore[misc]
    """A slug (or other unique key) naming one row of `model`; the table is read once."""

    def __init__(self, model: type[models.Model], *, key: str = "slug", noun: str) -> None:
        super().__init__()
        self.model = model
        self.key = key
        self.noun = noun
        self._rows: dict[str, Any] | None = None

    def rows(self) -> dict[str, Any]:
        if self._rows is None:
            self._rows = {
                str(getattr(row, self.key)).lower(): row
                for row in self.model._default_manager.all()
            }
        return self._rows

    def find(self, text: str) -> Any:
        found = self.rows().get(text.lower())
        if found is None:
            known = ", ".join(sorted(self.rows())[:12])
            raise ValueError(f"no {self.noun} {text!r} (known: {known}).")
        return found

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        text = _text(value)
        if text is None:
            raise ValueError("is required.")
        return self.find(text)

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> Any:
        return "" if value is None else str(getattr(value, self.key))


def split_list(value: Any) -> list[str]:
    """`a; b;c` as ["a", "b", "c"]."""
    text = _text(value)
    return [part.strip() for part in text.split(";") if part.strip()] if text else []


class LookupList(Lookup):
    """`;`-separated keys, each naming a row of `model`; each key once."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        found: list[Any] = []
        for part in split_list(value):
            item = self.find(part)
            if item in found:
                raise ValueError(f"names {part!r} twice.")
            found.append(item)
        return found

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> Any:
        return ";".join(str(getattr(item, self.key)) for item in value or [])


class ImageName(Text):
    """A stored image's file name (`products/<hash>.jpg`); it must exist in storage."""

    def __init__(self) -> None:
        super().__init__(max_length=100)
        self._exists: dict[str, bool] = {}

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        name = super().clean(value, row, **kwargs)
        if name and name not in self._exists:
            self._exists[name] = default_storage.exists(name)
        if name and not self._exists[name]:
            raise ValueError(f"no image {name!r} in the shop's media: upload it first.")
        return name
