"""The automatic offers every price is computed with, kept in memory under the catalog token.

Offers are promotions (`promotions.codes`, above this package), but every place that prices
(quotes, the cart, checkout, the routine builder) sits at or below this package, so the
promotions app hands its loader in once (`offer_loader_set`, from its AppConfig.ready) and the
pricing callers ask `catalog_offers()`.

The offers are cached per process and stamped with the catalog version token
(`shop.catalog.version`) read before loading, exactly as the catalog snapshot is
(`shop.quoting.snapshot`): database triggers change the token on every write to a promotion or
its scope, so an offer saved a moment ago is in the very next price, in every process. A quote
that has just read the token for the snapshot passes it in and pays no query for its offers.

Not kept current: `uses`. Checkout counts offer uses with guarded UPDATEs that leave the token
alone; an offer reaching its limit (or getting a use back at it) touches the token itself
(`promotions.codes.offers`), so a used-up offer leaves the cache at once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import DEFAULT_DB_ALIAS, connections

from shop.catalog.version import catalog_token
from shop.pricing import OfferRule

OfferLoader = Callable[[], tuple[OfferRule, ...]]

_lock = threading.Lock()
_loader: list[OfferLoader] = []
# Per database name: (token, the offers loaded under it).
_held: dict[str, tuple[str, tuple[OfferRule, ...]]] = {}
# Never a token (tokens are hex or UUID text): "read it first".
TOKEN_UNREAD = "\x00unread"  # noqa: S105 - not a secret


def offer_loader_set(loader: OfferLoader) -> None:
    """Install the function that loads every live automatic offer (the promotions app's)."""
    with _lock:
        _loader[:] = [loader]
        _held.clear()


def catalog_offers(*, token: str | None = TOKEN_UNREAD) -> tuple[OfferRule, ...]:
    """The automatic offers as of now: no query when `token` (the catalog token the caller has
    just read) is given and nothing changed, one (the token) otherwise, plus the load after a
    change. A database without a token row loads them every time."""
    if not _loader:
        return ()
    if token == TOKEN_UNREAD:
        token = catalog_token()
    if token is None:
        return _loader[0]()
    key = str(connections[DEFAULT_DB_ALIAS].settings_dict["NAME"])
    held = _held.get(key)
    if held is None or held[0] != token:
        with _lock:  # one thread loads; the others wait for it rather than load the same
            held = _held.get(key)
            if held is None or held[0] != token:
                held = (token, _loader[0]())
                _held[key] = held
    return held[1]


def catalog_offers_forget() -> None:
    """Drop what this process holds (tests; nothing else needs it)."""
    with _lock:
        _held.clear()
