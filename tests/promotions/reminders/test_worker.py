"""Due reminders through the outbox and a real Celery worker on Redis and PostgreSQL: each one
delivered exactly once, and a Redis that is down at hand-off or restarted mid-run loses
nothing and duplicates nothing.

This process plays beat (it runs the sweeps); the worker is a subprocess (tests/workers.py).
The restart test uses a redis-server of its own on a free port, killed with -9 and started
again empty, as a Redis without persistence comes back from a crash.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import time, timedelta
from pathlib import Path

import pytest
from django.test import override_settings
from django.utils import timezone

from config.celery import app as celery_app
from promotions.messaging import tasks as outbox_tasks
from promotions.messaging.models import OutboxMessage
from promotions.reminders import outcomes
from promotions.reminders import sweep as reminders
from promotions.reminders.models import Reminder, ReplenishmentItem, Subscription
from tests.factories import ProductFactory
from tests.workers import PrivateRedis, Worker, broker, deliveries, wait_for

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("celery-workers"),  # one such test at a time: see tests/conftest.py
]


def due_reminders(routine: int, replenish: int = 0) -> list[int]:
    """`routine` evening reminders and `replenish` replenishment reminders, each for its own
    confirmed subscriber, all due a minute ago."""
    now = timezone.now()
    people = [f"r{i}@example.com" for i in range(routine)]
    buyers = [f"b{i}@example.com" for i in range(replenish)]
    Subscription.objects.bulk_create(
        [
            Subscription(
                email=e,
                email_normalized=e,
                kind="routine_evening",
                local_time=time(21),
                timezone="UTC",
                confirmed_at=now,
            )
            for e in people
        ]
        + [
            Subscription(
                email=e,
                email_normalized=e,
                kind="replenish",
                local_time=time(10),
                timezone="UTC",
                confirmed_at=now,
            )
            for e in buyers
        ]
    )
    due = now - timedelta(minutes=1)
    subscriptions = {s.email: s for s in Subscription.objects.all()}
    Reminder.objects.bulk_create(
        Reminder(
            kind="routine_evening",
            key=f"routine_evening:{subscriptions[e].pk}:x",
            subscription=subscriptions[e],
            email=e,
            email_normalized=e,
            due_at=due,
        )
        for e in people
    )
    if buyers:
        product = ProductFactory(name="Citrus Facial Wash")
        rows = Reminder.objects.bulk_create(
            Reminder(
                kind="replenish",
                key=f"replenish:{e}:x",
                email=e,
                email_normalized=e,
                due_at=due,
                payload={"date": due.date().isoformat(), "products": [product.pk]},
            )
            for e in buyers
        )
        by_email = {row.email: row for row in Reminder.objects.filter(kind="replenish")}
        ReplenishmentItem.objects.bulk_create(
            ReplenishmentItem(
                email=e,
                email_normalized=e,
                product=product,
                quantity=1,
                runs_out_on=due.date() + timedelta(days=7),
                remind_on=due.date(),
                reminder=by_email[e],
            )
            for e in buyers
        )
        assert len(rows) == replenish
    return list(Reminder.objects.values_list("pk", flat=True))


def states() -> dict[str, int]:
    return dict(Counter(OutboxMessage.objects.values_list("state", flat=True)))


def assert_each_reminder_delivered_once(mail_dir: Path, reminder_ids: list[int]) -> None:
    counts = deliveries(mail_dir)
    handed = dict(
        Reminder.objects.filter(pk__in=reminder_ids).values_list("pk", "outbox_message_id")
    )
    assert None not in handed.values(), "a reminder was never handed to the outbox"
    assert len(set(handed.values())) == len(reminder_ids)  # one email per reminder
    missing = set(handed.values()) - set(counts)
    assert not missing, f"lost {len(missing)}"
    repeated = {k: v for k, v in counts.items() if v > 1}
    assert not repeated, f"sent twice: {list(repeated)[:10]}"
    outcomes.reminders_sync()
    assert Counter(
        Reminder.objects.filter(pk__in=reminder_ids).values_list("state", flat=True)
    ) == {"sent": len(reminder_ids)}


@pytest.fixture
def worker_cleanup() -> Iterator[list[Worker]]:
    started: list[Worker] = []
    yield started
    for worker in started:
        worker.stop()


@override_settings(MARKETING_QUIET_HOURS="")
def test_due_reminders_flow_through_the_outbox_exactly_once(
    tmp_path: Path, worker_cleanup: list[Worker]
) -> None:
    celery_app.control.purge()
    mail_dir = tmp_path / "mail"
    # Quiet hours follow the wall clock; this test must not depend on the hour it runs at.
    worker_cleanup.append(Worker(mail_dir, MARKETING_QUIET_HOURS="").start())
    ids = due_reminders(routine=300, replenish=100)
    report = reminders.reminders_sweep()  # beat's minute
    assert report.queued == 400
    wait_for(
        lambda: OutboxMessage.objects.filter(state="sent").count() >= 400,
        timeout=120,
        describe=lambda: str(states()),
    )
    assert_each_reminder_delivered_once(mail_dir, ids)
    # The next minutes' sweeps find nothing new to send, and next evenings are scheduled.
    for _ in range(3):
        again = reminders.reminders_sweep()
        assert again.queued == 0
        outbox_tasks.outbox_sweep()
    assert Reminder.objects.filter(state="pending", kind="routine_evening").count() == 300
    assert sum(deliveries(mail_dir).values()) == 400


@override_settings(MARKETING_QUIET_HOURS="", OUTBOX_REDISPATCH_SECONDS=1)
def test_a_redis_down_at_hand_off_and_restarted_mid_run_loses_and_repeats_nothing(
    tmp_path: Path, worker_cleanup: list[Worker]
) -> None:
    redis = PrivateRedis().start()
    try:
        with broker(celery_app, redis.url):
            mail_dir = tmp_path / "mail"
            worker_cleanup.append(
                Worker(
                    mail_dir,
                    REDIS_URL=redis.url,
                    MARKETING_QUIET_HOURS="",
                    SEND_DELAY_SECONDS="0.01",
                ).start()
            )
            ids = due_reminders(routine=450, replenish=150)
            # Redis is down when beat hands the reminders over: the rows are written, the
            # send tasks cannot be queued.
            redis.stop()
            report = reminders.reminders_sweep()
            assert report.queued == 600
            assert states() == {"pending": 600}
            # Redis is back (empty): the outbox sweep queues what never reached it.
            redis.start()
            outbox_tasks.outbox_sweep(now=timezone.now() + timedelta(seconds=2))
            wait_for(
                lambda: OutboxMessage.objects.filter(state="sent").count() >= 150,
                timeout=60,
                describe=lambda: str(states()),
            )
            # Mid-run, Redis dies and comes back empty: every queued task is lost.
            sent_before = OutboxMessage.objects.filter(state="sent").count()
            redis.restart()
            assert sent_before < 600, "the run finished before the restart; slow it down"
            wait_for(
                lambda: OutboxMessage.objects.filter(state="sent").count() >= 600,
                timeout=180,
                every=lambda: (reminders.reminders_sweep(), outbox_tasks.outbox_sweep()),
                describe=lambda: str(states()),
            )
            assert_each_reminder_delivered_once(mail_dir, ids)
            print(f"\nrestarted Redis with {600 - sent_before} of 600 still to send")
    finally:
        for worker in worker_cleanup:
            worker.stop()
        worker_cleanup.clear()
        redis.stop()
