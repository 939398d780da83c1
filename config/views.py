"""Project-level views: health check and error pages that speak problem+json under /api/."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, requires_csrf_token

from config.api import is_api_request, problem_response
from config.celery import app


def _check(fn: Any) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        detail = fn() or {}
        ok = True
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


def _broker() -> dict[str, Any]:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"mode": "in-process"}
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return {"mode": "redis"}


def _workers() -> dict[str, Any]:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"mode": "in-process", "count": 0}
    replies = app.control.inspect(timeout=1.0).ping() or {}
    if not replies:
        raise RuntimeError("no Celery worker answered within 1 s")
    return {"mode": "celery", "count": len(replies)}


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {
        "database": _check(_database),
        "cache": _check(_cache),
        "broker": _check(_broker),
        "worker": _check(_workers),
    }
    essential_ok = checks["database"]["ok"] and checks["cache"]["ok"]
    status = (
        "ok" if all(c["ok"] for c in checks.values()) else ("degraded" if essential_ok else "down")
    )
    return JsonResponse({"status": status, **checks}, status=200 if essential_ok else 503)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api_request(request):
        return problem_response(400, "bad_request", "The request could not be understood.")
    return render(request, "400.html", status=400)


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api_request(request):
        return problem_response(403, "permission_denied", "You may not do that.")
    return render(request, "403.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api_request(request):
        return problem_response(404, "not_found", f"Nothing at {request.path[:200]}.")
    return render(request, "404.html", status=404)


@csrf_exempt  # an unknown API path is a 404 for every method, not a CSRF failure
def api_not_found(request: HttpRequest) -> HttpResponse:
    return problem_response(404, "not_found", f"Nothing at {request.path[:200]}.")


def server_error(request: HttpRequest) -> HttpResponse:
    if is_api_request(request):
        return problem_response(500, "server_error", "Something went wrong on our side.")
    return render(request, "500.html", status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    if is_api_request(request):
        return problem_response(403, "csrf_failed", f"CSRF check failed: {reason}")
    return render(request, "403_csrf.html", {"reason": reason}, status=403)
