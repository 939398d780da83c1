"""Shared fixtures, the rule for service-backed tests, and what the tests may touch in Redis.

Tests marked `postgres`, `redis` or `e2e` need a real PostgreSQL, a real Redis or Debian's
chromium. Without them they are skipped with a reason that says what to set; with
REQUIRE_SERVICES=1 (CI) a missing service makes them FAIL instead, so CI can never pass by
skipping.

Redis: REDIS_URL may name the app's own database (the README's shell sets .../0). Every key the
tests write starts with settings.REDIS_KEY_PREFIX, one per run and xdist worker; they clear,
purge and finally delete only keys under it, never FLUSHDB (which Django's RedisCache.clear()
is). A sentinel key written outside every prefix before the run must still be there after it,
or the run fails.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import BaseCache, caches
from django.core.cache.backends.redis import RedisCache
from rest_framework.test import APIClient

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def _postgres_missing() -> str | None:
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        return "needs PostgreSQL: set DATABASE_URL=postgres://postgres@127.0.0.1:5432/shop"
    return None


def _redis_missing() -> str | None:
    url = os.environ.get("REDIS_URL")
    if not url:
        return "needs Redis: set REDIS_URL=redis://127.0.0.1:6379/1"
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        return f"needs Redis at {url}: {exc}"
    return None


def chromium_path() -> str | None:
    return (
        os.environ.get("CHROMIUM_PATH")
        or shutil.which("chromium")
        or shutil.which("chromium-browser")
    )


def _chromium_missing() -> str | None:
    if chromium_path() is None:
        return "needs Debian's chromium for browser tests: apt-get install chromium"
    return None


_CHECKS = {"postgres": _postgres_missing, "redis": _redis_missing, "e2e": _chromium_missing}
_checked: dict[str, str | None] = {}


def pytest_runtest_setup(item: pytest.Item) -> None:
    for marker, check in _CHECKS.items():
        if item.get_closest_marker(marker) is None:
            continue
        if marker not in _checked:
            _checked[marker] = check()
        reason = _checked[marker]
        if reason:
            if REQUIRE_SERVICES:
                pytest.fail(f"REQUIRE_SERVICES=1 but this test {reason}", pytrace=False)
            pytest.skip(reason)


# -- Parallel runs ---------------------------------------------------------------------------------
#
# `make test` runs pytest-xdist (`-n auto`; pyproject.toml adds `--dist loadgroup`). Each worker
# has a test database of its own (pytest-django adds _gw0, _gw1, ... to its name, and to
# TEST_DATABASE_NAME's) and Redis keys of its own (below), and the servers tests start
# (live_server, redis-server, aiosmtpd) take free ports: any test may run beside any other. Two
# groups run one test at a time, on one worker (xdist_group): "celery-workers", the tests that
# drive real Celery workers (not two such loads at once on a 2-core machine), and
# "postgres-races", the tests that race 20-50 threads, each with its own connection (two at once
# would pass PostgreSQL's default max_connections of 100). The slow and browser tests are dealt
# out first, so that a 40 s test does not start last and keep one worker busy while others idle.


def _cost(item: pytest.Item) -> int:
    return 0 if item.get_closest_marker("slow") else 1 if item.get_closest_marker("e2e") else 2


@pytest.hookimpl(trylast=True)  # after tests/e2e/conftest.py has marked its tests
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if hasattr(config, "workerinput"):  # an xdist worker; every worker sorts alike
        items.sort(key=_cost)


# -- Redis: only the run's own keys ---------------------------------------------------------------


def redis_pattern(prefix: str) -> str:
    """A SCAN pattern that matches the keys starting with `prefix`, and only those."""
    return re.sub(r"([*?\[\]\\])", r"\\\1", prefix) + "*"


def redis_keys_delete(client: Any, prefix: str) -> int:
    """Delete the keys that start with `prefix` (never an empty one), in batches."""
    assert prefix, "an empty prefix would be the whole database"
    deleted = 0
    batch: list[bytes] = []
    for key in client.scan_iter(match=redis_pattern(prefix), count=1000):
        batch.append(key)
        if len(batch) == 1000:
            deleted += client.delete(*batch)
            batch.clear()
    if batch:
        deleted += client.delete(*batch)
    return deleted


def cache_clear(backend: BaseCache | None = None) -> None:
    """Empty the cache. On Redis that is the keys under its KEY_PREFIX (the run's prefix plus
    CACHE_KEY_PREFIX), not the database: Django's RedisCache.clear() is FLUSHDB."""
    backend = caches["default"] if backend is None else backend
    if isinstance(backend, RedisCache):
        prefix = settings.REDIS_KEY_PREFIX
        assert prefix and backend.key_prefix.startswith(prefix), "not the run's own keys"
        redis_keys_delete(backend._cache.get_client(write=True), backend.key_prefix + ":")
    else:
        backend.clear()


