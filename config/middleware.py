"""Request guards that apply to every view."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest

from config.api import is_api_request, problem_response


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
