"""The catalog the cart shows: the snapshot's data with the stock as it is now.

A cart shows each line's stock, so it cannot price from the catalog snapshot alone, whose
`stock` is not kept current (shop/quoting/snapshot.py). Loading what the items name costs four
queries with joins (`quote_catalog_load`); here it costs two: the snapshot's token, and the
stock of the products the items involve (plain products, routine selections, kit components
and gifts) by slug. Everything but stock comes from the snapshot, which is exactly as current
as loading (same token rule); the products and kits the items name get their current stock.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from typing import TypeVar

from kits.rules import KitInfo, PartInfo
from shop.catalog.models import Product
from shop.catalog.selectors import ProductInfo
from shop.quoting.services import QuoteCatalog, QuoteItem, quote_catalog_load
from shop.quoting.snapshot import catalog_snapshot_at

T = TypeVar("T")


class _Over(Mapping[str, T]):
    """The snapshot's mapping with a few entries replaced, without copying it."""

    def __init__(self, over: Mapping[str, T], base: Mapping[str, T]) -> None:
        self.over, self.base = over, base

    def __getitem__(self, key: str) -> T:
        return self.over[key] if key in self.over else self.base[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.base)  # every replaced key is one of the snapshot's

    def __len__(self) -> int:
        return len(self.base)


def quote_catalog_current(*, items: Sequence[QuoteItem]) -> QuoteCatalog:
    """What the items name, as `quote_catalog_load` gives it (stock included), in two queries
    while the snapshot is current; a load where no snapshot is kept."""
    token, snapshot = catalog_snapshot_at()
    if snapshot is None:
        return quote_catalog_load(items=items)
    slugs: set[str] = set()
    kits: dict[str, KitInfo] = {}
    for item in items:
        if item.kind == "product":
            slugs.add(item.slug)
        elif item.kind == "kit":
            kit = snapshot.kits.get(item.slug)
            if kit is not None:
                kits[kit.slug] = kit
                slugs.update(part.product.slug for part in (*kit.components, *kit.gifts))
        else:
            slugs.update(item.selections)
    stock = dict(Product.objects.filter(slug__in=slugs).order_by().values_list("slug", "stock"))
    products = {
        slug: replace(snapshot.products[slug], stock=units)
        for slug, units in stock.items()
        if slug in snapshot.products
    }

    def now(info: ProductInfo) -> ProductInfo:
        return products.get(info.slug, info)

    def parts(of: tuple[PartInfo, ...]) -> tuple[PartInfo, ...]:
        return tuple(replace(part, product=now(part.product)) for part in of)

    current = {
        slug: replace(kit, components=parts(kit.components), gifts=parts(kit.gifts))
        for slug, kit in kits.items()
    }
    return QuoteCatalog(
        products=_Over(products, snapshot.products),
        kits=_Over(current, snapshot.kits),
        routines=snapshot.routines,
        token=token,  # the automatic offers are priced as kept under it: no query more
    )
