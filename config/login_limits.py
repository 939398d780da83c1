"""Login limits: django-axes, with a limit per client and a limit per account.

Every login goes through `django.contrib.auth.authenticate` (the admin's form,
`/api/auth/token/`), where axes' backend refuses a locked client or account before any password
is checked, and its signal handler counts each failure here. In each LOGIN_FAILURE_WINDOW
(15 minutes) a client (`config.client.client_ip`) may fail LOGIN_FAILURES_PER_CLIENT times (30)
and an account LOGIN_FAILURES_PER_ACCOUNT times (10); the failure that reaches a limit, and
every attempt after it until the window ends, is answered 429: problem+json
`too_many_attempts` on the API, a "too many failed logins" page elsewhere (the admin's, or the
shop's on customers' sign-in pages).

A handler of our own (axes' documented AXES_HANDLER extension point) because axes applies one
AXES_FAILURE_LIMIT to every lockout parameter, and its cache handler names a counter by the
value alone (a username spelled like an address would share that client's counter). The
counters are the cache's atomic ones (`config.counters`): Redis in production, shared by every
process; the tests' cache is emptied before each test.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from axes.handlers.base import AbstractAxesHandler, AxesBaseHandler
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse

from config.api import is_api_request, problem_response
from config.counters import counter_hit

LOCKED_DETAIL = "Too many failed logins from your connection or for this account; try again later."


def _key(kind: str, value: str) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), value.encode(), hashlib.sha256)
    return f"login-failures:{kind}:{digest.hexdigest()[:32]}"


def login_name(request: Any, credentials: dict[str, Any] | None) -> str:
    """AXES_USERNAME_CALLABLE: the account a login names: a staff username (admin, token) or a
    customer's email (shop/accounts, already normalised: one mailbox, one counter)."""
    values = credentials if credentials is not None else getattr(request, "POST", {})
    return str(values.get("username") or values.get("email") or "")


def _limits(request: Any, credentials: dict[str, Any] | None) -> list[tuple[str, int]]:
    """The counters a login attempt counts on, each with its limit."""
    limits = [
        (_key("client", request.axes_ip_address or ""), int(settings.LOGIN_FAILURES_PER_CLIENT))
    ]
    username = login_name(request, credentials)
    if username:
        limits.append((_key("account", str(username)), int(settings.LOGIN_FAILURES_PER_ACCOUNT)))
    return limits


class LoginLimitsHandler(AbstractAxesHandler, AxesBaseHandler):  # type: ignore[misc]
    """axes' handler: failures counted per client and per account, each against its own limit."""

    def get_failures(self, request: Any, credentials: dict[str, Any] | None = None) -> int:
        return max(int(cache.get(key, 0)) for key, _ in _limits(request, credentials))

    def is_locked(self, request: Any, credentials: dict[str, Any] | None = None) -> bool:
        return any(int(cache.get(key, 0)) >= limit for key, limit in _limits(request, credentials))

    def user_login_failed(
        self, sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
    ) -> None:
        if request is None:
            return
        if request.axes_locked_out:
            # Refused by axes' backend before the password was checked: not another failure,
            # so the lock ends with the window that caused it.
            request.axes_credentials = credentials
            return
        if self.is_whitelisted(request, credentials):
            return
        window = int(settings.LOGIN_FAILURE_WINDOW)
        counts = [
            (counter_hit(key, window_seconds=window), limit)
            for key, limit in _limits(request, credentials)
        ]
        request.axes_failures_since_start = max(count for count, _ in counts)
        if any(count >= limit for count, limit in counts):
            request.axes_locked_out = True
            request.axes_credentials = credentials

    def user_logged_in(self, sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
        """A success does not reset the counters: one known password must not buy more guesses."""

    def user_logged_out(self, sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
        pass

    def reset_attempts(
        self,
        *,
        ip_address: str | None = None,
        username: str | None = None,
        ip_or_username: bool = False,
    ) -> int:
        """`manage.py axes_reset_ip` / `axes_reset_username`: lift a lock early."""
        keys = ([_key("client", ip_address)] if ip_address is not None else []) + (
            [_key("account", username)] if username is not None else []
        )
        return sum(1 for key in keys if cache.delete(key))


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: Any = None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: 429 with Retry-After (the whole window: an upper bound)."""
    if is_api_request(request):
        response: HttpResponse = problem_response(429, "too_many_attempts", LOCKED_DETAIL)
    else:
        # The admin's own page for the admin; the shop's for customers' sign-in pages.
        admin = request.path.startswith(reverse("admin:index"))
        response = TemplateResponse(
            request,
            "admin/login_locked.html" if admin else "account/login_locked.html",
            {
                "title": "Too many failed logins",
                "detail": LOCKED_DETAIL,
                "minutes": int(settings.LOGIN_FAILURE_WINDOW) // 60,
            },
            status=429,
        )
        response.render()
    response["Retry-After"] = str(int(settings.LOGIN_FAILURE_WINDOW))
    return response
