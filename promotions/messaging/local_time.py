"""Wall-clock arithmetic for reminders and quiet hours: local times in IANA zones to UTC instants,
DST-correct.

Pure functions over the standard library's zoneinfo; no Django. Every instant in and out is an
aware datetime; the database stores UTC.

The rules for the two awkward cases, chosen deliberately:

* A local time that does not exist on a day (the spring-forward gap: 02:30 on the last Sunday
  of March in Europe/Paris) is moved forward by the length of the gap, so a 02:30 reminder is
  sent at 03:30 that day: the moment the clock "would have shown" 02:30 had it not jumped.
  This is what PEP 495 calls fold=0 for a gap.
* A local time that happens twice (the fall-back overlap: 02:30 on the last Sunday of October)
  is used once, at its first occurrence (summer time, fold=0). A daily reminder never fires
  twice in one night and never skips the day.
"""

from __future__ import annotations

import functools
import re
import zoneinfo
from datetime import UTC, date, datetime, time, timedelta, tzinfo

TIME_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)(?::00)?$")


class InvalidTimezone(ValueError):
    pass


class InvalidLocalTime(ValueError):
    pass


@functools.cache
def available_timezones() -> frozenset[str]:
    """Every IANA key this machine (or the tzdata package) knows, without legacy aliases that
    name no place ("localtime", "Factory")."""
    return frozenset(
        key for key in zoneinfo.available_timezones() if key not in {"localtime", "Factory"}
    )


def timezone_parse(raw: object) -> zoneinfo.ZoneInfo:
    """An IANA zone ("Europe/Paris", "UTC") from user input, or InvalidTimezone. Only names in
    the tz database are accepted: never a path, never a POSIX TZ string."""
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidTimezone("Choose a time zone, like Europe/Paris or America/New_York.")
    key = raw.strip()
    if len(key) > 64 or key not in available_timezones():
        raise InvalidTimezone(
            f"{key[:64]!r} is not a time zone name; use one like Europe/Paris or America/Chicago."
        )
    return zoneinfo.ZoneInfo(key)


def local_time_parse(raw: object) -> time:
    """ "HH:MM" on a 24-hour clock (":00" seconds allowed), or InvalidLocalTime."""
    if isinstance(raw, time):
        return raw.replace(second=0, microsecond=0, tzinfo=None)
    if not isinstance(raw, str):
        raise InvalidLocalTime("Enter a time as HH:MM on a 24-hour clock, like 21:00.")
    match = TIME_RE.match(raw.strip())
    if match is None:
        raise InvalidLocalTime(
            f"{raw.strip()[:20]!r} is not a time; use HH:MM on a 24-hour clock, like 21:00."
        )
    return time(int(match.group(1)), int(match.group(2)))


def zone(key: str) -> zoneinfo.ZoneInfo:
    """A stored zone key as a ZoneInfo (stored keys were validated; UTC if one disappeared
    from the tz database since)."""
    try:
        return zoneinfo.ZoneInfo(key)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def at_local(day: date, local: time, tz: tzinfo) -> datetime:
    """The UTC instant at which the wall clock in `tz` shows `local` on `day` (the gap and the
    overlap resolved as the module docstring says)."""
    return datetime.combine(day, local, tzinfo=tz).replace(fold=0).astimezone(UTC)


def next_local(local: time, tz: tzinfo, *, after: datetime) -> datetime:
    """The first instant strictly after `after` at which the clock in `tz` shows `local` (UTC).

    Candidates are built from calendar dates (never by adding 24 hours), so a 21:00 reminder
    stays at 21:00 across a DST change.
    """
    start = after.astimezone(tz).date()
    for offset in range(-1, 3):
        candidate = at_local(start + timedelta(days=offset), local, tz)
        if candidate > after:
            return candidate
    raise AssertionError("unreachable: one of four consecutive days has the time")


def in_window(at: datetime, tz: tzinfo, start: time, end: time) -> bool:
    """Whether the wall clock in `tz` at instant `at` is in [start, end); windows that cross
    midnight (21:30–08:00) wrap."""
    local = at.astimezone(tz).time().replace(tzinfo=None)
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end


def quiet_shift(at: datetime, tz: tzinfo, start: time, end: time) -> datetime:
    """`at` itself when it is outside the quiet window in `tz`, else the end of that window (the
    next `end` on the local clock): quiet hours delay a message, they never drop it."""
    if not in_window(at, tz, start, end):
        return at
    return next_local(end, tz, after=at)


def local_date_of(at: datetime, tz: tzinfo) -> date:
    return at.astimezone(tz).date()
