"""Atomic counters in the cache (Redis in production, local memory in `make run`) for limits
that must hold across processes: failed promo codes, entries and sign-ups per client.

On Redis each operation is one round trip: a small Lua script runs atomically on the server
(`INCR`, then `EXPIRE` when the key was just made; `DECR` only when the key still exists).
Through Django's cache API the same hit took three round trips (`add`, then `incr`, which
checks that the key exists first) and a give-back two. Other caches use that API.
"""

from __future__ import annotations

import contextlib
from typing import Any

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

_HIT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""
_GIVE_BACK = """
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('DECR', KEYS[1]) end
return false
"""


def _redis(key: str) -> tuple[Any, str] | None:
    """The Redis client and the full key, when the default cache is Redis."""
    cache = caches["default"]
    if not isinstance(cache, RedisCache):
        return None
    full = cache.make_and_validate_key(key)
    return cache._cache.get_client(full, write=True), full


def counter_hit(key: str, *, window_seconds: int) -> int:
    """Count one more hit under `key` and return the count in the current window.

    The first hit creates the key with its expiry; concurrent processes never lose a hit.
    """
    redis = _redis(key)
    if redis is not None:
        client, full = redis
        return int(client.eval(_HIT, 1, full, int(window_seconds)))
    cache = caches["default"]
    for _ in range(3):
        cache.add(key, 0, window_seconds)
        try:
            return int(cache.incr(key))
        except ValueError:  # expired between add and incr
            continue
    raise RuntimeError(f"the cache refuses to count {key}")


def counter_give_back(key: str) -> None:
    """Take one hit back, unless the window (the key) has ended meanwhile."""
    redis = _redis(key)
    if redis is not None:
        client, full = redis
        client.eval(_GIVE_BACK, 1, full)
        return
    with contextlib.suppress(ValueError):  # the window ended: nothing left to give back
        caches["default"].decr(key)
