"""The outbox's policy, read from settings at call time: leases, retries, chunks, and the
marketing cap and quiet hours."""

from __future__ import annotations

from datetime import time, timedelta

from django.conf import settings

from promotions.messaging import local_time


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def lease_seconds() -> int:
    return _setting("OUTBOX_LEASE_SECONDS", 300)


def max_attempts() -> int:
    return _setting("OUTBOX_MAX_ATTEMPTS", 8)


def backoff_base_seconds() -> int:
    return _setting("OUTBOX_BACKOFF_SECONDS", 60)


def redispatch_seconds() -> int:
    return _setting("OUTBOX_REDISPATCH_SECONDS", 600)


def chunk_size() -> int:
    return _setting("OUTBOX_CHUNK_SIZE", 100)


def marketing_cap() -> timedelta:
    """The per-recipient marketing cap window (0: no cap)."""
    return timedelta(hours=float(getattr(settings, "MARKETING_CAP_HOURS", 16)))


def quiet_hours() -> tuple[time, time] | None:
    """The recipient-local window in which marketing waits ("21:30-08:00"); "" turns it off."""
    raw = str(getattr(settings, "MARKETING_QUIET_HOURS", "21:30-08:00")).strip()
    if not raw:
        return None
    start, _, end = raw.partition("-")
    return local_time.local_time_parse(start), local_time.local_time_parse(end)
