"""Stock: what an order takes from the shelf, taken without ever going below zero.

Every product an order involves (kit and routine components, plain products, gifts) is counted
together per product. Concurrent orders always lock shared products in id order, so they cannot
deadlock, and take units with a conditional `UPDATE ... SET stock = stock - n WHERE stock >= n`;
that condition is the guard that holds even where rows are not locked (on SQLite FOR UPDATE
does nothing, and the IMMEDIATE transaction, settings, serialises writers instead).

- The usual order takes the same number of units of every product and gives no gift: one
  statement locks and takes, `UPDATE ... WHERE id IN (SELECT id ... ORDER BY id FOR UPDATE)
  AND stock >= n` (the sub-select locks in id order before any row is changed). In a flash sale
  every order takes the same rows, so each statement less between this one and the COMMIT is a
  round trip less that every other buyer waits for. Only when it takes fewer rows than asked is
  the shelf read, to name the product that is short.
- Otherwise the rows are locked first with one `SELECT ... ORDER BY id FOR UPDATE` (a gift takes
  what is left after the paid units, so the stock must be known), then one UPDATE per distinct n.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass

from django.db import connection
from django.db.models import F, Field

from config.errors import DomainError
from shop.catalog.models import Product
from shop.catalog.selectors import ProductInfo, product_infos
from shop.pricing import Breakdown
from shop.quoting.services import QuoteCatalog


class OutOfStock(DomainError):
    code = "out_of_stock"
    status = 409

    def __init__(self, *, product: ProductInfo, available: int, wanted: int) -> None:
        self.product = product
        self.available = max(available, 0)
        self.wanted = wanted
        if self.available == 0:
            message = f"{product.name} is out of stock."
        else:
            message = f"Only {self.available} of {product.name} left; this order needs {wanted}."
        super().__init__(
            message,
            extra={"product": product.slug, "available": self.available, "requested": wanted},
        )


@dataclass(slots=True)
class StockNeed:
    product: ProductInfo
    required: int = 0
    gifts: int = 0


def stock_needs(*, breakdown: Breakdown, catalog: QuoteCatalog) -> dict[int, StockNeed]:
    """Units per product id over the whole order: components and plain products together."""
    known: dict[str, ProductInfo] = dict(catalog.products)
    for kit in catalog.kits.values():
        for part in (*kit.components, *kit.gifts):
            known.setdefault(part.product.slug, part.product)
    slugs = {c.product for line in breakdown.lines for c in line.components}
    missing = slugs - set(known)
    if missing:  # a promo code's gift product: not among the items' products
        known.update(product_infos(slugs=missing))
    needs: dict[int, StockNeed] = {}
    for line in breakdown.lines:
        for component in line.components:
            product = known.get(component.product)
            if product is None:  # a promo gift whose product was deleted: nothing to give
                continue
            need = needs.setdefault(product.id, StockNeed(product))
            if component.gift or line.gift:
                need.gifts += component.quantity
            else:
                need.required += component.quantity
    return needs


def stock_reserve(*, needs: Mapping[int, StockNeed]) -> dict[int, int]:
    """Take the stock `needs` asks for; returns the gift units given per product id.

    Raises OutOfStock naming the first product (by id) that is short.
    """
    ids = sorted(needs)
    if not ids:
        return {}
    amounts = {need.required for need in needs.values()}
    if len(amounts) == 1 and not any(need.gifts for need in needs.values()):
        _take_alike(ids, amounts.pop(), needs)
        return {pk: 0 for pk in ids}
    locked = dict(
        Product.objects.select_for_update()
        .filter(pk__in=ids)
        .order_by("pk")
        .values_list("pk", "stock")
    )
    take: dict[int, int] = {}
    given: dict[int, int] = {}
    for pk in ids:
        need = needs[pk]
        have = locked.get(pk, 0)
        if have < need.required:
            raise OutOfStock(product=need.product, available=have, wanted=need.required)
        given[pk] = min(need.gifts, have - need.required)
        if need.required + given[pk]:
            take[pk] = need.required + given[pk]
    updated = 0
    for amount, pks in _by_amount(take).items():
        updated += Product.objects.filter(pk__in=pks, stock__gte=amount).update(
            stock=F("stock") - amount
        )
    if updated != len(take):
        # Only reachable if the rows were not locked (a database without FOR UPDATE and
        # without a serialising transaction): the guard still refuses to oversell.
        _short(take, needs)
    return given


def _take_alike(ids: list[int], amount: int, needs: Mapping[int, StockNeed]) -> None:
    """`amount` units of each of `ids` (sorted), locked in id order and taken in one statement;
    raises OutOfStock for the first product that had fewer (its row, not updated, still holds
    what was there). Written from the model's metadata: the ORM's UPDATE cannot say which rows
    it changed, and this one statement is the hot section of every flash-sale order."""
    with connection.cursor() as cursor:
        cursor.execute(_take_alike_sql(connection.vendor, len(ids)), [amount, *ids, amount])
        taken = {row[0] for row in cursor.fetchall()}
    if len(taken) != len(ids):
        _short({pk: amount for pk in ids if pk not in taken}, needs)


@functools.lru_cache(maxsize=64)
def _take_alike_sql(vendor: str, count: int) -> str:
    """The statement for `count` products on the database `vendor` (the SQL differs)."""
    table = connection.ops.quote_name(Product._meta.db_table)
    pk, stock = (_column(name) for name in ("id", "stock"))
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    ids = ", ".join(["%s"] * count)
    return (
        f"UPDATE {table} SET {stock} = {stock} - %s "  # noqa: S608 (names from the model)
        f"WHERE {pk} IN (SELECT {pk} FROM {table} WHERE {pk} IN ({ids}) ORDER BY {pk}{lock}) "
        f"AND {stock} >= %s RETURNING {pk}"
    )


def _column(name: str) -> str:
    field = Product._meta.get_field(name)
    assert isinstance(field, Field) and field.column
    return connection.ops.quote_name(field.column)


def _short(take: Mapping[int, int], needs: Mapping[int, StockNeed]) -> None:
    """Raise OutOfStock for the first product (by id) with fewer than `take` units left."""
    current = dict(Product.objects.filter(pk__in=list(take)).values_list("pk", "stock"))
    for pk in sorted(take):
        if current.get(pk, 0) < take[pk]:
            need = needs[pk]
            raise OutOfStock(product=need.product, available=current.get(pk, 0), wanted=take[pk])
    first = min(take)
    raise OutOfStock(product=needs[first].product, available=0, wanted=take[first])


def stock_return(*, units: Mapping[int, int]) -> None:
    """Put units back on the shelf (cancellation), locking rows in product-id order."""
    ids = sorted(pk for pk, n in units.items() if n > 0)
    if not ids:
        return
    list(Product.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk"))
    for amount, pks in _by_amount({pk: units[pk] for pk in ids}).items():
        Product.objects.filter(pk__in=pks).update(stock=F("stock") + amount)


def _by_amount(units: Mapping[int, int]) -> dict[int, list[int]]:
    """Product ids grouped by the units to move: an order usually moves one unit of each of its
    products, so this is one plain UPDATE; a `CASE` per product cost more to compile (about 6
    ms of CPU for the seven-piece collection) than a few UPDATEs cost to run."""
    groups: dict[int, list[int]] = {}
    for pk, n in units.items():
        groups.setdefault(n, []).append(pk)
    return groups
