"""Atomic counters in the cache (Redis in production, local memory in `make run`) for limits
that must hold across processes: failed promo codes, entries and sign-ups per client."""

from __future__ import annotations

from django.core.cache import cache


def counter_hit(key: str, *, window_seconds: int) -> int:
    """Count one more hit under `key` and return the count in the current window.

    `add` creates the key with its expiry only when missing and `incr` is atomic, so
    concurrent processes never lose a hit; a key that expired between the two is made again.
    """
    for _ in range(3):
        cache.add(key, 0, window_seconds)
        try:
            return int(cache.incr(key))
        except ValueError:  # expired between add and incr
            continue
    raise RuntimeError(f"the cache refuses to count {key}")
