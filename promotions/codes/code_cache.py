"""Typed codes kept in memory per process, stamped with the catalog token, as automatic offers are.

Looking a code up costs three queries and about 0.76 ms, most of it the ORM compiling a
21-column join (docs/BENCHMARKS.md, "Quiet-machine reruns"), ten times what pricing the cart
takes. Codes change rarely, so what a code is (its rule, whether it is public, its promotion)
is kept here under the catalog token (`shop.catalog.version`), read before loading, exactly
as the catalog snapshot and the automatic offers are (`shop.catalog.offers`): triggers change
the token on every write to a code, its promotion, its scope or its gift product, so a code
saved a moment ago is in the very next quote, in every process. A new token empties the map.

Unknown codes are kept too, so that a guess costs what a real code costs. The map is bounded
(`SIZE` codes, least recently used dropped first), so that guessing cannot grow memory.

Not kept current: `uses`. Checkout counts uses with guarded UPDATEs that leave the token alone;
the use that brings a code or its promotion to its limit touches the token, and so does a
release at the limit (`promotions.codes.services`), so a used-up code leaves the map at once.
Per-customer uses are never kept: they are counted on every lookup that names the shopper.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from typing import Generic, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections

from shop.catalog.offers import TOKEN_UNREAD
from shop.catalog.version import catalog_token

SIZE = 4096  # codes per process and database; each holds its rule, its scope's slugs included

T = TypeVar("T")


class TokenMap(Generic[T]):
    """A bounded map from code to what it is, per database, valid under one catalog token."""

    def __init__(self, size: int = SIZE) -> None:
        self.size = size
        self._lock = threading.Lock()
        # Per database name: (token, code -> entry, least recently used first).
        self._held: dict[str, tuple[str, OrderedDict[str, T]]] = {}

    def get(
        self,
        codes: Sequence[str],
        *,
        load: Callable[[Sequence[str]], Mapping[str, T]],
        token: str | None = TOKEN_UNREAD,
    ) -> dict[str, T]:
        """The entry of every code in `codes`: from memory where held under `token` (read
        here when not given: one query), the others from `load` (which must give an entry
        for every code it is asked for, unknown ones included) and kept. A database
        without a token row loads every time."""
        if token == TOKEN_UNREAD:
            token = catalog_token()
        if token is None:
            return dict(load(codes))
        key = str(connections[DEFAULT_DB_ALIAS].settings_dict["NAME"])
        found: dict[str, T] = {}
        with self._lock:
            held = self._held.get(key)
            if held is None or held[0] != token:
                held = (token, OrderedDict())
                self._held[key] = held
            entries = held[1]
            for code in codes:
                if code in entries:
                    entries.move_to_end(code)
                    found[code] = entries[code]
        missing = [code for code in codes if code not in found]
        if not missing:
            return found
        loaded = load(missing)  # outside the lock: other threads' hits need not wait
        with self._lock:
            # Loaded after `token` was read: never newer-looking than it is. A map replaced
            # meanwhile (a newer token) is not given these older rows.
            if self._held.get(key) is held:
                for code in missing:
                    entries[code] = loaded[code]
                    entries.move_to_end(code)
                while len(entries) > self.size:
                    entries.popitem(last=False)
        found.update((code, loaded[code]) for code in missing)
        return found

    def __len__(self) -> int:
        with self._lock:
            return sum(len(entries) for _, entries in self._held.values())

    def forget(self) -> None:
        """Drop what this process holds (tests; nothing else needs it)."""
        with self._lock:
            self._held.clear()
