"""Price history: every price a product (or kit) had, from when, set by whom and from where.

Every change of `Product.price_amount` is recorded by `Product.save()`, which compares the new
price with the one stored (read under a row lock, so concurrent changes are recorded in the
order they were made). Who made it and from where comes from the surrounding context:

    from shop.catalog.price_history import price_changes_by
    with price_changes_by(source="import", user=request.user):
        product.save()

Without a context the change is recorded as source "system" with no user.

`Product.objects.update(price_amount=...)` (and `bulk_update`, `bulk_create`, raw SQL) bypasses
`save()` and so bypasses the history: no shop code may set a price that way unless it records
the same rows itself with `prices_record` (the catalog import, which writes thousands of
prices at once). A price the history does not hold cannot back a "was" price, and the
storefront would show a wrong reference.

`lowest_price_30d` is the lowest price in the 30 days before the current price took effect
(the price in effect at the window's start counts, as does every price set inside it, however
briefly), or None when there is no earlier price. History is append-only and that window lies
wholly before the change, so the figure is computed once, when the change is recorded, and kept
on its row (`lowest_30d_amount`): reading it is one indexed lookup of the latest row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import Min, OuterRef, QuerySet, Subquery
from django.utils import timezone

from shop.catalog.version import catalog_writes_begin

WINDOW = timedelta(days=30)
CENT = Decimal("0.01")


class Source(models.TextChoices):
    ADMIN = "admin", "Admin"
    API = "api", "API"
    IMPORT = "import", "Import"
    BULK = "bulk", "Bulk edit"
    DEMO = "demo", "Demo data"
    SYSTEM = "system", "System"


@dataclass(frozen=True, slots=True)
class Author:
    source: str
    user_id: int | None


_SYSTEM = Author(Source.SYSTEM, None)
_author: ContextVar[Author | None] = ContextVar("price_change_author", default=None)


@contextmanager
def price_changes_by(*, source: str, user: Any = None) -> Iterator[None]:
    """Record the price changes saved inside this block as made from `source` by `user`
    (a user who is not signed in, or None, is recorded as no one)."""
    if source not in Source.values:
        raise ValueError(f"Unknown price change source {source!r}: one of {Source.values}.")
    user_id = user.pk if user is not None and user.is_authenticated else None
    token = _author.set(Author(source, user_id))
    try:
        yield
    finally:
        _author.reset(token)


class PriceRecord(models.Model):
    """What product and kit price histories share; a subclass adds the owner's foreign key."""

    price_amount = models.DecimalField("price", max_digits=10, decimal_places=2)
    effective_at = models.DateTimeField("from")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.SYSTEM)
    lowest_30d_amount = models.DecimalField(
        "lowest price in the 30 days before",
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
    )

    class Meta:
        abstract = True
        ordering = ["effective_at", "id"]

    def __str__(self) -> str:
        return f"{self.price_amount} from {self.effective_at:%Y-%m-%d %H:%M}"


class PriceChange(PriceRecord):
    """One price a product had, from `effective_at` until the next row's (or now)."""

    product = models.ForeignKey("shop.Product", on_delete=models.CASCADE, related_name="prices")

    class Meta(PriceRecord.Meta):
        indexes = [models.Index(fields=["product", "effective_at"], name="price_change_product_at")]


