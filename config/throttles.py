"""The API's rate limits: one base throttle keyed on `config.client.client_ip` (never on a header
the client chose), the anonymous and signed-in rates every view gets by default, and the
scopes of the endpoints that have their own (token, giveaway entries, reminder sign-ups).

On Redis a request's check is one script call (`WINDOW`) on a client kept for the process,
where DRF's throttle makes two cache calls (read the history, write it back), each building a
new redis-py client through Django's RedisCache: half the throttle's CPU per API request. The
script also makes the check atomic, so requests of one client racing on several web processes
can no longer each read the same history and all pass. Same rule as DRF's: at most N requests
in any window of the rate's length, refused ones not counted."""

from __future__ import annotations

import functools
import uuid
from typing import Any

import redis
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from rest_framework import throttling
from rest_framework.settings import api_settings

from config.client import client_ip

# KEYS[1]: the client's sorted set of request times; ARGV: now, window (s), limit, a unique
# member. Drops the times out of the window; under the limit, adds now. Returns
# {allowed (1/0), requests in the window, the oldest time in it (a string: Lua would round a
# number)}.
WINDOW = """
local now, window, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
if count >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {0, count, oldest[2]}
end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('EXPIRE', KEYS[1], math.ceil(window))
return {1, count + 1, ARGV[1]}
"""


@functools.cache
def window_script() -> Any:
    """The WINDOW script on this process's client (a connection pool of its own), or None
    without Redis (the cache is then local memory, and DRF's own check is used)."""
    if not settings.REDIS_URL:
        return None
    return redis.Redis.from_url(settings.REDIS_URL).register_script(WINDOW)


class ClientRateThrottle(throttling.SimpleRateThrottle):
    """A rate per client (`config.client.client_ip`, never a header the client chose), signed in
    or not; a subclass names its `scope` in REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]. The rate
    is read at each request, not once at import, so a settings override takes effect."""

    num_requests: int  # set by DRF from the rate
    duration: int
    count = 0  # requests in the window, as the Redis script saw it
    oldest: float | None = None  # the oldest of them (None: DRF's own check ran)

    def get_rate(self) -> str | None:
        rates = api_settings.DEFAULT_THROTTLE_RATES
        if self.scope is None or self.scope not in rates:
            raise ImproperlyConfigured(f"No throttle rate for the scope {self.scope!r}")
        rate = rates[self.scope]
        return None if rate is None else str(rate)

    def get_ident(self, request: Any) -> str:
        return client_ip(request)

    def allow_request(self, request: Any, view: Any) -> bool:
        script = window_script()
        if script is None or self.rate is None:
            return bool(super().allow_request(request, view))
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        allowed, self.count, oldest = script(
            keys=[cache.make_key(f"window:{self.key}")],  # never DRF's key: another type
            args=[repr(self.now), self.duration, self.num_requests, uuid.uuid4().hex],
        )
        self.oldest = float(oldest)
        return bool(allowed)

    def wait(self) -> float | None:
        """As DRF's: the rest of the oldest request's window over the requests left (one,
        once refused); DRF's own when its check ran."""
        if self.oldest is None:
            return super().wait()
        available = self.num_requests - self.count + 1
        if available <= 0:
            return None
        return float(self.duration - (self.now - self.oldest)) / available

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
