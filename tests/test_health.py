"""Health: /healthz is cheap (database, cache, heartbeats; never the broker), the detailed
check is for staff and `manage.py health`, and stale heartbeats make the status degraded."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from celery.signals import heartbeat_sent
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client

from config import health
from config.celery import app, beat_heartbeat
from tests.workers import Worker

pytestmark = pytest.mark.django_db


class BrokerCalls:
    """Stands in for every way the Celery app reaches the broker; a ping takes a second."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, replies: dict[str, Any]) -> None:
        self.calls: list[str] = []
        self.replies = replies
        monkeypatch.setattr(app.control, "inspect", self.inspect)
        monkeypatch.setattr(app, "connection_for_write", self.connection_for_write)

    def inspect(self, **kwargs: Any) -> Any:
        self.calls.append("inspect")
        calls = self

        class Inspect:
            def ping(self) -> dict[str, Any]:
                time.sleep(1.0)
                return calls.replies

        return Inspect()

    def connection_for_write(self) -> Any:
        self.calls.append("connection")
        raise ConnectionError("the broker is not to be called")


@pytest.fixture
def broker(monkeypatch: pytest.MonkeyPatch, settings: Any) -> BrokerCalls:
    settings.CELERY_TASK_ALWAYS_EAGER = False  # as in production: a worker and beat elsewhere
    return BrokerCalls(monkeypatch, {"worker-1@web": {"ok": "pong"}})


def beats(*, worker_age: float | None, beat_age: float | None) -> None:
    now = time.time()
    for key, age in ((health.WORKER_KEY, worker_age), (health.BEAT_KEY, beat_age)):
        if age is not None:
            cache.set(key, {"at": now - age, "hostname": "worker-1@web"}, 600)


def test_healthz_never_calls_the_broker_and_answers_in_the_time_of_database_and_cache(
    client: Client, broker: BrokerCalls
) -> None:
    beats(worker_age=1.0, beat_age=12.0)
    client.get("/healthz")  # the first request opens the database connection
    started = time.perf_counter()
    response = client.get("/healthz")
    elapsed = time.perf_counter() - started
    body = response.json()
    assert broker.calls == []
    assert response.status_code == 200 and body["status"] == "ok"
    assert elapsed < 0.5, elapsed  # a ping alone would block for 1 s
    spent = body["database"]["ms"] + body["cache"]["ms"]
    assert elapsed * 1000 < spent + 100, (elapsed, spent)
    assert body["worker"]["ok"] and 0.9 <= body["worker"]["age_s"] <= 2.0
    assert body["worker"]["hostname"] == "worker-1@web"
    assert body["beat"]["ok"] and 11.9 <= body["beat"]["age_s"] <= 13.0
    assert body["broker"] == {
        "ok": True,
        "ms": body["broker"]["ms"],
        "mode": "redis",
        "source": "worker heartbeat",
    }


def test_anonymous_detail_is_the_cheap_check(client: Client, broker: BrokerCalls) -> None:
    beats(worker_age=1.0, beat_age=1.0)
    assert client.get("/healthz?detail=1").json()["status"] == "ok"
    assert broker.calls == []


@pytest.mark.parametrize(
    ("worker_age", "beat_age", "stale"),
    [
        (31.0, 1.0, "worker"),
        (None, 1.0, "worker"),
        (1.0, 121.0, "beat"),
        (1.0, None, "beat"),
    ],
)
def test_a_stale_or_missing_heartbeat_is_degraded_not_down(
    client: Client,
    broker: BrokerCalls,
    worker_age: float | None,
    beat_age: float | None,
    stale: str,
) -> None:
    beats(worker_age=worker_age, beat_age=beat_age)
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200 and body["status"] == "degraded"
    assert body[stale]["ok"] is False and body[stale]["error"]
    assert body["database"]["ok"] and body["cache"]["ok"]
    assert body["broker"]["ok"] is (stale != "worker")
    assert broker.calls == []


def test_stale_windows_follow_the_settings(
    client: Client, broker: BrokerCalls, settings: Any
) -> None:
    settings.HEALTH_WORKER_STALE_SECONDS = 5
    beats(worker_age=6.0, beat_age=1.0)
    body = client.get("/healthz").json()
    assert body["worker"]["stale_after_s"] == 5 and body["worker"]["ok"] is False


def test_database_down_is_down_and_503(
    client: Client, broker: BrokerCalls, monkeypatch: pytest.MonkeyPatch
) -> None:
    beats(worker_age=1.0, beat_age=1.0)

    def refuse() -> dict[str, Any]:
        raise OSError("database is gone")

    monkeypatch.setattr(health, "_database", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["status"] == "down"
    assert "database is gone" in response.json()["database"]["error"]


def test_staff_detail_connects_to_the_broker_and_pings_the_workers(
    client: Client, broker: BrokerCalls, staff_user: Any
) -> None:
    beats(worker_age=1.0, beat_age=1.0)
    client.force_login(staff_user)
    body = client.get("/healthz?detail=1").json()
    assert broker.calls == ["connection", "inspect"]
    assert body["worker"]["ok"] and body["worker"]["count"] == 1
    assert body["broker"]["ok"] is False  # the stand-in refuses the connection
    assert body["status"] == "degraded"


def test_manage_py_health_is_the_detailed_check_with_an_exit_code(
    broker: BrokerCalls, capsys: pytest.CaptureFixture[str]
) -> None:
    beats(worker_age=1.0, beat_age=1.0)
    with pytest.raises(SystemExit) as exited:
        call_command("health")
    assert exited.value.code == 1  # the broker stand-in refuses: degraded
    report = json.loads(capsys.readouterr().out)
    assert report["worker"]["count"] == 1 and broker.calls == ["connection", "inspect"]
    broker.calls.clear()
    call_command("health", "--cheap")  # exit 0: nothing raised
    assert json.loads(capsys.readouterr().out)["status"] == "ok" and broker.calls == []


def test_a_worker_heartbeat_and_the_beat_task_write_what_healthz_reads(
    client: Client, broker: BrokerCalls
) -> None:
    assert client.get("/healthz").json()["status"] == "degraded"  # nothing written yet

    class Eventer:
        hostname = "celery@work-1"

    class Heart:  # what Celery's worker sends the signal as, every 2 s
        eventer = Eventer()

    heartbeat_sent.send(sender=Heart())
    beat_heartbeat.apply()
    body = client.get("/healthz").json()
    assert body["status"] == "ok", body
    assert body["worker"]["hostname"] == "celery@work-1" and body["worker"]["age_s"] < 1
    entry = settings.CELERY_BEAT_SCHEDULE["health-heartbeat"]
    assert entry["task"] == beat_heartbeat.name == "config.health.beat_heartbeat"


def test_in_process_tasks_need_no_heartbeat(client: Client, settings: Any) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = True  # no REDIS_URL: tasks run in the web process
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["worker"]["mode"] == "in-process"


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_is_seen_through_its_heartbeat(client: Client, tmp_path: Path) -> None:
    worker = Worker(tmp_path / "mail").start()
    try:
        deadline = time.monotonic() + 10
        body = client.get("/healthz").json()
        while not body["worker"]["ok"] and time.monotonic() < deadline:
            time.sleep(0.2)
            body = client.get("/healthz").json()
        assert body["worker"]["ok"] and body["worker"]["hostname"] == worker.name, body
        assert body["broker"]["ok"]
    finally:
        worker.stop()
