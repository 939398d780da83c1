"""`manage.py run_schedule`: beat's schedule run in process for the embedded shop (`make run`),
where no beat and no worker run: what beat would sweep gets done, on each entry's interval."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from celery.schedules import crontab
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from config.celery import app
from promotions.messaging.models import OutboxMessage
from promotions.messaging.services import email_enqueue
from shop.management.commands import run_schedule
from shop.management.commands.run_schedule import schedule_intervals, schedule_run_due

pytestmark = pytest.mark.django_db

SWEEP = "promotions.tasks.outbox_sweep"
HEARTBEAT = "config.health.beat_heartbeat"


@pytest.fixture
def embedded() -> Iterator[None]:
    """Tasks run inline, as `make run` runs them (no broker, no worker)."""
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = eager


def test_once_sends_an_email_that_came_due_with_no_worker_around(
    embedded: None, django_capture_on_commit_callbacks: Any
) -> None:
    later = timezone.now() + timedelta(hours=1)
    message = email_enqueue(
        purpose="reminder_manage",
        key="k1",
        recipient="jane@example.com",
        template="reminder_manage",
        context={},
        send_after=later,
    )
    message.refresh_from_db()
    assert message.state == OutboxMessage.State.PENDING and mail.outbox == []
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())  # 1 h on
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):  # the sweep queues after commit
        call_command("run_schedule", "--once", stdout=out)
    message.refresh_from_db()
    assert message.state == OutboxMessage.State.SENT
    assert [m.to for m in mail.outbox] == [["jane@example.com"]]
    assert "outbox-sweep: " in out.getvalue() and "'dispatched': 1" in out.getvalue()


def test_entries_run_on_their_own_intervals() -> None:
    schedule = {
        "often": {"task": HEARTBEAT, "schedule": 60.0},
        "hourly": {"task": HEARTBEAT, "schedule": timedelta(hours=1)},
    }
    intervals = schedule_intervals(schedule)
    assert intervals == {"often": 60.0, "hourly": 3600.0}
    next_at: dict[str, float] = {}
    schedule_run_due(schedule, intervals, next_at, 1000.0, print)
    assert next_at == {"often": 1060.0, "hourly": 4600.0}  # both ran at start
    schedule_run_due(schedule, intervals, next_at, 1030.0, print)
    assert next_at == {"often": 1060.0, "hourly": 4600.0}  # nothing due
    schedule_run_due(schedule, intervals, next_at, 1060.0, print)
    assert next_at == {"often": 1120.0, "hourly": 4600.0}


def test_a_failing_entry_is_reported_and_the_others_still_run(
    embedded: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("database away")

    monkeypatch.setattr(app.tasks[HEARTBEAT], "run", broken)
    schedule = {
        "broken": {"task": HEARTBEAT, "schedule": 60.0},
        "outbox": {"task": SWEEP, "schedule": 60.0},
    }
    said: list[str] = []
    next_at: dict[str, float] = {}
    failed = schedule_run_due(schedule, schedule_intervals(schedule), next_at, 0.0, said.append)
    assert failed == ["broken"]  # logged, with the error
    assert next_at == {"broken": 60.0, "outbox": 60.0}  # both ran, tried again at their turn
    assert said == []  # the sweep found nothing to do: nothing printed


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"task": HEARTBEAT, "schedule": crontab(minute=0)}, "only intervals in seconds"),
        ({"task": HEARTBEAT, "schedule": 0}, "only intervals in seconds"),
        ({"task": "nowhere.task", "schedule": 60.0}, "no task named nowhere.task"),
    ],
)
def test_an_entry_it_cannot_run_is_refused_up_front(
    settings: Any, entry: dict[str, Any], message: str
) -> None:
    settings.CELERY_BEAT_SCHEDULE = {"ours": entry}
    with pytest.raises(CommandError, match=message):
        call_command("run_schedule", "--once")


def test_the_shops_schedule_runs_here() -> None:
    from django.conf import settings

    intervals = schedule_intervals(settings.CELERY_BEAT_SCHEDULE)
    assert {"outbox-sweep", "reminders-sweep", "checkout-reservations-expire"} <= set(intervals)


def test_the_loop_sleeps_until_the_next_entry_and_renews_old_connections(
    embedded: None, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.CELERY_BEAT_SCHEDULE = {"often": {"task": HEARTBEAT, "schedule": 60.0}}
    runs: list[float] = []
    slept: list[float] = []
    closed: list[float] = []

    class Stop(Exception):
        pass

    class Clock:
        now = 1000.0

        def monotonic(self) -> float:
            return self.now

        def sleep(self, seconds: float) -> None:
            if len(slept) == 2:
                raise Stop
            slept.append(seconds)
            self.now += seconds

    clock = Clock()
    monkeypatch.setattr(run_schedule, "time", clock)
    monkeypatch.setattr(run_schedule, "close_old_connections", lambda: closed.append(clock.now))
    monkeypatch.setattr(app.tasks[HEARTBEAT], "run", lambda: runs.append(clock.now))
    with pytest.raises(Stop):
        call_command("run_schedule", stdout=io.StringIO())
    assert runs == [1000.0, 1060.0, 1120.0]
    assert slept == [60.0, 60.0]
    assert closed == [1060.0, 1120.0]  # after each sleep, before the entries run
