"""The catalog quotes price from, kept in memory and exactly as current as loading it would be.

A quote needs the products, kits and routines its items name (`QuoteCatalog`). Loading them
costs four queries with joins on every quote, 5 to 10 ms more per quote than reading them from
memory (docs/BENCHMARKS.md, "Simplification"). Here the whole catalog is loaded once per
process and stamped with the catalog version token (`shop.catalog.version`) read *before*
loading. Each use reads the token again (one primary-key lookup) and reloads when it has
changed, so a price an admin saved a moment ago is in the very next quote, in every process.
Reading the token first means a write that lands during a load leaves the snapshot stamped with
the older token: the next use reloads, it never keeps newer data under a token that claims
otherwise.

Not kept current: `stock` (checkout's stock updates do not change the token). Nothing that
reads the snapshot decides on stock; checkout loads its rows itself.

A catalog above `SHOP_CATALOG_SNAPSHOT_MAX_PRODUCTS` products is not kept in memory: quotes
then load what they name. Nor is one without a token row (a flushed test database) until the
next catalog write recreates it.

The automatic offers (`shop.catalog.offers`) are kept under the same token: a load loads them
too, and a quote that read the token for the snapshot prices its offers without another query.

The interface: `catalog_snapshot()` (`catalog_snapshot_at()` with the token it read), and
`catalog_snapshot_forget()` for tests.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

from kits import selectors as kit_selectors
from kits.models import Kit, Routine
from kits.rules import KitInfo, RoutineInfo
from shop.catalog.models import Product
from shop.catalog.offers import catalog_offers
from shop.catalog.selectors import PRODUCT_INFO_FIELDS, ProductInfo
from shop.catalog.version import catalog_token


@dataclass(frozen=True, slots=True)
class CatalogSnapshot:
    """The whole catalog by slug (active or not), as of `token`."""

    token: str
    products: Mapping[str, ProductInfo]
    kits: Mapping[str, KitInfo]
    routines: Mapping[str, RoutineInfo]


_lock = threading.Lock()
# Per database name: (token, the snapshot, or None when the catalog is too large to keep).
_held: dict[str, tuple[str, CatalogSnapshot | None]] = {}


def _load(token: str) -> CatalogSnapshot | None:
    """The whole catalog (six queries); None when it has more products than the limit. The
    automatic offers are loaded under the same token (`shop.catalog.offers`: one query more)."""
    catalog_offers(token=token)
    limit = int(settings.SHOP_CATALOG_SNAPSHOT_MAX_PRODUCTS)
    rows = Product.objects.order_by().values_list(*PRODUCT_INFO_FIELDS)[: limit + 1]
    products = {row[1]: ProductInfo(*row) for row in rows}
    if len(products) > limit:
        return None
    kits = kit_selectors.kit_infos(slugs=Kit.objects.order_by().values_list("slug", flat=True))
    routines = kit_selectors.routine_infos(
        slugs=Routine.objects.order_by().values_list("slug", flat=True)
    )
    return CatalogSnapshot(
        token=token,
        products=MappingProxyType(products),
        kits=MappingProxyType(kits),
        routines=MappingProxyType(routines),
    )


def catalog_snapshot() -> CatalogSnapshot | None:
    """The current catalog, or None where it is not kept: one query (the token), plus the
    load after a change."""
    return catalog_snapshot_at()[1]


def catalog_snapshot_at() -> tuple[str | None, CatalogSnapshot | None]:
    """The token read, and the catalog as of it (see `catalog_snapshot`): a quote prices its
    automatic offers under that token without reading it again."""
    key = str(connections[DEFAULT_DB_ALIAS].settings_dict["NAME"])
    token = catalog_token()
    if token is None:
        return None, None
    held = _held.get(key)
    if held is None or held[0] != token:
        with _lock:  # one thread loads; the others wait for it rather than load the same
            held = _held.get(key)
            if held is None or held[0] != token:
                held = (token, _load(token))
                _held[key] = held
    return token, held[1]


def catalog_snapshot_forget() -> None:
    """Drop what this process holds (tests; nothing else needs it)."""
    with _lock:
        _held.clear()
