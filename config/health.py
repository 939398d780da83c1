"""Health: the cheap checks a load balancer calls every second, and the detailed ones for people.

The cheap check (`GET /healthz`) asks only the database (`SELECT 1`) and the cache (a set and a
get) and reads two heartbeats from the cache; it never talks to the broker, so it answers in
the time of those two round trips whatever the workers are doing. The heartbeats:

- `worker`: every Celery worker writes the time on each of its event heartbeats (Celery's
  `heartbeat_sent` signal, every 2 s). The worker's consumer sends them only while it holds a
  broker connection (losing it stops them until it reconnects), so a fresh one says a worker
  is running and connected to the broker. No extra process, task or queue traffic: the
  heartbeat Celery already keeps. A worker started with `--without-heartbeat` writes none.
- `beat`: beat queues `config.health.beat_heartbeat` every `HEALTH_BEAT_INTERVAL` seconds and a
  worker runs it, so a fresh one says beat is scheduling and its tasks reach a worker through
  the queue (a backlog longer than the stale window shows here too).

A heartbeat older than its stale window (`HEALTH_WORKER_STALE_SECONDS`,
`HEALTH_BEAT_STALE_SECONDS`), or none at all, is not ok: the status is then `degraded` (200),
never `down`, which only a failing database or cache makes (503): web nodes keep serving
pages while the workers are away.

The detailed check (`/healthz?detail=1` for staff, `manage.py health`) adds what may block
for a second: a broker connection and a Celery ping that counts the workers answering.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection

WORKER_KEY = "health:heartbeat:worker"
BEAT_KEY = "health:heartbeat:beat"
PING_TIMEOUT = 1.0


def heartbeat_write(key: str, **about: Any) -> None:
    """Record that now, something (a worker, beat) was alive; kept 10 stale windows long."""
    keep = 10 * max(settings.HEALTH_WORKER_STALE_SECONDS, settings.HEALTH_BEAT_STALE_SECONDS)
    cache.set(key, {"at": time.time(), **about}, keep)


def _check(fn: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        detail = fn()
        ok = bool(detail.pop("ok", True))
    except Exception as exc:  # health must report, never raise
        detail, ok = {"error": f"{type(exc).__name__}: {exc}"[:300]}, False
    return {"ok": ok, "ms": round((time.perf_counter() - started) * 1000, 1), **detail}


def _database() -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"vendor": connection.vendor}


def _cache() -> dict[str, Any]:
    key = "healthz:probe"
    cache.set(key, "1", 10)
    if cache.get(key) != "1":
        raise RuntimeError("cache did not return what was stored")
    return {"backend": settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]}


def _heartbeat(key: str, stale_after: float, who: str) -> dict[str, Any]:
    """Age of the last heartbeat (read from the cache, never a broker call)."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"mode": "in-process"}
    beat = cache.get(key)
    if not isinstance(beat, dict) or "at" not in beat:
        return {"ok": False, "mode": "heartbeat", "age_s": None, "error": f"no {who} heartbeat"}
    age = round(max(0.0, time.time() - float(beat["at"])), 1)
    answer = {"mode": "heartbeat", "age_s": age, "stale_after_s": stale_after}
    answer.update({k: v for k, v in beat.items() if k != "at"})
    if age > stale_after:
        return {"ok": False, **answer, "error": f"last {who} heartbeat {age:.0f} s ago"}
    return answer


def _worker_heartbeat() -> dict[str, Any]:
    return _heartbeat(WORKER_KEY, settings.HEALTH_WORKER_STALE_SECONDS, "worker")


def _beat_heartbeat() -> dict[str, Any]:
    return _heartbeat(BEAT_KEY, settings.HEALTH_BEAT_STALE_SECONDS, "beat")


def _broker_from_heartbeat() -> dict[str, Any]:
    """The broker as the workers see it: their heartbeat stops while they have lost it."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"mode": "in-process"}
    worker = _worker_heartbeat()
    return {"ok": worker.get("ok", True), "mode": "redis", "source": "worker heartbeat"}


def _broker_connect(app: Any) -> Callable[[], dict[str, Any]]:
    def check() -> dict[str, Any]:
        if settings.CELERY_TASK_ALWAYS_EAGER:
            return {"mode": "in-process"}
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return {"mode": "redis", "source": "connection"}

    return check


def _worker_ping(app: Any) -> Callable[[], dict[str, Any]]:
    def check() -> dict[str, Any]:
        answer = _worker_heartbeat()
        if settings.CELERY_TASK_ALWAYS_EAGER:
            return {**answer, "count": 0}
        replies = app.control.inspect(timeout=PING_TIMEOUT).ping() or {}
        if not replies:
            return {**answer, "ok": False, "error": "no Celery worker answered a ping in 1 s"}
        return {**answer, "ok": True, "count": len(replies), "error": None}

    return check


def health_report(*, app: Any = None) -> tuple[dict[str, Any], int]:
    """(body, HTTP status). Without `app` only the cheap checks run; with the Celery app, the
    broker is connected to and the workers are pinged (up to a second)."""
    checks = {
        "database": _check(_database),
        "cache": _check(_cache),
        "broker": _check(_broker_from_heartbeat if app is None else _broker_connect(app)),
        "worker": _check(_worker_heartbeat if app is None else _worker_ping(app)),
        "beat": _check(_beat_heartbeat),
    }
    for check in checks.values():
        if check.get("error") is None:
            check.pop("error", None)
    essential_ok = checks["database"]["ok"] and checks["cache"]["ok"]
    if not essential_ok:
        status = "down"
    else:
        status = "ok" if all(c["ok"] for c in checks.values()) else "degraded"
    return {"status": status, **checks}, 200 if essential_ok else 503
