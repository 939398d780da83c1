"""What makes a promotion an automatic offer: the fields, their constraints and their checks.

An automatic offer is a `Promotion` with `automatic=True` and no codes: it applies by itself to
every cart that meets its conditions (`min_items` units across its eligible lines, and the
promotion's `min_subtotal`). It may also be of the kind `buy_x_get_y`: in every group of
`buy_quantity + get_quantity` eligible units, the cheapest `get_quantity` are free. Offers are
judged highest `priority` first. The fields live here, in an abstract model `Promotion`
inherits, so the promotion model stays readable.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

BUY_X_GET_Y = "buy_x_get_y"
AUTOMATIC_HAS_NO_CODES = "An automatic offer applies by itself: it has no codes."
UNITS_MAX = 1000  # buy, get and min_items: more units than any cart holds is a typo


class OfferFields(models.Model):
    """The automatic-offer fields of a promotion (see the module docstring)."""

    automatic = models.BooleanField(
        "automatic offer",
        default=False,
        help_text="Applies by itself to every cart that meets its conditions: no code to type. "
        "An automatic offer has no codes.",
    )
    min_items = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(UNITS_MAX)],
        help_text="Automatic offers: units needed across the offer's eligible lines "
        "(e.g. 3 for “any 3 products”). Empty: no minimum.",
    )
    buy_quantity = models.PositiveIntegerField(
        "buy",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(UNITS_MAX)],
        help_text="Buy X get Y: units bought in every group (the X).",
    )
    get_quantity = models.PositiveIntegerField(
        "get",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(UNITS_MAX)],
        help_text="Buy X get Y: the cheapest units of every group that are free (the Y).",
    )
    priority = models.IntegerField(
        default=0,
        validators=[MinValueValidator(-1000), MaxValueValidator(1000)],
        help_text="Automatic offers are judged highest priority first (ties: oldest first).",
    )

    class Meta:
        abstract = True

    def offer_errors(self) -> dict[str, str]:
        """Messages next to the offer fields that break the rules the constraints hold."""
        errors: dict[str, str] = {}
        kind = getattr(self, "kind", "")
        if kind == BUY_X_GET_Y:
            if not self.automatic:
                errors["automatic"] = "Buy X get Y is for automatic offers only."
            if self.buy_quantity is None or self.buy_quantity < 1:
                errors["buy_quantity"] = "Give how many units are bought: at least 1."
            if self.get_quantity is None or self.get_quantity < 1:
                errors["get_quantity"] = "Give how many units are free: at least 1."
        else:
            if self.buy_quantity is not None:
                errors["buy_quantity"] = "Only buy X get Y offers take a buy quantity."
            if self.get_quantity is not None:
                errors["get_quantity"] = "Only buy X get Y offers take a get quantity."
        if self.min_items is not None and not self.automatic:
            errors["min_items"] = "Only automatic offers take a minimum number of items."
        return errors


def offer_constraints() -> list[models.BaseConstraint]:
    """The database's half of `OfferFields.offer_errors` (the "no codes" rule is the
    services', since it spans two tables)."""
    return [
        models.CheckConstraint(
            condition=~Q(kind=BUY_X_GET_Y)
            | (
                Q(automatic=True)
                & Q(buy_quantity__isnull=False, buy_quantity__gte=1)
                & Q(get_quantity__isnull=False, get_quantity__gte=1)
            ),
            name="promotion_buy_x_get_y_quantities",
        ),
        models.CheckConstraint(
            condition=Q(kind=BUY_X_GET_Y)
            | (Q(buy_quantity__isnull=True) & Q(get_quantity__isnull=True)),
            name="promotion_buy_get_only_for_buy_x_get_y",
        ),
        models.CheckConstraint(
            condition=Q(min_items__isnull=True) | (Q(automatic=True) & Q(min_items__gte=1)),
            name="promotion_min_items_automatic",
        ),
    ]
