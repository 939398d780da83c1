"""The reminders sweep with a controlled clock: DST, quiet hours, the cap, catch-up after an
outage, unsubscribe within the minute, giveaway news, and two sweepers racing on PostgreSQL.

Services take `now=`; emails are delivered with `deliver(now)` (the outbox's send path with
the same clock) instead of the commit callbacks, so nothing depends on the real time.
"""

from __future__ import annotations

import threading
import zoneinfo
from collections import Counter
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.utils import timezone

from promotions.messaging import consent, sending
from promotions.messaging import services as outbox
from promotions.messaging import tasks as outbox_tasks
from promotions.messaging.models import OutboxMessage, Suppression
from promotions.messaging.services import FanoutItem
from promotions.reminders import outcomes, scheduling, subscriptions
from promotions.reminders import sweep as reminders
from promotions.reminders.models import Reminder, Subscription
from tests.factories import EntryFactory, GiveawayFactory, SubscriptionFactory

pytestmark = pytest.mark.django_db

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS).astimezone(UTC)


def deliver(now: datetime) -> sending.SendReport:
    """What the workers would do at `now`: send every outbox row that is due."""
    ids = list(
        OutboxMessage.objects.filter(state="pending", next_attempt_at__lte=now).values_list(
            "pk", flat=True
        )
    )
    return sending.outbox_send_messages(message_ids=ids, now=now)


def sent_to(email: str) -> list[Any]:
    return [m for m in mail.outbox if m.to == [email]]


def evening(email: str = "jane@example.com", *, at: datetime, **extra: Any) -> Subscription:
    subscription = SubscriptionFactory(email=email, confirmed_at=at, **extra)
    scheduling.routine_schedule_next(subscription=subscription, now=at)
    return subscription


def pending_due(subscription: Subscription) -> datetime:
    return Reminder.objects.get(subscription=subscription, state="pending").due_at


# -- local time across DST ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        # Spring: clocks go forward on 30 March 2025.
        (utc(2025, 3, 27, 12), [20, 20, 20, 19, 19, 19]),
        # Autumn: clocks go back on 26 October 2025.
        (utc(2025, 10, 23, 12), [19, 19, 19, 20, 20, 20]),
    ],
)
def test_a_21_00_paris_evening_reminder_follows_the_clock_change(
    start: datetime, expected: list[int]
) -> None:
    subscription = evening(at=start)
    hours = []
    for _ in expected:
        due = pending_due(subscription)
        hours.append(due.hour)
        assert due.astimezone(PARIS).time() == time(21, 0)
        report = reminders.reminders_sweep(now=due)
        assert report.queued == 1
        deliver(due)
    assert hours == expected
    assert len(sent_to("jane@example.com")) == len(expected)
    outcomes.reminders_sync()  # each sweep also marks what the outbox sent by then
    assert Reminder.objects.filter(state="sent").count() == len(expected)


def test_winter_is_20_utc_and_summer_is_19_utc() -> None:
    winter = evening("w@example.com", at=utc(2025, 1, 15, 12))
    summer = evening("s@example.com", at=utc(2025, 7, 15, 12))
    assert pending_due(winter) == utc(2025, 1, 15, 20)
    assert pending_due(summer) == utc(2025, 7, 15, 19)


def test_nothing_is_sent_before_it_is_due_and_each_occurrence_once() -> None:
    subscription = evening(at=utc(2025, 1, 15, 12))
    for minute in range(0, 8 * 60, 7):
        reminders.reminders_sweep(now=utc(2025, 1, 15, 12) + timedelta(minutes=minute))
    assert OutboxMessage.objects.filter(purpose="reminder").count() == 0
    for _ in range(3):
        reminders.reminders_sweep(now=utc(2025, 1, 15, 20, 0, 30))
    assert OutboxMessage.objects.filter(purpose="reminder").count() == 1
    assert pending_due(subscription) == utc(2025, 1, 16, 20)


# -- catch-up after an outage -----------------------------------------------------------------


