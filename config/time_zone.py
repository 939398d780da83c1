"""The shop's local time zone (SHOP_TIME_ZONE): every time on pages, in emails and in the
admin is shown in it; stored times stay UTC, and reminders keep each recipient's own zone
(promotions/messaging/local_time.py)."""

from __future__ import annotations

import zoneinfo
from collections.abc import Mapping

from django.core.exceptions import ImproperlyConfigured

DEFAULT = "America/Los_Angeles"


def shop_time_zone(environ: Mapping[str, str]) -> str:
    """The configured IANA zone name; an unknown one stops the start."""
    name = environ.get("SHOP_TIME_ZONE", "").strip() or DEFAULT
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as error:
        message = f"SHOP_TIME_ZONE must be an IANA time zone, not {name!r}"
        raise ImproperlyConfigured(message) from error
    return name