def _redis() -> Any | None:
    """A client for REDIS_URL's database, or None when there is no Redis to talk to."""
    if not os.environ.get("REDIS_URL") or _redis_missing():
        return None
    import redis

    return redis.Redis.from_url(os.environ["REDIS_URL"], socket_connect_timeout=1)


_sentinel_key = pytest.StashKey[str]()


def pytest_sessionstart(session: pytest.Session) -> None:
    """The sentinel: written by the main process (not an xdist worker) outside every prefix of
    the run, and checked in pytest_sessionfinish, after all the tests have run."""
    if hasattr(session.config, "workerinput") or (client := _redis()) is None:
        return
    key = f"shop-tests-sentinel:{settings.REDIS_KEY_PREFIX}"
    client.set(key, "a key the tests did not write: it must outlive the run", ex=24 * 3600)
    session.stash[_sentinel_key] = key


def pytest_sessionfinish(session: pytest.Session) -> None:
    key = session.stash.get(_sentinel_key, None)
    if key is None or (client := _redis()) is None:
        return
    if client.delete(key) != 1:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        message = (
            f"FAILED: {key} is gone from {os.environ['REDIS_URL']}: a test deleted keys it did"
            " not write (FLUSHDB, cache.clear() on Redis, a pattern beyond REDIS_KEY_PREFIX)"
        )
        if reporter is not None:
            reporter.write_line(message, red=True, bold=True)


@pytest.fixture(scope="session", autouse=True)
def _redis_keys_of_the_run_deleted() -> Iterator[None]:
    """At the end, the keys this worker (or the run without xdist) wrote: cache entries,
    counters, Celery's queues and bindings. They all start with REDIS_KEY_PREFIX."""
    if os.environ.get("REDIS_URL"):
        assert settings.REDIS_KEY_PREFIX.startswith("test:"), "tests would share the app's keys"
    yield
    client = _redis()
    if client is not None:
        redis_keys_delete(client, settings.REDIS_KEY_PREFIX)


@pytest.fixture(autouse=True)
def _clear_cache() -> Iterator[None]:
    """Throttle counters, cached pages and Celery's queued or unacknowledged tasks (a worker
    killed by one test leaves its task in kombu's unacked hash) must not leak from one test
    into the next: on Redis every key of this worker's prefix goes, where FLUSHDB used to."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):  # REDIS_URL's database, the broker's too
        redis_keys_delete(backend._cache.get_client(write=True), settings.REDIS_KEY_PREFIX)
    else:
        backend.clear()
    yield


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def staff_user(db: Any) -> Any:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user(
        "staff", "staff@example.com", "staff-pass-123", is_staff=True, is_superuser=True
    )


@pytest.fixture
def shopper_user(db: Any) -> Any:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user("shopper", "shopper@example.com", "shop-pass-123")


@pytest.fixture
def staff_api(staff_user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(staff_user)
    return client


@pytest.fixture(scope="session", autouse=True)
def _postgresql_flush_by_delete() -> Iterator[None]:
    """After each transactional test (65 of them: browsers, races, workers) Django empties every
    table with one TRUNCATE, which costs PostgreSQL 0.25 s and more (new files for 50 tables).
    DELETE with the triggers off, as pg_restore loads data (session_replication_role = replica,
    which needs a superuser: the tests' postgres), leaves the same empty tables in 10 ms."""
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        yield
        return
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate = DatabaseOperations.sql_flush
    superuser: dict[str, bool] = {}

    def sql_flush(
        ops: Any, style: Any, tables: Any, *, reset_sequences: bool = False, **options: Any
    ) -> list[str]:
        alias = ops.connection.alias
        if alias not in superuser:
            with ops.connection.cursor() as cursor:
                cursor.execute("SELECT current_setting('is_superuser') = 'on'")
                superuser[alias] = bool(cursor.fetchone()[0])
        if not tables or reset_sequences or not superuser[alias]:
            return truncate(ops, style, tables, reset_sequences=reset_sequences, **options)
        # Run by `flush` in one transaction: LOCAL ends with it.
        return [
            "SET LOCAL session_replication_role = replica",
            *(f"DELETE FROM {ops.quote_name(table)}" for table in tables),  # noqa: S608
        ]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DatabaseOperations, "sql_flush", sql_flush)
        yield