def test_catch_up_after_a_3_hour_outage_sends_once() -> None:
    subscription = evening(at=utc(2025, 1, 15, 12))
    # Beat ran every minute until 19:00 UTC, then nothing ran for three hours.
    minute = utc(2025, 1, 15, 18, 30)
    while minute < utc(2025, 1, 15, 19):
        reminders.reminders_sweep(now=minute)
        minute += timedelta(minutes=1)
    back = utc(2025, 1, 15, 22)
    for extra in range(10):  # back up: one sweep a minute again
        now = back + timedelta(minutes=extra)
        reminders.reminders_sweep(now=now)
        deliver(now)
    assert len(sent_to("jane@example.com")) == 1
    # The next one is computed from now: tomorrow at 21:00 Paris, not the missed times.
    assert pending_due(subscription) == utc(2025, 1, 16, 20)
    assert Reminder.objects.filter(subscription=subscription).count() == 2


def test_an_outage_longer_than_the_limit_skips_the_stale_reminder() -> None:
    subscription = evening(at=utc(2025, 1, 15, 12))
    report = reminders.reminders_sweep(now=utc(2025, 1, 16, 3))  # seven hours late
    assert report.queued == 0 and report.skipped == 1
    stale = Reminder.objects.get(state="skipped")
    assert "too late" in stale.reason
    assert pending_due(subscription) == utc(2025, 1, 16, 20)
    assert OutboxMessage.objects.count() == 0


def test_an_outbox_that_cannot_send_in_time_drops_a_stale_routine_reminder() -> None:
    evening(at=utc(2025, 1, 15, 12))
    reminders.reminders_sweep(now=utc(2025, 1, 15, 20))
    report = deliver(utc(2025, 1, 16, 3))  # the workers were down for seven hours
    assert report.expired == 1 and report.sent == 0
    assert mail.outbox == []
    outcomes.reminders_sync()
    assert Reminder.objects.get(due_at=utc(2025, 1, 15, 20)).state == "cancelled"


# -- quiet hours and the cap ------------------------------------------------------------------


def marketing_email(key: str, *, now: datetime, email: str = "jane@example.com") -> Any:
    return outbox.email_enqueue(
        purpose="test_marketing",
        key=key,
        recipient=email,
        template="reminder_manage",
        context={"kind_label": "x", "manage_url": "https://shop.example/m/"},
        marketing=True,
        recipient_timezone="Europe/Paris",
        send_after=now,
    )


def test_quiet_hours_delay_marketing_at_send_time_without_counting_an_attempt() -> None:
    night = paris(2025, 1, 15, 22, 15)
    message = marketing_email("night", now=night)
    report = deliver(night)
    assert report.deferred == 1 and report.sent == 0
    message.refresh_from_db()
    assert message.state == "pending" and message.attempts == 0
    assert message.next_attempt_at == paris(2025, 1, 16, 8, 0)
    assert "quiet hours" in message.last_error
    assert deliver(paris(2025, 1, 16, 7, 59)).sent == 0
    assert deliver(paris(2025, 1, 16, 8, 0)).sent == 1


def test_quiet_hours_do_not_hold_back_routine_reminders_the_person_asked_for() -> None:
    late = SubscriptionFactory(
        email="owl@example.com", local_time=time(23, 30), confirmed_at=utc(2025, 1, 15, 12)
    )
    scheduling.routine_schedule_next(subscription=late, now=utc(2025, 1, 15, 12))
    due = pending_due(late)
    assert due.astimezone(PARIS).time() == time(23, 30)
    reminders.reminders_sweep(now=due)
    assert deliver(due).sent == 1


def test_the_cap_holds_one_marketing_email_per_16_hours() -> None:
    ten = paris(2025, 1, 15, 10, 0)
    first = marketing_email("a", now=ten)
    second = marketing_email("b", now=ten)
    report = deliver(ten)
    assert (report.sent, report.deferred) == (1, 1)
    second.refresh_from_db()
    # 16 hours after 10:00 is 02:00, in quiet hours: it waits until 08:00.
    assert second.next_attempt_at == paris(2025, 1, 16, 8, 0)
    assert "one marketing email per 16 h" in second.last_error
    assert deliver(paris(2025, 1, 16, 2, 0)).sent == 0
    assert deliver(paris(2025, 1, 16, 8, 0)).sent == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert second.sent_at and first.sent_at and second.attempts == 1


