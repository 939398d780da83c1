"""Hears catalog writes as they commit (PostgreSQL LISTEN/NOTIFY), so quotes need not ask.

The catalog triggers (`shop.catalog_version`) also notify `CHANNEL`. PostgreSQL delivers a
notification when the writing transaction commits, and never for one that rolls back. One
daemon thread per process listens on a connection of its own and counts what it hears in its
generation, which also moves on every (re)connection, since what was written while it was not
listening is unknown. The catalog snapshot keeps the generation it was read under: while the
listener is connected and its generation has not moved, no catalog write has committed since,
and a quote skips the token query.

The price of skipping it: a quote in another process that starts within the delivery time after
a commit (well under a millisecond on one host, see docs/BENCHMARKS.md; up to the GIL switch
interval, 5 ms, in a busy process) can still be priced from the catalog as it was just before
that commit. Quotes bind nobody: the cart and checkout always read current rows, checkout inside
its transaction. Code inside a transaction always reads the token (see `shop.catalog_snapshot`),
so a transaction sees its own catalog writes.

`SHOP_CATALOG_LISTEN` (default on) turns it off; the test suite turns it off except where it is
under test, because an open listener connection keeps a test database from being dropped.
"""

from __future__ import annotations

import itertools
import logging
import os
import threading
from typing import Any

import psycopg
from django.conf import settings
from django.db.backends.base.base import BaseDatabaseWrapper

from shop.catalog.version import CHANNEL

logger = logging.getLogger(__name__)

# Generations come from one counter for every listener of the process, so no two listeners
# (a forked child's new one included) ever share a number.
_generations = itertools.count(1)

WAIT = 1.0  # seconds per wait for notifications: how soon `stop()` is noticed
HEARTBEAT = 10.0  # seconds between checks that the connection is still alive
RETRY = 1.0  # seconds between connection attempts


class CatalogListener:
    """A thread listening for catalog writes on the database that `params` connect to."""

    def __init__(self, params: dict[str, Any]) -> None:
        self.params = params
        self.pid = os.getpid()
        # (generation, connected), replaced as one object so a reader never sees half a change
        self._state: tuple[int, bool] = (next(_generations), False)
        self.heard = 0  # notifications received, for tests and curious operators
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="catalog-listener", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def generation(self) -> int | None:
        """The current generation while listening; None while not connected."""
        generation, connected = self._state
        return generation if connected else None

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _move(self, *, connected: bool) -> None:
        self._state = (next(_generations), connected)

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                with psycopg.connect(**self.params, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self._move(connected=True)
                    self._listen(conn)
            except Exception:  # any failure: say so, count it as a change, connect again
                if not self._stopping.is_set():
                    logger.warning(
                        "The catalog listener lost its database connection; quotes read the "
                        "catalog token until it is back.",
                        exc_info=True,
                    )
            finally:
                self._move(connected=False)
            self._stopping.wait(RETRY)

    def _listen(self, conn: psycopg.Connection[Any]) -> None:
        quiet = 0.0
        while not self._stopping.is_set():
            heard = False
            for _notify in conn.notifies(timeout=WAIT):
                heard = True
                self.heard += 1
                self._move(connected=True)
            quiet = 0.0 if heard else quiet + WAIT
            if quiet >= HEARTBEAT:  # a silent peer may be a dead one: raises if it is
                conn.execute("SELECT 1")
                quiet = 0.0


_listeners: dict[str, CatalogListener] = {}
_lock = threading.Lock()


def catalog_listener(connection: BaseDatabaseWrapper) -> CatalogListener | None:
    """This process's listener for the database of `connection`, started on first use; None
    where there is none (not PostgreSQL, or `SHOP_CATALOG_LISTEN` off)."""
    if connection.vendor != "postgresql" or not settings.SHOP_CATALOG_LISTEN:
        return None
    key = str(connection.settings_dict["NAME"])
    listener = _listeners.get(key)
    if listener is not None and listener.pid == os.getpid():
        return listener
    with _lock:  # a forked child has no thread of its parent's: it starts its own
        listener = _listeners.get(key)
        if listener is None or listener.pid != os.getpid():
            params = connection.get_connection_params()
            params.pop("cursor_factory", None)
            params["application_name"] = "shop catalog listener"
            listener = CatalogListener(params)
            listener.start()
            _listeners[key] = listener
    return listener


def catalog_listeners_stop() -> None:
    """Stop every listener of this process (before a test database is dropped)."""
    with _lock:
        listeners = list(_listeners.values())
        _listeners.clear()
    for listener in listeners:
        if listener.pid == os.getpid():
            listener.stop()
