"""Local reminder times to UTC: DST-correct, with the gap and the overlap handled on purpose."""

from __future__ import annotations

import itertools
import zoneinfo
from datetime import UTC, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from promotions.messaging import local_time as rt

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
SYDNEY = zoneinfo.ZoneInfo("Australia/Sydney")
NINE_PM = time(21, 0)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_a_paris_evening_reminder_is_at_20_utc_in_winter_and_19_utc_in_summer() -> None:
    assert rt.next_local(NINE_PM, PARIS, after=utc(2025, 1, 15, 12)) == utc(2025, 1, 15, 20)
    assert rt.next_local(NINE_PM, PARIS, after=utc(2025, 7, 15, 12)) == utc(2025, 7, 15, 19)


def _daily(local: time, tz: zoneinfo.ZoneInfo, start: datetime, days: int) -> list[datetime]:
    out, after = [], start
    for _ in range(days):
        after = rt.next_local(local, tz, after=after)
        out.append(after)
    return out


def test_21_00_stays_21_00_local_across_the_spring_change() -> None:
    # Clocks go forward at 02:00 on Sunday 30 March 2025 in Paris.
    days = _daily(NINE_PM, PARIS, utc(2025, 3, 27, 12), 5)
    assert days == [
        utc(2025, 3, 27, 20),
        utc(2025, 3, 28, 20),
        utc(2025, 3, 29, 20),
        utc(2025, 3, 30, 19),
        utc(2025, 3, 31, 19),
    ]
    assert {d.astimezone(PARIS).time() for d in days} == {NINE_PM}
    assert [b - a for a, b in itertools.pairwise(days)][2] == timedelta(hours=23)


def test_21_00_stays_21_00_local_across_the_autumn_change() -> None:
    # Clocks go back at 03:00 on Sunday 26 October 2025 in Paris.
    days = _daily(NINE_PM, PARIS, utc(2025, 10, 24, 12), 4)
    assert days == [
        utc(2025, 10, 24, 19),
        utc(2025, 10, 25, 19),
        utc(2025, 10, 26, 20),
        utc(2025, 10, 27, 20),
    ]
    assert {d.astimezone(PARIS).time() for d in days} == {NINE_PM}
    assert days[2] - days[1] == timedelta(hours=25)


def test_a_time_in_the_spring_gap_moves_forward_by_the_gap() -> None:
    # 02:30 does not exist on 30 March 2025 in Paris: sent at 03:30 CEST (01:30 UTC).
    due = rt.next_local(time(2, 30), PARIS, after=utc(2025, 3, 29, 12))
    assert due == utc(2025, 3, 30, 1, 30)
    assert due.astimezone(PARIS).time() == time(3, 30)
    # The next day it is 02:30 again.
    assert rt.next_local(time(2, 30), PARIS, after=due) == utc(2025, 3, 31, 0, 30)


def test_a_time_in_the_autumn_overlap_is_used_once_at_its_first_occurrence() -> None:
    # 02:30 happens twice on 26 October 2025 in Paris: 00:30 UTC (CEST) and 01:30 UTC (CET).
    first = rt.next_local(time(2, 30), PARIS, after=utc(2025, 10, 25, 12))
    assert first == utc(2025, 10, 26, 0, 30)
    following = rt.next_local(time(2, 30), PARIS, after=first)
    assert following == utc(2025, 10, 27, 1, 30)  # not the second 02:30 an hour later


