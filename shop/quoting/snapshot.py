"""Everything quotes price from, kept in memory and as current as loading it would be.

A quote needs the products, kits and routines its items name (`shop.quoting.QuoteCatalog`).
Loading them costs one to four queries with joins on every quote; here the whole catalog is
loaded once per process and stamped with the catalog version token read *before* loading
(`shop.catalog_version`). A use reads the token again (one primary-key lookup) and reloads when
it has changed, so a price an admin saved a moment ago is in the very next quote, in every
process. Reading the token first means a write that lands during a load leaves the snapshot
stamped with the older token: the next use reloads, it never keeps the newer data under a
token that claims otherwise.

On PostgreSQL, outside a transaction, even the token query is skipped while the catalog
listener (`shop.catalog_listener`) has heard no catalog commit since the token was read; that
module says what this costs in freshness (a commit is seen once its notification arrives).

Not kept current: `stock` (checkout's stock updates do not change the token). Nothing that
reads the snapshot decides on stock; checkout loads its rows itself.

A catalog above `SHOP_CATALOG_SNAPSHOT_MAX_PRODUCTS` products is not kept in memory: quotes
then load what they name, as before. So is a database without a token row (a flushed test
database) until the next catalog write recreates it.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

from kits import selectors as kit_selectors
from kits.models import Kit, Routine
from kits.rules import KitInfo, RoutineInfo, Selection
from shop.catalog.listener import catalog_listener
from shop.catalog.models import Product
from shop.catalog.selectors import PRODUCT_INFO_FIELDS, ProductInfo
from shop.catalog.version import catalog_token
from shop.pricing import Item, Money, Part, Tier


@dataclass(frozen=True, slots=True)
class CatalogSnapshot:
    """The whole catalog by slug (active or not), as of `token`.

    `generation`: the catalog listener's generation when the token was read, or None.
    """

    token: str
    generation: int | None
    products: Mapping[str, ProductInfo]
    kits: Mapping[str, KitInfo]
    routines: Mapping[str, RoutineInfo]
    # What quotes make from it for pricing, shared by all of them like the rest (immutable).
    made: Made = field(default_factory=lambda: Made(), compare=False)


@dataclass(frozen=True, slots=True)
class Made:
    """Pricing objects made from one snapshot: items by (currency, product slug), kit price,
    components and gifts by (currency, kit slug), routine tiers by routine slug, and checked
    routine selections by (routine slug, product slugs). See `shop.quoting.ItemMaker`."""

    items: dict[tuple[str, str], Item] = field(default_factory=dict)
    kit_pricing: dict[tuple[str, str], tuple[Money, tuple[Part, ...], tuple[Part, ...]]] = field(
        default_factory=dict
    )
    tiers: dict[str, tuple[Tier, ...]] = field(default_factory=dict)
    selections: dict[tuple[str, tuple[str, ...]], Selection] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _TooLarge:
    token: str
    generation: int | None


_lock = threading.Lock()
_held: dict[str, CatalogSnapshot | _TooLarge] = {}


def catalog_snapshot_load(*, token: str, generation: int | None = None) -> CatalogSnapshot | None:
    """Load the whole catalog (six queries); None when it has more products than the limit."""
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
        generation=generation,
        products=MappingProxyType(products),
        kits=MappingProxyType(kits),
        routines=MappingProxyType(routines),
    )


def _current(key: str, generation: int | None) -> CatalogSnapshot | _TooLarge | None:
    """What is held, when the token must be read to know whether it is current."""
    token = catalog_token()
    if token is None:
        return None
    held = _held.get(key)
    if held is not None and held.token == token:
        # Nothing committed between its load and the token read just now: it is current as of
        # `generation`, read before the token.
        if held.generation != generation:
            held = replace(held, generation=generation)
            _held[key] = held
        return held
    with _lock:  # one thread loads; the others wait for it rather than load the same
        held = _held.get(key)
        if held is None or held.token != token:
            held = catalog_snapshot_load(token=token, generation=generation) or _TooLarge(
                token, generation
            )
            _held[key] = held
    return held


def catalog_snapshot() -> CatalogSnapshot | None:
    """The current catalog, or None where it is not kept.

    Outside a transaction on PostgreSQL, no query while the catalog listener has heard no
    commit since the snapshot was read; otherwise one (the token), plus the load after a change.
    """
    db = connections[DEFAULT_DB_ALIAS]
    key = str(db.settings_dict["NAME"])
    listener = None if db.in_atomic_block else catalog_listener(db)
    generation = listener.generation() if listener is not None else None
    held = _held.get(key)
    if generation is None or held is None or held.generation != generation:
        held = _current(key, generation)
    return held if isinstance(held, CatalogSnapshot) else None


def catalog_snapshot_forget() -> None:
    """Drop what this process holds (tests; nothing else needs it)."""
    with _lock:
        _held.clear()