def _price_of(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(CENT)


def save_recording(
    instance: models.Model,
    save: Callable[[], None],
    *,
    history: type[PriceRecord],
    owner: str,
    update_fields: Any,
) -> None:
    """Run `save` (the model's own save) and record a history row when the price changed.

    The stored price is read under a row lock in the same transaction, so two concurrent
    changes of one price are recorded one after the other, in the order they were written."""
    if update_fields is not None and "price_amount" not in update_fields:
        save()
        return
    model = type(instance)
    with transaction.atomic():
        stored = None
        if instance.pk is not None:
            catalog_writes_begin()  # before the row, as every catalog writer takes them
            locked = model._default_manager.select_for_update().filter(pk=instance.pk)
            stored = locked.values_list("price_amount", flat=True).first()
        save()
        value = instance.price_amount  # type: ignore[attr-defined]
        if hasattr(value, "resolve_expression"):  # an F() expression: read what it became
            value = model._default_manager.filter(pk=instance.pk).values_list(
                "price_amount", flat=True
            )[0]
        new = _price_of(value)
        if stored is not None and _price_of(stored) == new:
            return
        prices_record(history, owner, {instance.pk: new}, timezone.now())


def prices_record(
    history: type[PriceRecord], owner: str, prices: Mapping[int, Decimal], now: datetime
) -> None:
    """Record new prices (owner id -> price) set at `now` by whoever `price_changes_by` names,
    as `save_recording` does one at a time: for a writer that sets them in bulk, in the same
    transaction, with the owners' rows locked and each price known to differ from the stored
    one. Two queries: every 30-day low (read before the new rows exist), then the rows."""
    if not prices:
        return
    lows = lows_until(history, owner, prices, now)
    author = _author.get() or _SYSTEM
    history._default_manager.bulk_create(
        history(
            **{f"{owner}_id": pk},
            price_amount=_price_of(price),
            effective_at=now,
            changed_by_id=author.user_id,
            source=author.source,
            lowest_30d_amount=lows.get(pk),
        )
        for pk, price in prices.items()
    )


def lows_until(history: type[PriceRecord], owner: str, ids: Any, when: datetime) -> dict[int, Any]:
    """For each owner id: the lowest price it had in the 30 days up to `when`, its price at
    `when` included (the price in effect when the window opens counts). One query over the
    owners, with two subqueries each that the (owner, effective_at) index answers: the lowest
    price set inside the window, and the price in effect when it opened."""
    start = when - WINDOW
    rows = history._default_manager.filter(**{owner: OuterRef("pk")})
    inside = (
        rows.filter(effective_at__gt=start, effective_at__lte=when)
        .order_by()
        .values(owner)
        .annotate(lowest=Min("price_amount"))
        .values("lowest")
    )
    at_start = rows.filter(effective_at__lte=start).order_by("-effective_at", "-id")
    owners = history._meta.get_field(owner).related_model._default_manager  # type: ignore[union-attr]
    found = (
        owners.filter(pk__in=list(ids))
        .order_by()
        .annotate(inside=Subquery(inside), at_start=Subquery(at_start.values("price_amount")[:1]))
        .values_list("pk", "inside", "at_start")
    )
    return {
        pk: min(price for price in (low, opening) if price is not None)
        for pk, low, opening in found
        if low is not None or opening is not None
    }


def latest_lowest(history: type[PriceRecord], owner: str) -> Subquery:
    """For annotating a queryset of owners: the current price row's 30-day low (no query per
    row; the subquery uses the (owner, effective_at) index)."""
    latest = history._default_manager.filter(**{owner: OuterRef("pk")}).order_by(
        "-effective_at", "-id"
    )
    return Subquery(latest.values("lowest_30d_amount")[:1])


def lowest_price_30d(instance: models.Model, *, history: type[PriceRecord], owner: str) -> Any:
    """The instance's 30-day low: the annotation when it was loaded with one, else one query."""
    if hasattr(instance, "lowest_price_30d"):
        return instance.lowest_price_30d
    latest = history._default_manager.filter(**{owner: instance}).order_by("-effective_at", "-id")
    return latest.values_list("lowest_30d_amount", flat=True).first()


@dataclass(frozen=True, slots=True)
class Period:
    """A price, when it was in effect (`end` None: it still is), who set it and from where."""

    price: Decimal
    start: datetime
    end: datetime | None
    source: str = Source.SYSTEM
    changed_by: str | None = None  # the user's username


def periods(rows: QuerySet[Any]) -> list[Period]:
    """One owner's history as consecutive periods, oldest first. One query."""
    changes = list(
        rows.order_by("effective_at", "id").values_list(
            "price_amount", "effective_at", "source", "changed_by__username"
        )
    )
    return [
        Period(
            price, start, changes[index + 1][1] if index + 1 < len(changes) else None, source, by
        )
        for index, (price, start, source, by) in enumerate(changes)
    ]


def product_periods(product: Any) -> list[Period]:
    return periods(PriceChange.objects.filter(product=product))
