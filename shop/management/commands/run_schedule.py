"""`manage.py run_schedule`: beat's schedule run in this process, for the embedded shop.

`make run` serves the shop without Redis, Celery worker or beat (tasks run in process). Without
this command nothing would run the sweeps beat runs in production: routine and replenishment
reminders, the outbox's retries, giveaway draws and news, expired checkout reservations. It
reads `CELERY_BEAT_SCHEDULE`, runs every entry once at start and then on its interval, each in
this process (`Task.apply`), one after another; a failing run is logged and tried again at its
next turn. `--once` runs every entry once and exits. In production run `celery beat` and
workers instead (docs/OPERATIONS.md): this is one process, with no lock against a second copy.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections

from config.celery import app

logger = logging.getLogger(__name__)


def schedule_intervals(schedule: Mapping[str, Mapping[str, Any]]) -> dict[str, float]:
    """Each entry's interval in seconds; raises CommandError for one this command cannot run
    (a crontab, or a task no app defines)."""
    app.loader.import_default_modules()  # the apps' tasks modules (autodiscovery is lazy)
    intervals: dict[str, float] = {}
    for name, entry in schedule.items():
        every = entry["schedule"]
        if isinstance(every, timedelta):
            every = every.total_seconds()
        if not isinstance(every, int | float) or every <= 0:
            raise CommandError(f"{name}: only intervals in seconds run here, not {every!r}.")
        if entry["task"] not in app.tasks:
            raise CommandError(f"{name}: no task named {entry['task']}.")
        intervals[name] = float(every)
    return intervals


def schedule_run_due(
    schedule: Mapping[str, Mapping[str, Any]],
    intervals: Mapping[str, float],
    next_at: dict[str, float],
    now: float,
    report: Callable[[str], None],
) -> list[str]:
    """Run the entries due at `now` (monotonic seconds) and set when each is due again;
    returns the names of those that failed (logged, tried again at their next turn)."""
    failed: list[str] = []
    for name, every in intervals.items():
        if next_at.get(name, now) > now:
            continue
        next_at[name] = now + every
        entry = schedule[name]
        result = app.tasks[entry["task"]].apply(
            args=entry.get("args", ()), kwargs=entry.get("kwargs", {}), throw=False
        )
        if result.failed():
            logger.error("%s failed: %r; again in %.0f s", name, result.result, every)
            failed.append(name)
        elif _did_something(result.result):
            report(f"{name}: {result.result}")
    return failed


def _did_something(result: Any) -> bool:
    """A sweep's report worth printing: a count above 0, or a report with one."""
    if isinstance(result, Mapping):
        return any(isinstance(v, int | float) and v > 0 for v in result.values())
    return isinstance(result, int | float) and result > 0


class Command(BaseCommand):
    help = "Run CELERY_BEAT_SCHEDULE's tasks in this process on their intervals (make run)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="run every entry once and exit")

    def handle(self, *args: Any, **options: Any) -> None:
        schedule = settings.CELERY_BEAT_SCHEDULE
        intervals = schedule_intervals(schedule)
        # Celery says "Task ... succeeded" at INFO for every run: a line a sweep a minute. What
        # a sweep did is said below; a failure is still logged, by Celery and here.
        logging.getLogger("celery.app.trace").setLevel(logging.WARNING)
        self.stdout.write(f"run_schedule: {', '.join(intervals)} (beat's schedule, in process)")
        next_at: dict[str, float] = {}
        report = self.stdout.write
        while True:
            schedule_run_due(schedule, intervals, next_at, time.monotonic(), report)
            if options["once"]:
                return
            time.sleep(max(1.0, min(next_at.values()) - time.monotonic()))
            close_old_connections()  # as a worker does between tasks: none kept past its age
