"""Refuse TRACE, and every method no view of ours serves, with a 405 before any view runs.

Django's function views answer whatever method reaches them, so `TRACE /` used to render the
home page (200) and `TRACE /api/steps/` was judged by the API's permissions (401). Here every
path answers such a method with 405 and an `Allow` header: problem+json `method_not_allowed`
under /api/ (and /healthz), a short plain-text page elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.urls import Resolver404, resolve

from config.api import is_api_request, problem_response

# What any view of ours may serve; TRACE, TRACK, CONNECT and made-up methods are not in it.
SERVED_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# The storefront's function views read with GET (HEAD) and take their forms by POST.
PAGE_METHODS = ("GET", "HEAD", "POST")


def allowed_methods(request: HttpRequest) -> list[str]:
    """The methods the view at the request's path serves: a class-based view (every API view)
    says so itself; a function view gets `PAGE_METHODS`."""
    try:
        view_class = getattr(resolve(request.path_info).func, "view_class", None)
    except Resolver404:
        view_class = None
    if view_class is None:
        return list(PAGE_METHODS)
    view = view_class()
    view.setup(request)  # as as_view() does: a view with get() serves HEAD too
    return [m for m in view._allowed_methods() if m in SERVED_METHODS]


class RefuseUnservedMethodsMiddleware:
    """405 for TRACE and any other method outside `SERVED_METHODS`, on every path."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        method = request.method or ""
        if method in SERVED_METHODS:
            return self.get_response(request)
        allowed = allowed_methods(request)
        if is_api_request(request):
            detail = f'Method "{method[:20]}" not allowed.'
            response: HttpResponse = problem_response(405, "method_not_allowed", detail)
            response["Allow"] = ", ".join(allowed)
            return response
        response = HttpResponseNotAllowed(allowed, "Method not allowed.\n")
        response["Content-Type"] = "text/plain; charset=utf-8"
        return response
