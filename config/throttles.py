"""The API's rate limits: one base throttle keyed on `config.client.client_ip` (never on a header
the client chose), the anonymous and signed-in rates every view gets by default, and the
scopes of the endpoints that have their own (token, giveaway entries, reminder sign-ups)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from rest_framework import throttling
from rest_framework.settings import api_settings

from config.client import client_ip


class ClientRateThrottle(throttling.SimpleRateThrottle):
    """A rate per client (`config.client.client_ip`, never a header the client chose), signed in
    or not; a subclass names its `scope` in REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]. The rate
    is read at each request, not once at import, so a settings override takes effect."""

    def get_rate(self) -> str | None:
        rates = api_settings.DEFAULT_THROTTLE_RATES
        if self.scope is None or self.scope not in rates:
            raise ImproperlyConfigured(f"No throttle rate for the scope {self.scope!r}")
        rate = rates[self.scope]
        return None if rate is None else str(rate)

    def get_ident(self, request: Any) -> str:
        return client_ip(request)

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class AnonThrottle(ClientRateThrottle):
    """Every API request of an anonymous client (THROTTLE_ANON)."""

    scope = "anon"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        if request.user and request.user.is_authenticated:
            return None
        return super().get_cache_key(request, view)


class UserThrottle(ClientRateThrottle):
    """Every API request of a signed-in user, whichever address it comes from (THROTTLE_USER)."""

    scope = "user"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        if not (request.user and request.user.is_authenticated):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}
