"""The quote service: parse cart items, load what they need in a fixed number of queries, price.

Fetch, then calculate: `quote_catalog_load` reads products, kits and routines as plain data
(from the catalog snapshot, `shop.quoting.snapshot`, at one query while the catalog is
unchanged; or loaded in at most 1 + 1 + 2 queries, whatever the number of lines, components or
slots), the checks and `quote_lines_build` run over that data, and `shop.pricing.price` does
every sum. Checkout reuses `quote_prepare`, which returns the loaded data alongside the pricing
request.

Promo codes are not looked up here: the caller passes their rules (`promos`), looked up through
`promotions.codes`, which sits above this package.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from config.errors import DomainError
from kits import selectors as kit_selectors
from kits.lines import kit_line, routine_line
from kits.rules import KitInfo, RoutineInfo, Selection, kit_problem, selection_check
from shop.catalog.offers import TOKEN_UNREAD, catalog_offers
from shop.catalog.pricing import Line, currency, pricing_request, product_line
from shop.catalog.selectors import ProductInfo, product_infos
from shop.pricing import (
    MAX_QUANTITY,
    Breakdown,
    OfferRule,
    PricingError,
    PricingRequest,
    PromoRule,
    UnknownCode,
    price,
)
from shop.quoting.snapshot import catalog_snapshot_at

logger = logging.getLogger(__name__)

MAX_LINES = 200
MAX_SELECTIONS = 50
MAX_SLUG_LENGTH = 120
KINDS = ("product", "kit", "routine")
_FIELDS = {
    "product": frozenset({"product", "quantity"}),
    "kit": frozenset({"kit", "quantity"}),
    "routine": frozenset({"routine", "quantity", "selections"}),
}


class InvalidItems(DomainError):
    """Quote items that cannot be priced: 400 `invalid_items`; `errors` maps
    "items.<i>.<field>" to messages, and the detail names each item by its label."""

    code = "invalid_items"
    status = 400
    errors: dict[str, list[str]]

    def __init__(
        self, errors: Mapping[str, list[str]], labels: Mapping[str, str] | None = None
    ) -> None:
        labels = labels or {}
        parts = []
        for key, messages in errors.items():
            where = labels.get(".".join(key.split(".")[:2]), key)
            parts.append(f"{where}: {' '.join(messages)}")
        super().__init__(
            "; ".join(parts) if parts else "The items are not valid.", errors=dict(errors)
        )


@dataclass(frozen=True, slots=True)
class QuoteItem:
    """One parsed cart item. `id` becomes the pricing line id (default: its index)."""

    kind: str
    slug: str
    quantity: int
    selections: tuple[str, ...] = ()
    id: str = ""


@dataclass(frozen=True, slots=True)
class QuoteCatalog:
    """Everything the items refer to, as plain data, keyed by slug (missing = unknown)."""

    products: Mapping[str, ProductInfo]
    kits: Mapping[str, KitInfo]
    routines: Mapping[str, RoutineInfo]
    # The catalog token this catalog was read under (`cached` loads; None: no token row):
    # `quote_prepare` takes the automatic offers kept under it without reading it again.
    token: str | None = TOKEN_UNREAD


@dataclass(frozen=True, slots=True)
class PreparedQuote:
    """A quote ready to price, with the data it was built from (checkout reserves stock with it).

    `selections` holds each routine item's sorted selection, by item index.
    """

    items: tuple[QuoteItem, ...]
    catalog: QuoteCatalog
    selections: Mapping[int, Selection]
    request: PricingRequest


# -- parsing ---------------------------------------------------------------------------------


def _label(index: int, item: object) -> str:
    if isinstance(item, dict):
        for kind in KINDS:
            if isinstance(item.get(kind), str):
                return f'items.{index} ({kind} "{item[kind][:MAX_SLUG_LENGTH]}")'
    return f"items.{index}"


def _shown(value: object) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 24 else text[:21] + "..."


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _parse_item(index: int, raw: object, errors: dict[str, list[str]]) -> QuoteItem | None:
    if not isinstance(raw, dict):
        errors[f"items.{index}"] = ["Each item must be an object naming a product, kit or routine."]
        return None
    kinds = [kind for kind in KINDS if kind in raw]
    if len(kinds) != 1:
        errors[f"items.{index}"] = ['Name exactly one of "product", "kit" or "routine".']
        return None
    kind = kinds[0]
    ok = True
    allowed = _FIELDS[kind]
    if not raw.keys() <= allowed:
        for key in raw:
            if key not in allowed:
                errors[f"items.{index}.{str(key)[:40]}"] = (
                    ["Only routines take selections."]
                    if key == "selections"
                    else ["Unknown field."]
                )
                ok = False
    slug = raw[kind]
    if not isinstance(slug, str) or len(slug) > MAX_SLUG_LENGTH or not slug.strip():
        errors[f"items.{index}.{kind}"] = [
            f"Give the {kind}'s slug as text (at most {MAX_SLUG_LENGTH} characters)."
        ]
        ok = False
    quantity = raw.get("quantity", 1)
    if not _is_count(quantity) or not 1 <= quantity <= MAX_QUANTITY:
        errors[f"items.{index}.quantity"] = [
            f"Quantity must be a whole number from 1 to {MAX_QUANTITY}, not {_shown(quantity)}."
        ]
        ok = False
    selections: tuple[str, ...] = ()
    if kind == "routine":
        raw_selections = raw.get("selections")
        if (
            not isinstance(raw_selections, list)
            or not raw_selections
            or not all(isinstance(s, str) and 0 < len(s) <= MAX_SLUG_LENGTH for s in raw_selections)
        ):
            errors[f"items.{index}.selections"] = [
                "Choose the routine's products: a non-empty list of product slugs."
            ]
            ok = False
        elif len(raw_selections) > MAX_SELECTIONS:
            errors[f"items.{index}.selections"] = [f"Choose at most {MAX_SELECTIONS} products."]
            ok = False
        else:
            selections = tuple(raw_selections)
    if not ok:
        return None
    assert isinstance(slug, str) and isinstance(quantity, int)
    return QuoteItem(kind, slug.strip(), quantity, selections, str(index))


def quote_items_parse(*, items: object) -> list[QuoteItem]:
    """Check the shape of the `items` of a quote; raises InvalidItems naming every bad one."""
    if not isinstance(items, list):
        raise InvalidItems({"items": ["Send items as a list of objects."]})
    if not items:
        raise InvalidItems({"items": ["Add at least one item."]})
    if len(items) > MAX_LINES:
        raise InvalidItems({"items": [f"A quote holds at most {MAX_LINES} items."]})
    errors: dict[str, list[str]] = {}
    parsed = [_parse_item(index, raw, errors) for index, raw in enumerate(items)]
    if errors:
        raise InvalidItems(errors, {f"items.{i}": _label(i, raw) for i, raw in enumerate(items)})
    return [item for item in parsed if item is not None]


# -- loading ---------------------------------------------------------------------------------


def quote_catalog_snapshot() -> QuoteCatalog | None:
    """The whole catalog from the snapshot (one query, the token, while it has not changed),
    or None where no snapshot is kept. A quote with a code reads it first and looks the code
    up under its token (`promotions.codes`), so the token is read once for both."""
    token, snapshot = catalog_snapshot_at()
    if token is None or snapshot is None:
        return None
    return QuoteCatalog(snapshot.products, snapshot.kits, snapshot.routines, token)


def quote_catalog_load(*, items: Sequence[QuoteItem], cached: bool = False) -> QuoteCatalog:
    """Everything the items name, loaded in a fixed number of queries (at most four).

    `cached=True` takes it from the catalog snapshot instead (one query while the catalog has
    not changed): the same data except `stock`, which only a load gives current, so only what
    does not show or decide on stock may ask for it.
    """
    token: str | None = TOKEN_UNREAD
    if cached:
        token, snapshot = catalog_snapshot_at()
        if snapshot is not None:
            return QuoteCatalog(snapshot.products, snapshot.kits, snapshot.routines, token)
    product_slugs: set[str] = set()
    kit_slugs: set[str] = set()
    routine_slugs: set[str] = set()
    for item in items:
        if item.kind == "product":
            product_slugs.add(item.slug)
        elif item.kind == "kit":
            kit_slugs.add(item.slug)
        else:
            routine_slugs.add(item.slug)
            product_slugs.update(item.selections)
    return QuoteCatalog(
        products=product_infos(slugs=product_slugs),
        kits=kit_selectors.kit_infos(slugs=kit_slugs),
        routines=kit_selectors.routine_infos(slugs=routine_slugs),
        token=token,
    )


# -- building pricing lines ------------------------------------------------------------------


def quote_lines_build(
    *, items: Sequence[QuoteItem], catalog: QuoteCatalog
) -> tuple[tuple[Line, ...], dict[int, Selection]]:
    """Pricing lines for the items; raises InvalidItems for unknown, unsold or invalid ones."""
    code = currency()
    errors: dict[str, list[str]] = {}
    lines: list[Line] = []
    selections: dict[int, Selection] = {}
    for index, item in enumerate(items):
        line_id = item.id or str(index)
        if item.kind == "product":
            product = catalog.products.get(item.slug)
            if product is None:
                errors[f"items.{index}.product"] = [f'No product is called "{item.slug}".']
            elif not product.active:
                errors[f"items.{index}.product"] = [f"{product.name} is no longer sold."]
            else:
                lines.append(
                    product_line(product, quantity=item.quantity, id=line_id, currency=code)
                )
        elif item.kind == "kit":
            kit = catalog.kits.get(item.slug)
            problem = f'No kit is called "{item.slug}".' if kit is None else kit_problem(kit)
            if problem is not None:
                errors[f"items.{index}.kit"] = [problem]
            else:
                assert kit is not None
                lines.append(kit_line(kit, quantity=item.quantity, id=line_id, currency=code))
        else:
            routine = catalog.routines.get(item.slug)
            if routine is None or not routine.active or not routine.slots:
                errors[f"items.{index}.routine"] = [
                    f'No routine is called "{item.slug}".'
                    if routine is None
                    else f"{routine.name} is not available."
                ]
                continue
            selection = selection_check(
                routine=routine, products=catalog.products, selections=item.selections
            )
            if not selection.valid:
                errors[f"items.{index}.selections"] = [p.message for p in selection.problems]
                continue
            selections[index] = selection
            lines.append(
                routine_line(
                    routine, selection.products, quantity=item.quantity, id=line_id, currency=code
                )
            )
    if errors:
        labels = {f"items.{i}": f'items.{i} ({it.kind} "{it.slug}")' for i, it in enumerate(items)}
        raise InvalidItems(errors, labels)
    return tuple(lines), selections


# -- the service -----------------------------------------------------------------------------


def quote_prepare(
    *,
    items: Sequence[QuoteItem],
    promos: Sequence[PromoRule | UnknownCode] = (),
    now: datetime | None = None,
    cached: bool = False,
    catalog: QuoteCatalog | None = None,
    offers: Sequence[OfferRule] | None = None,
) -> PreparedQuote:
    """Load and check parsed items and build the pricing request; raises InvalidItems.

    `promos` are the code rules the caller looked up (`promotions.codes.selectors`, through its
    throttled lookup for shoppers, or previewed in the admin simulator). `cached=True` takes the
    catalog from the snapshot (see `quote_catalog_load`); a caller pricing many quotes at once
    loads it once and passes it as `catalog`. `offers`: the automatic offers to price with;
    None for the current ones (`shop.catalog.offers`: kept under the catalog token, which a
    `cached` catalog has read already; otherwise one query to read it).
    """
    now = now or datetime.now(UTC)  # what timezone.now() gives with USE_TZ, which pricing needs
    catalog = catalog or quote_catalog_load(items=items, cached=cached)
    lines, selections = quote_lines_build(items=items, catalog=catalog)
    if offers is None:
        offers = catalog_offers(token=catalog.token)
    return PreparedQuote(
        items=tuple(items),
        catalog=catalog,
        selections=selections,
        request=pricing_request(lines=lines, promos=promos, offers=offers, now=now),
    )


def quote_build(
    *,
    items: Any,
    promos: Sequence[PromoRule | UnknownCode] = (),
    now: datetime | None = None,
    catalog: QuoteCatalog | None = None,
    offers: Sequence[OfferRule] | None = None,
) -> Breakdown:
    """Price raw quote items (the API's JSON); raises InvalidItems naming every bad item.
    `catalog`: one loaded for many quotes at once (`quote_catalog_load(cached=True)`);
    `offers`: as `quote_prepare` takes them.

    A quote shows no stock, so it prices from the catalog snapshot. The checks above should
    leave nothing for the pricing service to refuse; if they ever do, the shopper still gets
    InvalidItems (a 400) and the log gets the traceback.
    """
    parsed = quote_items_parse(items=items)
    prepared = quote_prepare(
        items=parsed, promos=promos, now=now, cached=True, catalog=catalog, offers=offers
    )
    try:
        return price(prepared.request)
    except PricingError as error:
        logger.exception("Quote items passed the checks but pricing refused them")
        raise InvalidItems({"items": [f"These items cannot be priced: {error}"]}) from error
