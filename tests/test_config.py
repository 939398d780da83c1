"""Project wiring: health check, error pages, production settings, real services."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
def test_healthz_reports_database_cache_broker_and_worker(client: Client) -> None:
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200
    assert body["database"]["ok"] and body["cache"]["ok"]
    assert {"broker", "worker", "status"} <= set(body)


@pytest.mark.django_db
def test_unknown_api_path_is_problem_json_and_html_elsewhere(client: Client) -> None:
    response = client.get("/api/nothing/here/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "not_found"
    response = Client(enforce_csrf_checks=True).post("/api/nothing/", {})
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and b"We could not find that page" in response.content


def _deploy_env(**extra: str) -> dict[str, str]:
    dev_only = {"DEBUG", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in dev_only}
    env.update(
        DEBUG="0",
        SECRET_KEY="a-production-grade-secret-key-" + "x" * 40,
        ALLOWED_HOSTS="shop.example.com",
        VAR_DIR=str(ROOT / "var" / "deploy-check"),
    )
    env.update(extra)
    return env


def test_check_deploy_is_clean_in_production_settings() -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_deploy_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."
    assert result.stderr.strip() == ""


def test_production_refuses_to_start_without_a_secret_key() -> None:
    env = _deploy_env()
    env.pop("SECRET_KEY")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


@pytest.mark.postgres
@pytest.mark.django_db
def test_database_is_postgresql_when_database_url_says_so() -> None:
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        assert int(cursor.fetchone()[0]) >= 130000


@pytest.mark.redis
def test_cache_round_trips_through_redis() -> None:
    assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
    cache.set("roundtrip", {"a": 1}, 30)
    assert cache.get("roundtrip") == {"a": 1}
    assert cache.incr("counter-test", 1) if cache.add("counter-test", 0) else True


@pytest.mark.redis
def test_celery_broker_round_trips_through_redis() -> None:
    from config.celery import app

    assert app.conf.broker_url.startswith("redis://")
    with app.connection_for_write() as conn:
        queue = conn.SimpleQueue("roundtrip-test")
        try:
            queue.put({"hello": "redis"})
            message = queue.get(block=True, timeout=5)
            assert message.payload == {"hello": "redis"}
            message.ack()
        finally:
            queue.clear()
            queue.close()


@pytest.mark.redis
def test_the_tests_delete_only_their_own_redis_keys() -> None:
    """What the suite deletes in Redis (the cache between tests, Celery's queue when a test
    purges it, all its keys at the end) starts with the run's prefix: in a database it shares
    with the app (REDIS_URL=.../0), the app's cache entries and queued tasks stay. Played on a
    redis-server of the test's own holding such keys; conftest's sentinel checks the real one."""
    import redis
    from django.core.cache.backends.redis import RedisCache

    from config.celery import app
    from tests.conftest import cache_clear, redis_keys_delete
    from tests.workers import PrivateRedis, broker

    server = PrivateRedis().start()
    try:
        raw = redis.Redis.from_url(server.url)
        raw.set("shop:1:views.decorators.cache.cache_page", b"the app's page")
        raw.lpush("celery", b"the app's queued task")
        test_cache = RedisCache(server.url, {"KEY_PREFIX": cache.key_prefix})
        test_cache.set("throttle", 3)
        cache_clear(test_cache)
        assert test_cache.get("throttle") is None
        with broker(app, server.url):
            app.send_task("promotions.tasks.outbox_sweep")
            assert raw.llen(settings.REDIS_KEY_PREFIX + "celery") == 1
            app.control.purge()
            assert raw.llen(settings.REDIS_KEY_PREFIX + "celery") == 0
        test_cache.set("left-over", 1)
        redis_keys_delete(raw, settings.REDIS_KEY_PREFIX)
        assert [key for key in raw.scan_iter() if key.startswith(b"test:")] == []
        assert raw.get("shop:1:views.decorators.cache.cache_page") == b"the app's page"
        assert raw.lrange("celery", 0, -1) == [b"the app's queued task"]
    finally:
        server.stop()


@pytest.mark.postgres
@pytest.mark.django_db
def test_each_xdist_worker_has_a_test_database_of_its_own(worker_id: str) -> None:
    """pytest-django suffixes the test database's name with the worker's id, also the name
    TEST_DATABASE_NAME sets (.ci/run); the Celery workers the tests start use the same."""
    name = connection.settings_dict["NAME"]
    if worker_id != "master":
        assert name.endswith(f"_{worker_id}"), name
    if os.environ.get("TEST_DATABASE_NAME"):
        assert name.startswith(os.environ["TEST_DATABASE_NAME"]), name


@pytest.mark.django_db
def test_api_500_is_problem_json(client: Client, monkeypatch: Any) -> None:
    from shop.catalog import selectors

    def boom(**kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(selectors, "product_list", boom)
    client.raise_request_exception = False
    response = client.get("/api/products/")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "server_error"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/api/products/a%00b/",
        "/api/products/?q=a%00b",
        "/api/kits/x%00/",
        "/shop/?q=%00",
        "/products/a%00b/",
    ],
)
def test_nul_bytes_in_the_address_are_a_400_not_a_database_error(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 400
    if url.startswith("/api/"):
        assert response.json()["code"] == "bad_request"