def test_the_cap_counts_every_marketing_email_but_not_transactional_ones() -> None:
    ten = paris(2025, 1, 15, 10, 0)
    giveaway = GiveawayFactory()
    outbox.email_fanout(
        purpose="test_thanks",
        template="reminder_manage",
        items=[
            FanoutItem(
                key="t1",
                recipient="jane@example.com",
                context={"kind_label": "x", "manage_url": "u"},
            )
        ],
        marketing=True,
        common_context={"giveaway": giveaway},
    )
    deliver(timezone.now())  # the thanks fan-out went out (no time zone known: no quiet hours)
    marketing_email("later", now=ten)
    outbox.email_enqueue(
        purpose="order_confirmation_test",
        key="o1",
        recipient="jane@example.com",
        template="reminder_manage",
        context={"kind_label": "x", "manage_url": "u"},
    )
    report = deliver(max(ten, timezone.now()) + timedelta(minutes=1))
    assert report.sent == 1  # the transactional one
    assert report.deferred == 1  # the marketing one waits for the cap


def test_a_marketing_email_that_fails_for_good_gives_its_cap_slot_back(flaky: Any) -> None:
    import smtplib

    ten = paris(2025, 1, 15, 10, 0)
    marketing_email("bad", now=ten)
    refused = smtplib.SMTPRecipientsRefused({"jane@example.com": (550, b"no such user")})
    sending.outbox_send_messages(
        message_ids=list(OutboxMessage.objects.values_list("pk", flat=True)),
        connection_factory=flaky(refused),
        now=ten,
    )
    marketing_email("good", now=ten)
    assert deliver(ten + timedelta(minutes=1)).sent == 1


def _due_replenishment(email: str, due: datetime, key: str = "r1") -> Reminder:
    from promotions.reminders.models import ReplenishmentItem
    from tests.factories import ProductFactory

    product = ProductFactory()
    row = Reminder.objects.create(
        kind="replenish",
        key=key,
        email=email,
        email_normalized=email,
        due_at=due,
        payload={"date": due.date().isoformat(), "products": [product.pk]},
    )
    ReplenishmentItem.objects.create(
        email=email,
        email_normalized=email,
        product=product,
        quantity=1,
        runs_out_on=due.date() + timedelta(days=7),
        remind_on=due.date(),
        reminder=row,
    )
    return row


def test_two_due_marketing_reminders_for_one_person_are_at_least_16_hours_apart() -> None:
    ten = paris(2025, 1, 15, 10, 0)
    SubscriptionFactory(
        email="jane@example.com",
        kind="replenish",
        local_time=time(10, 0),
        confirmed_at=ten - timedelta(days=30),
    )
    news = SubscriptionFactory(
        email="jane@example.com", kind="giveaway_news", confirmed_at=ten - timedelta(days=30)
    )
    _due_replenishment("jane@example.com", ten)
    giveaway = GiveawayFactory(opens_at=ten - timedelta(days=3), closes_at=ten + timedelta(days=2))
    Reminder.objects.create(
        kind="giveaway_news",
        key="n1",
        subscription=news,
        giveaway=giveaway,
        email=news.email,
        email_normalized=news.email_normalized,
        due_at=ten,
    )
    report = reminders.reminders_sweep(now=ten)
    assert report.queued == 2
    sends = [
        ten + timedelta(minutes=m)
        for m in range(0, 48 * 60, 10)
        if deliver(ten + timedelta(minutes=m)).sent
    ]
    # The second waits 16 hours (02:00, quiet) and goes at 08:00 the next morning.
    assert sends == [ten, paris(2025, 1, 16, 8, 0)]
    outcomes.reminders_sync()
    assert set(Reminder.objects.values_list("state", flat=True)) == {"sent"}


