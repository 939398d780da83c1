"""Shared fixtures, and the rule for service-backed tests.

Tests marked `postgres`, `redis` or `e2e` need a real PostgreSQL, a real Redis or Debian's
chromium. Without them they are skipped with a reason that says what to set; with
REQUIRE_SERVICES=1 (CI) a missing service makes them FAIL instead, so CI can never pass by
skipping.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
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


@pytest.fixture(autouse=True)
def _clear_cache() -> Iterator[None]:
    # Throttle counters and cached pages must not leak from one test into the next.
    cache.clear()
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


@pytest.fixture
def demo(db: Any) -> None:
    """The full demo data set, as `manage.py load_demo` loads it."""
    from django.core.management import call_command

    call_command("load_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