def test_other_hemispheres_and_continents() -> None:
    # New York springs forward on 9 March 2025; Sydney falls back on 6 April 2025.
    assert _daily(time(7, 30), NEW_YORK, utc(2025, 3, 8, 0), 2) == [
        utc(2025, 3, 8, 12, 30),
        utc(2025, 3, 9, 11, 30),
    ]
    assert _daily(NINE_PM, SYDNEY, utc(2025, 4, 4, 0), 3) == [
        utc(2025, 4, 4, 10),
        utc(2025, 4, 5, 10),
        utc(2025, 4, 6, 11),
    ]


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        (datetime(2025, 1, 15, 21, 29), None),
        (datetime(2025, 1, 15, 21, 30), datetime(2025, 1, 16, 8, 0)),
        (datetime(2025, 1, 15, 23, 0), datetime(2025, 1, 16, 8, 0)),
        (datetime(2025, 1, 16, 3, 0), datetime(2025, 1, 16, 8, 0)),
        (datetime(2025, 1, 16, 7, 59), datetime(2025, 1, 16, 8, 0)),
        (datetime(2025, 1, 16, 8, 0), None),
        (datetime(2025, 1, 16, 12, 0), None),
        # The night the clocks go forward is an hour shorter, and still ends at 08:00 local.
        (datetime(2025, 3, 29, 23, 0), datetime(2025, 3, 30, 8, 0)),
    ],
)
def test_quiet_hours_delay_to_eight_in_the_morning_local(
    local: datetime, expected: datetime | None
) -> None:
    at = local.replace(tzinfo=PARIS).astimezone(UTC)
    shifted = rt.quiet_shift(at, PARIS, time(21, 30), time(8, 0))
    if expected is None:
        assert shifted == at
    else:
        assert shifted.astimezone(PARIS).replace(tzinfo=None) == expected


def test_a_quiet_window_that_does_not_cross_midnight() -> None:
    at = datetime(2025, 1, 15, 13, 0, tzinfo=PARIS)
    assert rt.in_window(at, PARIS, time(12, 0), time(14, 0))
    assert not rt.in_window(at, PARIS, time(14, 0), time(16, 0))
    assert not rt.in_window(at, PARIS, time(9, 0), time(9, 0))


@pytest.mark.parametrize("good", ["Europe/Paris", "America/New_York", "UTC", " Asia/Tokyo "])
def test_time_zones_are_iana_names(good: str) -> None:
    assert rt.timezone_parse(good).key == good.strip()


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "  ",
        None,
        5,
        "Mars/Olympus",
        "../../etc/passwd",
        "/usr/share/zoneinfo/UTC",
        "localtime",
        "Factory",
        "EST5EDT,M3.2.0,M11.1.0",
        "europe/paris",
        "x" * 300,
        ["UTC"],
    ],
)
def test_anything_else_is_refused_with_a_message(bad: object) -> None:
    with pytest.raises(rt.InvalidTimezone, match="time zone"):
        rt.timezone_parse(bad)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("21:00", time(21)), ("07:05", time(7, 5)), ("00:00", time(0)), ("23:59:00", time(23, 59))],
)
def test_local_times_are_24_hour_hh_mm(raw: str, expected: time) -> None:
    assert rt.local_time_parse(raw) == expected


@pytest.mark.parametrize("bad", ["24:00", "9:00", "21:60", "21:00:30", "9pm", "", 2100, None])
def test_other_times_are_refused_with_a_message(bad: object) -> None:
    with pytest.raises(rt.InvalidLocalTime, match="HH:MM"):
        rt.local_time_parse(bad)


ZONES = [
    "Europe/Paris",
    "America/New_York",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "America/Santiago",
    "Pacific/Chatham",
    "Europe/London",
    "UTC",
]


@settings(max_examples=400, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    hour=st.integers(0, 23),
    minute=st.integers(0, 59),
    after=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2037, 12, 31), timezones=st.just(UTC)
    ),
)
def test_the_next_occurrence_is_soon_after_and_at_the_local_time(
    zone: str, hour: int, minute: int, after: datetime
) -> None:
    tz = zoneinfo.ZoneInfo(zone)
    local = time(hour, minute)
    due = rt.next_local(local, tz, after=after)
    assert after < due <= after + timedelta(hours=27)
    shown = due.astimezone(tz)
    if shown.time() != local:
        # Only in a gap: then it is shifted forward by the gap (at most 2 hours here).
        wall = datetime.combine(shown.date(), local)
        assert wall < shown.replace(tzinfo=None) <= wall + timedelta(hours=2)
    # And no occurrence was skipped: the day before's was not after `after`.
    previous = rt.at_local(shown.date() - timedelta(days=1), local, tz)
    assert previous <= after