class DemoRows:
    """What `manage.py load_demo` writes, loaded for real by the first test of each process that
    asks for it, and from then on written straight back: one INSERT per table instead of ~480
    queries and the spam scoring of every entry (0.13 s on SQLite, 0.3 s on PostgreSQL, for
    300 tests).

    Written back only where it means the same as loading: into tables that are empty (else
    load_demo runs, and fills in only what is missing as it always does), with every date and
    time moved on by the time since it was loaded (the demo's promotions and giveaway are dated
    from now), and sequences moved past the ids (PostgreSQL). The catalog version's row is left
    to the database's triggers, which write it with a new token as the catalog rows go in, as
    they do under load_demo. A load that changed rows which were there before is not kept (the
    test had made some of its own); after three such loads, every test loads.
    """

    # Written by triggers on every catalog write (shop/catalog version module), not by the demo.
    TRIGGER_TABLES = frozenset({"shop_catalogversion"})

    def __init__(self) -> None:
        self.rows: dict[type[Any], list[dict[str, Any]]] | None = None
        self.loaded_at: Any = None
        self.captures_left = 3

    def load(self) -> None:
        from django.db import transaction

        if self.rows is None or self._any_rows():
            self._load_demo_and_capture()
            return
        with transaction.atomic():
            self._write_back()

    @staticmethod
    def _models() -> list[type[Any]]:
        from django.apps import apps

        return [
            model
            for model in apps.get_models(include_auto_created=True)
            if model._meta.managed and not model._meta.proxy
        ]

    @staticmethod
    def _table_rows(model: type[Any]) -> list[dict[str, Any]]:
        fields = [field.attname for field in model._meta.concrete_fields]
        return list(model._base_manager.order_by("pk").values(*fields))

    def _any_rows(self) -> bool:
        assert self.rows is not None
        return any(model._base_manager.exists() for model in self.rows)

    def _load_demo_and_capture(self) -> None:
        import io

        from django.core.management import call_command
        from django.utils import timezone

        capture = self.rows is None and self.captures_left > 0
        self.captures_left -= capture
        before = {model: self._table_rows(model) for model in self._models()} if capture else {}
        loaded_at = timezone.now()
        call_command("load_demo", stdout=io.StringIO())
        if not capture:
            return
        rows: dict[type[Any], list[dict[str, Any]]] = {}
        for model, previous in before.items():
            if model._meta.db_table in self.TRIGGER_TABLES:
                continue
            now = self._table_rows(model)
            if previous and now != previous:
                return
            if not previous and now:
                rows[model] = now
        self.rows, self.loaded_at = rows, loaded_at

    def _write_back(self) -> None:
        from datetime import date, datetime

        from django.core.management.color import no_style
        from django.db import connection
        from django.utils import timezone

        assert self.rows is not None
        since = timezone.now() - self.loaded_at
        days = timezone.localdate() - timezone.localdate(self.loaded_at)

        def moved(value: Any) -> Any:
            if isinstance(value, datetime):
                return value + since
            if isinstance(value, date):
                return value + days
            return value

        for model, rows in self.rows.items():
            model._base_manager.bulk_create(
                model(**{name: moved(value) for name, value in row.items()}) for row in rows
            )
        statements = connection.ops.sequence_reset_sql(no_style(), list(self.rows))
        if statements:
            with connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)


_demo_rows = DemoRows()


@pytest.fixture
def demo(db: Any) -> None:
    """The full demo data set, as `manage.py load_demo` loads it (see DemoRows)."""
    _demo_rows.load()
