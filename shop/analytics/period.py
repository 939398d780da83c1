"""The date range a report covers: whole days in the shop's time zone, and the one before it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from config.errors import InvalidInput

MAX_DAYS = 3 * 366  # about three years: a longer range is a mistake, not a report
# Dates outside these cannot be orders' (and keep the previous period's arithmetic in range).
EARLIEST = date(1970, 1, 1)
LATEST = date(9000, 12, 31)
DEFAULT_DAYS = 30


class PeriodError(InvalidInput):
    """A date range the report cannot cover; `code` says which rule it breaks."""

    code = "invalid_period"
    title = "Invalid date range"


@dataclass(frozen=True)
class Period:
    """From `first` to `last`, both days included, in the shop's time zone."""

    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def start(self) -> datetime:
        """The first instant of `first` in the shop's time zone (aware)."""
        return _midnight(self.first)

    @property
    def end(self) -> datetime:
        """The first instant after `last` (exclusive)."""
        return _midnight(self.last + timedelta(days=1))

    def previous(self) -> Period:
        """The period of equal length just before this one."""
        return Period(self.first - timedelta(days=self.days), self.first - timedelta(days=1))

    def day_list(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range(self.days)]


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_default_timezone())


def shop_today() -> date:
    return timezone.localtime(timezone.now(), timezone.get_default_timezone()).date()


def _parse_day(name: str, raw: str) -> date:
    try:
        day = date.fromisoformat(raw.strip())
    except ValueError:
        day = None
    if day is None or not EARLIEST <= day <= LATEST:
        raise PeriodError(
            f"{name} must be a date as YYYY-MM-DD, not {raw[:40]!r}.",
            errors={name: ["Enter a date as YYYY-MM-DD."]},
            code="invalid_date",
        )
    return day


def period_parse(*, first: str | None, last: str | None, today: date | None = None) -> Period:
    """The period `from`..`to` (YYYY-MM-DD, inclusive). Missing `to`: today; missing `from`: the
    30 days ending at `to`. Raises PeriodError (400) with a stable code: invalid_date,
    period_reversed (from after to) or period_too_long (over MAX_DAYS days)."""
    today = today or shop_today()
    last_day = _parse_day("to", last) if last and last.strip() else today
    if first and first.strip():
        first_day = _parse_day("from", first)
    else:
        first_day = last_day - timedelta(days=DEFAULT_DAYS - 1)
    if first_day > last_day:
        raise PeriodError(
            f"from ({first_day}) is after to ({last_day}).",
            errors={"from": ["The start must not be after the end."]},
            code="period_reversed",
        )
    period = Period(first_day, last_day)
    if period.days > MAX_DAYS:
        raise PeriodError(
            f"The range covers {period.days} days; at most {MAX_DAYS} are allowed.",
            errors={"from": [f"Choose a range of at most {MAX_DAYS} days."]},
            code="period_too_long",
        )
    return period
