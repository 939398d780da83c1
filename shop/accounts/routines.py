"""Saved routines: a routine template and its chosen products, kept by an account, priced
today through the quote service and put in a cart again in one click ("reorder").

A saved routine stores the routine's slug and the product slugs, not foreign keys: a product
or routine removed or unpublished since does not take the saved routine with it; pricing it
today names the problem (the quote's `invalid_items`), and reordering is refused with it.
Imported by shop.models so Django registers the model with the shop app.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models, transaction

from config.errors import DomainError, NotFound
from shop.cart.models import Cart
from shop.cart.services import cart_create, cart_item_add
from shop.catalog.models import Product
from shop.pricing import Breakdown
from shop.quoting.services import (
    InvalidItems,
    QuoteCatalog,
    QuoteItem,
    quote_build,
    quote_catalog_load,
    quote_items_parse,
)

NAME_MAX_LENGTH = 80
MAX_SAVED_ROUTINES = 50
MAX_ID = 2**63 - 1


class SavedRoutine(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_routines"
    )
    name = models.CharField(max_length=NAME_MAX_LENGTH)
    routine = models.CharField(max_length=120, help_text="The routine template's slug.")
    selections = models.JSONField(help_text="The chosen products' slugs, in the order chosen.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "shop"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return self.name

    def quote_item(self) -> dict[str, Any]:
        return {"routine": self.routine, "selections": list(self.selections), "quantity": 1}


class SavedRoutineNotFound(NotFound):
    code = "not_found"

    def __init__(self) -> None:
        super().__init__("No such saved routine.")


class TooManySavedRoutines(DomainError):
    code = "too_many_saved_routines"
    status = 409

    def __init__(self) -> None:
        super().__init__(f"You can keep at most {MAX_SAVED_ROUTINES} routines; delete one first.")


@dataclass(frozen=True, slots=True)
class PricedRoutine:
    """A saved routine priced today: the breakdown, or the problem that stops it."""

    saved: SavedRoutine
    breakdown: Breakdown | None
    problem: str
    products: tuple[str, ...] = ()  # the selections' names (a removed product: its slug)

    def data(self) -> dict[str, Any]:
        return {
            "id": self.saved.pk,
            "name": self.saved.name,
            "routine": self.saved.routine,
            "selections": list(self.saved.selections),
            "products": list(self.products),
            "breakdown": self.breakdown.to_dict() if self.breakdown else None,
            "problem": self.problem or None,
            "created_at": self.saved.created_at,
        }


def _priced(saved: SavedRoutine, names: dict[str, str], catalog: QuoteCatalog) -> PricedRoutine:
    products = tuple(names.get(slug, slug) for slug in saved.selections)
    try:
        breakdown = quote_build(items=[saved.quote_item()], catalog=catalog)
        return PricedRoutine(saved, breakdown, "", products)
    except InvalidItems as error:
        reasons = [message for messages in error.errors.values() for message in messages]
        return PricedRoutine(saved, None, " ".join(reasons) or error.detail, products)


# -- selectors --------------------------------------------------------------------------------


def saved_routines_priced(*, user: Any) -> list[PricedRoutine]:
    """The account's saved routines, newest first, each priced today through the quote path:
    three queries however many (the routines, their products' names, the catalog snapshot's
    version, loaded once for all of them)."""
    saved = list(SavedRoutine.objects.filter(user_id=user.pk))
    if not saved:
        return []
    slugs = {slug for one in saved for slug in one.selections}
    names = dict(Product.objects.filter(slug__in=slugs).values_list("slug", "name"))
    items = [QuoteItem("routine", one.routine, 1, tuple(one.selections)) for one in saved]
    catalog = quote_catalog_load(items=items, cached=True)
    return [_priced(one, names, catalog) for one in saved]


def saved_routine_get(*, user: Any, routine_id: int) -> SavedRoutine:
    """The account's saved routine; another account's, or none, is SavedRoutineNotFound (an
    id past the column's range too, which the database would refuse)."""
    if not 0 < routine_id <= MAX_ID:
        raise SavedRoutineNotFound()
    saved = SavedRoutine.objects.filter(user_id=user.pk, pk=routine_id).first()
    if saved is None:
        raise SavedRoutineNotFound()
    return saved


# -- services ---------------------------------------------------------------------------------


def saved_routine_create(
    *, user: Any, name: str, routine: object, selections: object
) -> PricedRoutine:
    """Save a routine the quote service can price now (else its InvalidItems, nothing saved:
    the checks and codes are the quote's, whatever the JSON sent); the name defaults to the
    routine's."""
    item = {"routine": routine, "selections": selections, "quantity": 1}
    (parsed,) = quote_items_parse(items=[item])
    breakdown = quote_build(items=[item])
    with transaction.atomic():
        # Lock the account's row so two saves at once cannot pass the limit together.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        if SavedRoutine.objects.filter(user_id=user.pk).count() >= MAX_SAVED_ROUTINES:
            raise TooManySavedRoutines()
        saved = SavedRoutine.objects.create(
            user_id=user.pk,
            name=name.strip()[:NAME_MAX_LENGTH] or breakdown.lines[0].name,
            routine=parsed.slug,
            selections=list(parsed.selections),
        )
    names = dict(Product.objects.filter(slug__in=saved.selections).values_list("slug", "name"))
    return PricedRoutine(saved, breakdown, "", tuple(names.get(s, s) for s in saved.selections))


def saved_routine_delete(*, user: Any, routine_id: int) -> None:
    saved_routine_get(user=user, routine_id=routine_id).delete()


def saved_routine_cart(*, user: Any, routine_id: int, cart: Cart | None = None) -> Cart:
    """Put the saved routine in `cart` (or a new cart): all of it or, when it cannot be priced
    today (a product removed since, ...), nothing, with the quote's InvalidItems."""
    saved = saved_routine_get(user=user, routine_id=routine_id)
    with transaction.atomic():
        cart = cart or cart_create()
        cart_item_add(cart=cart, item=saved.quote_item())
    return cart
