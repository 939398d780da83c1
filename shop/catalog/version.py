"""The catalog version: a token the database changes on every write to what quotes price from.

Quotes read products, steps, kits and routines. Rather than load them on every quote,
`shop.quoting.snapshot` keeps them in memory, stamped with the token it read before loading; a
quote reads only the token (one tiny query) and reloads when it has changed. So the snapshot is
exactly as current as loading would be, in every process.

The token is written by database triggers, not by Django signals, so that nothing can change
the catalog without changing it: `QuerySet.update()`, bulk operations, admin actions, fixtures,
data migrations and hand-written SQL all fire them. Each writing statement sets a new random
token (never a counter): a transaction that rolls back cannot leave a token behind that a later
write would reuse, and a transaction that reads the catalog and then writes it again gets a new
token for the later write.

Products are watched for the columns quotes read, not `stock`: checkout's stock updates
(`UPDATE ... SET stock = stock - n`) leave the token alone, so selling does not throw the
snapshot away. Whatever reads the snapshot must therefore not decide on stock.

PostgreSQL: one statement-level BEFORE trigger per table, which also covers TRUNCATE. The token
row is locked from a transaction's first catalog write to its commit, so catalog writers take
turns (they are rare: merchandisers in the admin); readers never wait. Taking it first, before
the rows, keeps two catalog writers from locking each other in opposite orders: a writer that
locks rows before it writes them (a price save, an import's writes, a bulk price change) takes
it with `catalog_writes_begin` first. SQLite: one row
trigger per table and event (SQLite has neither statement triggers nor TRUNCATE; it has one
writer anyway).

The PostgreSQL trigger function also sends a notification on `CHANNEL`: a listener thread once
skipped the token query with it. Nothing listens any more (the query costs 0.1 to 0.3 ms on a
quiet machine, see docs/BENCHMARKS.md, "Simplification"). The function is left as the
migrations installed it: catalog writes are rare and an unheard notification is cheap, and
changing the function would take a migration of its own for no gain.

A missing token row (a flushed test database) means "unknown": quotes then load every time.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper

TABLE = "shop_catalogversion"
FUNCTION = "shop_catalog_version_touch"
# PostgreSQL: notified when a catalog write commits; nothing listens any more (see above)
CHANNEL = "shop_catalog"

# Names below are this module's constants: nothing from outside reaches the SQL.
_POSTGRES_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {TABLE} (id, token) VALUES (1, gen_random_uuid()::text)
    ON CONFLICT (id) DO UPDATE SET token = EXCLUDED.token;
    PERFORM pg_notify('{CHANNEL}', '');
    RETURN NULL;
END
$$
"""  # noqa: S608
_SQLITE_TOUCH = (
    f"INSERT INTO {TABLE} (id, token) VALUES (1, lower(hex(randomblob(16)))) "  # noqa: S608
    "ON CONFLICT (id) DO UPDATE SET token = excluded.token;"
)


def _trigger(table: str, event: str = "") -> str:
    return f"catalog_version_{table}{'_' + event if event else ''}"


def watch_sql(vendor: str, table: str, columns: Sequence[str] = ()) -> list[str]:
    """Statements that make every write to `table` (to `columns` only, for updates) change the
    token."""
    update = f"UPDATE OF {', '.join(columns)}" if columns else "UPDATE"
    if vendor == "postgresql":
        return [
            _POSTGRES_FUNCTION,
            f"DROP TRIGGER IF EXISTS {_trigger(table)} ON {table}",
            f"CREATE TRIGGER {_trigger(table)} BEFORE INSERT OR {update} OR DELETE OR TRUNCATE "
            f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()",
        ]
    if vendor == "sqlite":
        statements = []
        for event, clause in (("insert", "INSERT"), ("update", update), ("delete", "DELETE")):
            name = _trigger(table, event)
            statements.append(f"DROP TRIGGER IF EXISTS {name}")
            statements.append(
                f"CREATE TRIGGER {name} AFTER {clause} ON {table} BEGIN {_SQLITE_TOUCH} END"
            )
        return statements
    raise NotImplementedError(f"the catalog version has no triggers for {vendor}")


def unwatch_sql(vendor: str, table: str) -> list[str]:
    if vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {_trigger(table)} ON {table}"]
    return [f"DROP TRIGGER IF EXISTS {_trigger(table, e)}" for e in ("insert", "update", "delete")]


def watch(connection: BaseDatabaseWrapper, tables: Sequence[tuple[str, Sequence[str]]]) -> None:
    """Install the triggers for `tables` (used by migrations)."""
    with connection.cursor() as cursor:
        for table, columns in tables:
            for statement in watch_sql(connection.vendor, table, columns):
                cursor.execute(statement)


def unwatch(connection: BaseDatabaseWrapper, tables: Sequence[tuple[str, Sequence[str]]]) -> None:
    with connection.cursor() as cursor:
        for table, _columns in tables:
            for statement in unwatch_sql(connection.vendor, table):
                cursor.execute(statement)


def catalog_writes_begin(*, using: str = DEFAULT_DB_ALIAS) -> None:
    """Take the catalog writers' turn now: for a writer that locks catalog rows (SELECT ...
    FOR UPDATE) before it writes them. The trigger would take the token row only at the
    first write, after those rows, while an admin save takes it first: the two could
    deadlock. PostgreSQL only (SQLite has one writer anyway); nothing without a token row."""
    if connections[using].vendor != "postgresql":
        return
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {TABLE} WHERE id = 1 FOR UPDATE")  # noqa: S608 - a constant


def catalog_token(*, using: str = DEFAULT_DB_ALIAS) -> str | None:
    """The current token, or None when it is unknown (no row)."""
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT token FROM {TABLE} WHERE id = 1")  # noqa: S608 - a constant
        row = cursor.fetchone()
    return None if row is None else str(row[0])


def catalog_token_touch(*, using: str = DEFAULT_DB_ALIAS) -> None:
    """Change the token by hand, for a change no trigger watches that quotes must see at once
    (an automatic offer running out: `promotions.codes.offers`). A missing row stays missing."""
    with connections[using].cursor() as cursor:
        cursor.execute(
            f"UPDATE {TABLE} SET token = %s WHERE id = 1",  # noqa: S608 - a constant
            [secrets.token_hex(16)],
        )