def test_news_held_back_by_the_cap_past_the_giveaways_close_is_dropped() -> None:
    ten = paris(2025, 1, 15, 10, 0)
    SubscriptionFactory(
        email="jane@example.com",
        kind="replenish",
        local_time=time(10, 0),
        confirmed_at=ten - timedelta(days=30),
    )
    news = SubscriptionFactory(
        email="jane@example.com", kind="giveaway_news", confirmed_at=ten - timedelta(days=30)
    )
    _due_replenishment("jane@example.com", ten)  # created first: it goes first
    giveaway = GiveawayFactory(
        opens_at=ten - timedelta(days=3), closes_at=ten + timedelta(hours=20)
    )
    Reminder.objects.create(
        kind="giveaway_news",
        key="n1",
        subscription=news,
        giveaway=giveaway,
        email=news.email,
        email_normalized=news.email_normalized,
        due_at=ten,
    )
    reminders.reminders_sweep(now=ten)
    first = deliver(ten)
    assert (first.sent, first.expired) == (1, 1)  # the news would arrive after the close
    outcomes.reminders_sync()
    assert Counter(Reminder.objects.values_list("kind", "state")) == {
        ("replenish", "sent"): 1,
        ("giveaway_news", "cancelled"): 1,
    }


# -- unsubscribe within the minute ------------------------------------------------------------


def test_unsubscribe_stops_everything_marketing_within_the_same_minute() -> None:
    ten = paris(2025, 1, 15, 10, 0)
    routine = SubscriptionFactory(
        email="jane@example.com",
        kind="routine_morning",
        local_time=time(10, 0),
        confirmed_at=ten - timedelta(days=2),
    )
    scheduling.routine_schedule_next(subscription=routine, now=ten - timedelta(hours=1))
    SubscriptionFactory(
        email="jane@example.com",
        kind="replenish",
        local_time=time(10, 0),
        confirmed_at=ten - timedelta(days=30),
    )
    # A replenishment reminder falls due 40 seconds into the minute ...
    restock = _due_replenishment("jane@example.com", ten + timedelta(seconds=40))
    # ... and a marketing email is already waiting in the outbox.
    waiting = marketing_email("waiting", now=ten + timedelta(seconds=30))
    # At 10:00:05 Jane clicks the one-click unsubscribe in a marketing email.
    path = "/" + consent.unsubscribe_url("jane@example.com").split("://", 1)[1].split("/", 1)[1]
    Client().post(path)
    # The same minute: the sweep and the workers run.
    end_of_minute = ten + timedelta(seconds=59)
    reminders.reminders_sweep(now=end_of_minute)
    deliver(end_of_minute)
    # And nothing marketing ever goes out later either.
    for hours in (1, 24, 30, 48):
        reminders.reminders_sweep(now=ten + timedelta(hours=hours))
        deliver(ten + timedelta(hours=hours))
    subjects = [m.subject for m in sent_to("jane@example.com")]
    assert all("cleanse, tone, renew" in s for s in subjects), subjects  # routine only
    assert len(subjects) == 3  # today, tomorrow and the day after at 10:00
    restock.refresh_from_db()
    waiting.refresh_from_db()
    assert restock.state == "cancelled"
    assert waiting.state == "suppressed"


def test_suppressed_unconfirmed_and_paused_people_are_skipped_with_a_reason() -> None:
    now = utc(2025, 1, 15, 12)
    from tests.factories import ProductFactory

    product = ProductFactory()
    rows = {}
    for email, setup in [
        ("nobody@example.com", None),
        ("unconfirmed@example.com", {"confirmed_at": None}),
        ("paused@example.com", {"paused_at": now}),
        ("suppressed@example.com", {}),
    ]:
        if setup is not None:
            SubscriptionFactory(email=email, kind="replenish", **setup)
        rows[email] = Reminder.objects.create(
            kind="replenish",
            key=f"r:{email}",
            email=email,
            email_normalized=email,
            due_at=now,
            payload={"date": "2025-01-15", "products": [product.pk]},
        )
        from promotions.reminders.models import ReplenishmentItem

        ReplenishmentItem.objects.create(
            email=email,
            email_normalized=email,
            product=product,
            quantity=1,
            runs_out_on=now.date(),
            remind_on=now.date(),
            reminder=rows[email],
        )
    consent.suppression_add(email="suppressed@example.com", reason=Suppression.Reason.MANUAL)
    report = reminders.reminders_sweep(now=now)
    assert report.skipped == 4 and report.queued == 0
    reasons = {r.email: r.reason for r in Reminder.objects.all()}
    assert reasons == {
        "nobody@example.com": "no confirmed subscription",
        "unconfirmed@example.com": "no confirmed subscription",
        "paused@example.com": "paused",
        "suppressed@example.com": "on the suppression list",
    }
    assert OutboxMessage.objects.count() == 0


