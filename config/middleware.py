"""Request guards that apply to every view."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from urllib.parse import unquote

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone

from config.api import PAYLOAD_TOO_LARGE_DETAIL, is_api_request, problem_response


class RejectNulBytesMiddleware:
    """Refuse a NUL byte in the path or query string with a 400.

    No URL of ours can contain one, and PostgreSQL refuses NUL in text, so a NUL that reached a
    lookup would otherwise surface as a 500 from the database.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        raw = request.path + "?" + request.META.get("QUERY_STRING", "")
        if "\x00" in raw or "\x00" in unquote(raw):
            detail = "The address contains a NUL character."
            if is_api_request(request):
                return problem_response(400, "bad_request", detail)
            return HttpResponseBadRequest(detail)
        return self.get_response(request)


def payload_too_large_response(request: HttpRequest) -> HttpResponse:
    """413: problem+json under /api/, the storefront's plain error page elsewhere."""
    if is_api_request(request):
        return problem_response(413, "payload_too_large", PAYLOAD_TOO_LARGE_DETAIL)
    return render(request, "413.html", status=413)


class RejectOversizedBodyMiddleware:
    """Refuse a body whose Content-Length is over DATA_UPLOAD_MAX_MEMORY_SIZE with a 413,
    before any view, CSRF check or parser reads it.

    Multipart bodies are let through: their files do not count against the limit (a product
    image may be larger), and Django raises RequestDataTooBig while parsing them if the other
    fields do, which the API's exception handler and `config.views.bad_request` answer with
    413 too. So do bodies sent without a Content-Length (chunked), which the parsers cap.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and not (request.content_type or "").startswith("multipart/"):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > limit:
                return payload_too_large_response(request)
        return self.get_response(request)


class ApiTimesInUtcMiddleware:
    """The API reads and writes times in UTC (`...Z`), as it always has; pages, emails and the
    admin show them in the shop's zone (TIME_ZONE, from SHOP_TIME_ZONE). A time zone's offset
    before railway time is not whole minutes (Los Angeles: -07:52:58), which RFC 3339 cannot
    express; UTC always can, and clients convert for display themselves."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_api_request(request):
            return self.get_response(request)
        with timezone.override(datetime.UTC):
            return self.get_response(request)
