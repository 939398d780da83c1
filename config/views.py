"""Project-level views: health check and error pages that speak problem+json under /api/."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, requires_csrf_token

from config.api import UPLOAD_LIMIT_ERRORS, is_api_request, problem_response
from config.celery import app
from config.health import health_report
from config.middleware import payload_too_large_response


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Cheap for load balancers (database, cache, heartbeats: config/health.py); staff adding
    `?detail=1` also get the broker connection and a Celery ping, which may take a second."""
    detail = request.GET.get("detail") == "1" and bool(
        request.user.is_authenticated and request.user.is_staff
    )
    body, status = health_report(app=app if detail else None)
    return JsonResponse(body, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if isinstance(exception, UPLOAD_LIMIT_ERRORS):  # raised lazily by request.POST / .FILES
        return payload_too_large_response(request)
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