# -- giveaway news ----------------------------------------------------------------------------


def test_news_subscribers_hear_once_a_day_before_a_giveaway_closes() -> None:
    start = paris(2025, 1, 14, 9, 0)
    closes = paris(2025, 1, 16, 12, 0)
    giveaway = GiveawayFactory(
        title="The seven-piece collection", opens_at=start - timedelta(days=5), closes_at=closes
    )
    jane = SubscriptionFactory(email="jane@example.com", kind="giveaway_news", confirmed_at=start)
    SubscriptionFactory(
        email="joe@example.com",
        kind="giveaway_news",
        confirmed_at=start,
        timezone="America/New_York",
    )
    EntryFactory(giveaway=giveaway, email="joe@example.com", email_normalized="joe@example.com")
    SubscriptionFactory(
        email="off@example.com", kind="giveaway_news", confirmed_at=start, paused_at=start
    )
    now = start
    while now < closes:
        reminders.reminders_sweep(now=now)
        deliver(now)
        now += timedelta(minutes=30)
    jane_mail = sent_to("jane@example.com")
    joe_mail = sent_to("joe@example.com")
    assert len(jane_mail) == 1 and len(joe_mail) == 1 and sent_to("off@example.com") == []
    assert jane_mail[0].subject.startswith("Last chance: The seven-piece collection closes")
    assert "There is still time to enter" in jane_mail[0].body
    assert "You have entered" in joe_mail[0].body
    assert "Thursday 16 January, 12:00 (Europe/Paris)" in jane_mail[0].body
    assert "06:00 (America/New_York)" in joe_mail[0].body
    sent_row = Reminder.objects.get(subscription=jane)
    assert sent_row.due_at == closes - timedelta(hours=24)
    assert jane_mail[0].extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_news_waits_out_quiet_hours_and_is_not_sent_in_the_last_hour() -> None:
    closes = paris(2025, 1, 16, 6, 0)  # 24 h before is 06:00 local: quiet
    giveaway = GiveawayFactory(opens_at=closes - timedelta(days=5), closes_at=closes)
    SubscriptionFactory(
        email="jane@example.com", kind="giveaway_news", confirmed_at=closes - timedelta(days=3)
    )
    reminders.reminders_sweep(now=closes - timedelta(hours=23, minutes=30))
    row = Reminder.objects.get(giveaway=giveaway)
    assert row.due_at == paris(2025, 1, 15, 8, 0)
    # Someone who subscribes in the last hour hears nothing about it.
    SubscriptionFactory(
        email="late@example.com", kind="giveaway_news", confirmed_at=closes - timedelta(minutes=50)
    )
    reminders.reminders_sweep(now=closes - timedelta(minutes=45))
    assert not Reminder.objects.filter(email="late@example.com").exists()


def test_news_for_a_giveaway_that_closed_before_it_went_out_is_skipped() -> None:
    now = utc(2025, 1, 15, 12)
    giveaway = GiveawayFactory(opens_at=now - timedelta(days=5), closes_at=now + timedelta(hours=5))
    SubscriptionFactory(email="jane@example.com", kind="giveaway_news", confirmed_at=now)
    scheduling.giveaway_news_schedule(now=now)
    giveaway.closes_at = now + timedelta(minutes=1)
    giveaway.save()
    Reminder.objects.update(due_at=now + timedelta(minutes=2))
    report = reminders.reminders_sweep(now=now + timedelta(minutes=2))
    assert report.skip_reasons == {"the giveaway has closed": 1}


# -- shape of the sweep ----------------------------------------------------------------------


