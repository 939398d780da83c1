"""Hot-path queries whose SQL the ORM compiles once per shape instead of on every request.

Compiling a `.values_list()` query with a few joins costs Django several times what the
database then takes to run it (a quote's loaders spent ~85% of their time in the compiler).
`PreparedQuery` asks the ORM for the SQL of a queryset built from placeholder keys, keeps the
SQL and the field converters, and afterwards only binds the real keys and runs it. The SQL is
still the ORM's own, so it follows the models; only the keys may vary, which is checked.

Key lists are padded (repeating the last key) to the next power of two, so a quote of any size
uses one of a handful of compiled shapes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet

Builder = Callable[[list[Any]], QuerySet[Any]]


def _bucket(count: int) -> int:
    size = 1
    while size < count:
        size *= 2
    return size


class _Compiled:
    __slots__ = ("converters", "repeat", "sql")

    def __init__(self, sql: str, repeat: int, converters: list[tuple[int, list[Any], Any]]):
        self.sql = sql
        self.repeat = repeat
        self.converters = converters


class PreparedQuery:
    """A `.values_list()` query over a list of keys, compiled once per database and size.

    `build(keys)` must return the queryset for those keys, and the keys must be its only query
    parameters, in order (a UNION of n querysets over the same keys binds them n times):
    anything else would be frozen into the cached SQL, so it is refused when compiling.
    """

    def __init__(self, name: str, build: Builder, *, placeholder: Callable[[int], Any]) -> None:
        self.name = name
        self.build = build
        self.placeholder = placeholder
        self._compiled: dict[tuple[str, str, int], _Compiled] = {}
        self._lock = threading.Lock()

    def _compile(self, using: str, size: int) -> _Compiled:
        connection = connections[using]
        key = (using, connection.vendor, size)
        compiled = self._compiled.get(key)
        if compiled is not None:
            return compiled
        keys = [self.placeholder(i) for i in range(size)]
        queryset = self.build(keys)
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        repeat = len(params) // size
        if not repeat or list(params) != keys * repeat:
            raise ValueError(
                f"prepared query {self.name!r}: its parameters must be exactly the keys, "
                f"got {list(params)!r}"
            )
        fields = [column[0] for column in compiler.select[0 : compiler.col_count]]
        converters = [
            (position, convs, expression)
            for position, (convs, expression) in compiler.get_converters(fields).items()
        ]
        compiled = _Compiled(sql, repeat, converters)
        with self._lock:
            self._compiled[key] = compiled
        return compiled

    def fetch(self, keys: Sequence[Any], *, using: str = DEFAULT_DB_ALIAS) -> list[tuple[Any, ...]]:
        """The rows for these keys (at least one), as `.values_list()` would give them."""
        if not keys:
            raise ValueError("a prepared query needs at least one key")
        size = _bucket(len(keys))
        compiled = self._compile(using, size)
        params = (list(keys) + [keys[-1]] * (size - len(keys))) * compiled.repeat
        connection = connections[using]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        if not compiled.converters:
            return [tuple(row) for row in rows]
        result = []
        for row in rows:
            values = list(row)
            for position, convs, expression in compiled.converters:
                value = values[position]
                for converter in convs:
                    value = converter(value, expression, connection)
                values[position] = value
            result.append(tuple(values))
        return result