# 40: SQLite splits an insert of more than 999 values, and an outbox row holds 20 columns
@pytest.mark.parametrize("n", [5, 40])
def test_handing_off_costs_the_same_number_of_queries_for_5_or_40_reminders(
    n: int, django_assert_num_queries: Any
) -> None:
    start = utc(2025, 1, 15, 12)
    Subscription.objects.bulk_create(
        Subscription(
            email=f"p{i}@example.com",
            email_normalized=f"p{i}@example.com",
            kind="routine_evening",
            local_time=time(21),
            timezone="Europe/Paris",
            confirmed_at=start,
        )
        for i in range(n)
    )
    scheduling.routine_reminders_ensure(now=start)
    # news: giveaways; a savepoint around the batch: claim, subscriptions, outbox: existing
    # keys, savepoint, insert, read back, release; reminders update, next ones insert; ensure:
    # none missing; sync. (Paid orders are caught up by checkout's own beat task.)
    with django_assert_num_queries(14):
        report = reminders.reminders_sweep(now=utc(2025, 1, 15, 20), batch_size=100)
    assert report.queued == n and report.scheduled == n


def test_a_sweep_limit_leaves_the_rest_for_the_next_minute() -> None:
    start = utc(2025, 1, 15, 12)
    for i in range(7):
        evening(f"p{i}@example.com", at=start)
    first = reminders.reminders_sweep(now=utc(2025, 1, 15, 20), limit=5, batch_size=2)
    assert first.queued == 5
    second = reminders.reminders_sweep(now=utc(2025, 1, 15, 20, 1))
    assert second.queued == 2
    assert OutboxMessage.objects.filter(purpose="reminder").count() == 7


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sweepers_at_once_never_hand_the_same_reminder_twice(monkeypatch: Any) -> None:
    # No sending here.
    monkeypatch.setattr(outbox_tasks, "outbox_dispatch_on_commit", lambda ids: None)
    start = utc(2025, 1, 15, 12)
    Subscription.objects.bulk_create(
        Subscription(
            email=f"p{i}@example.com",
            email_normalized=f"p{i}@example.com",
            kind="routine_evening",
            local_time=time(21),
            timezone="Europe/Paris",
            confirmed_at=start,
        )
        for i in range(400)
    )
    scheduling.routine_reminders_ensure(now=start)
    barrier = threading.Barrier(2)
    reports: list[reminders.SweepReport] = []
    errors: list[BaseException] = []

    def sweep() -> None:
        try:
            barrier.wait()
            reports.append(reminders.reminders_sweep(now=utc(2025, 1, 15, 20), batch_size=20))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert sum(r.queued for r in reports) == 400
    assert all(r.queued > 0 for r in reports), [r.queued for r in reports]  # both worked
    assert OutboxMessage.objects.filter(purpose="reminder").count() == 400
    handed = Reminder.objects.filter(state="queued")
    assert handed.count() == 400
    assert len(set(handed.values_list("outbox_message_id", flat=True))) == 400
    # Every subscription has exactly one next occurrence.
    assert Reminder.objects.filter(state="pending").count() == 400
    assert Reminder.objects.filter(state="pending", due_at=utc(2025, 1, 16, 20)).count() == 400


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_never_both_send_marketing_to_one_person_inside_the_cap(
    monkeypatch: Any,
) -> None:
    # The threads send.
    monkeypatch.setattr(outbox_tasks, "outbox_dispatch_on_commit", lambda ids: None)
    ten = paris(2025, 1, 15, 10, 0)
    ids = [marketing_email(f"m{i}", now=ten).pk for i in range(6)]
    barrier = threading.Barrier(3)
    reports: list[sending.SendReport] = []

    def work(chunk: list[int]) -> None:
        try:
            barrier.wait()
            reports.append(sending.outbox_send_messages(message_ids=chunk, now=ten))
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(ids[i::3],)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r.sent for r in reports) == 1
    assert sum(r.deferred for r in reports) == 5
    assert len(mail.outbox) == 1


def test_the_subscription_state_survives_its_own_service_calls() -> None:
    subscription = SubscriptionFactory(email="jane@example.com")
    subscriptions.subscription_pause(subscription=subscription)
    subscriptions.subscription_pause(subscription=subscription)
    subscriptions.subscription_resume(subscription=subscription)
    subscriptions.subscription_unsubscribe(subscription=subscription)
    subscriptions.subscription_resume(subscription=subscription)  # unsubscribed stays so
    subscription.refresh_from_db()
    assert subscription.status == "unsubscribed"
