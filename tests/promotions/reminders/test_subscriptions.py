"""Asking for reminders (API and page), double opt-in, managing from the signed link, and the
one-click unsubscribe, scoped or global."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from django.core import mail, signing
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from promotions.messaging import consent
from promotions.messaging import tasks as outbox_tasks
from promotions.messaging.models import OutboxMessage, Suppression
from promotions.reminders import links, scheduling, subscriptions
from promotions.reminders import sweep as reminders
from promotions.reminders.models import Reminder, Subscription
from tests.factories import EntryFactory, GiveawayFactory, SubscriptionFactory

pytestmark = pytest.mark.django_db

URL = "/api/reminders/"


def ask(client: APIClient, **body: Any) -> Any:
    payload = {"email": "jane@example.com", "kind": "routine_evening"} | body
    return client.post(URL, payload, format="json")


def confirm_emails(email: str = "jane@example.com") -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(purpose="reminder_confirm", recipient=email))


def link_in(message: OutboxMessage, name: str) -> str:
    match = re.search(rf"https?://\S+/reminders/{name}/[^\s/]+/", message.body_text)
    assert match, message.body_text
    return match.group(0).split("://", 1)[1].split("/", 1)[1].join(["/", ""])


# -- the API -----------------------------------------------------------------------------------


def test_asking_is_202_and_sends_only_a_confirmation(api_client: APIClient) -> None:
    response = ask(api_client, local_time="21:15", timezone="Europe/Paris")
    assert response.status_code == 202
    assert response.json() == {"status": "pending"}
    subscription = Subscription.objects.get()
    assert subscription.kind == "routine_evening"
    assert subscription.local_time == time(21, 15)
    assert subscription.timezone == "Europe/Paris"
    assert subscription.confirmed_at is None
    (message,) = confirm_emails()
    assert "21:15 (Europe/Paris)" in message.body_text
    assert f"/reminders/confirm/{subscription.confirm_token}/" in message.body_text
    assert not message.marketing
    assert Reminder.objects.count() == 0  # nothing is scheduled before the confirmation


def test_the_kind_gives_the_usual_time_and_the_shop_gives_the_zone(
    api_client: APIClient, settings: Any
) -> None:
    settings.REMINDER_DEFAULT_TIMEZONE = "America/New_York"
    ask(api_client, kind="routine_morning")
    ask(api_client, kind="replenish")
    ask(api_client, kind="giveaway_news", local_time="", timezone=None)
    by_kind = {s.kind: s for s in Subscription.objects.all()}
    assert by_kind["routine_morning"].local_time == time(7, 30)
    assert by_kind["replenish"].local_time == time(10, 0)
    assert {s.timezone for s in by_kind.values()} == {"America/New_York"}


def test_a_repeat_within_the_window_sends_no_second_confirmation(api_client: APIClient) -> None:
    assert ask(api_client).status_code == 202
    assert ask(api_client, email="JANE@Example.com", local_time="22:00").status_code == 202
    assert Subscription.objects.count() == 1
    assert len(confirm_emails()) == 1
    # Not confirmed yet: the repeat's time is the one that counts.
    assert Subscription.objects.get().local_time == time(22, 0)


def test_a_repeat_after_the_window_sends_a_new_confirmation() -> None:
    now = timezone.now()
    data = subscriptions.subscription_clean(email="jane@example.com", kind="replenish")
    subscriptions.subscription_request(data=data, now=now)
    subscriptions.subscription_request(data=data, now=now + timedelta(minutes=14))
    assert len(confirm_emails()) == 1
    subscriptions.subscription_request(data=data, now=now + timedelta(minutes=16))
    assert len(confirm_emails()) == 2
    first, second = sorted(confirm_emails(), key=lambda m: m.pk)
    assert first.key != second.key


def test_a_repeat_for_a_confirmed_reminder_changes_nothing_and_mails_the_manage_link(
    api_client: APIClient,
) -> None:
    SubscriptionFactory(email="jane@example.com", local_time=time(21, 0))
    assert ask(api_client, local_time="03:00").status_code == 202
    subscription = Subscription.objects.get()
    assert subscription.local_time == time(21, 0)  # a stranger cannot move someone's reminder
    assert confirm_emails() == []
    (manage,) = OutboxMessage.objects.filter(purpose="reminder_manage")
    assert "/reminders/manage/" in manage.body_text
    ask(api_client)
    assert OutboxMessage.objects.filter(purpose="reminder_manage").count() == 1


def test_one_person_is_one_subscription_per_kind(api_client: APIClient) -> None:
    ask(api_client, email="Jane.Doe+skin@gmail.com")
    ask(api_client, email="janedoe@googlemail.com")
    ask(api_client, email="janedoe@gmail.com", kind="replenish")
    assert Subscription.objects.filter(email_normalized="janedoe@gmail.com").count() == 2


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"timezone": "Mars/Olympus"}, {"timezone"}),
        ({"timezone": "../../etc/passwd"}, {"timezone"}),
        ({"local_time": "25:00"}, {"local_time"}),
        ({"local_time": "9pm"}, {"local_time"}),
        ({"kind": "hourly"}, {"kind"}),
        ({"kind": ""}, {"kind"}),
        ({"email": "not-an-email"}, {"email"}),
        ({"email": ""}, {"email"}),
        ({"email": "x" * 250 + "@example.com"}, {"email"}),
        (
            {"email": "nope", "kind": "x", "local_time": "99", "timezone": "Nowhere"},
            {"email", "kind", "local_time", "timezone"},
        ),
        ({"email": ["a@example.com"]}, {"email"}),
        ({"kind": {"x": 1}}, {"kind"}),
        ({"local_time": 2100}, {"local_time"}),
    ],
)
def test_bad_input_is_a_400_naming_every_field(
    api_client: APIClient, body: dict[str, Any], fields: set[str]
) -> None:
    response = ask(api_client, **body)
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "validation_error"
    assert set(problem["errors"]) == fields
    assert Subscription.objects.count() == 0
    assert OutboxMessage.objects.count() == 0


def test_a_missing_body_or_wrong_content_is_a_clean_error(api_client: APIClient) -> None:
    assert api_client.post(URL, {}, format="json").status_code == 400
    response = api_client.post(URL, "email=a", content_type="text/plain")
    assert response.status_code == 415
    assert api_client.get(URL).status_code == 405


def test_asking_is_throttled_per_client(api_client: APIClient) -> None:
    for n in range(10):
        assert ask(api_client, email=f"p{n}@example.com").status_code == 202
    response = ask(api_client, email="p10@example.com")
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"


# -- confirming ------------------------------------------------------------------------------


def test_confirming_takes_a_post_and_schedules_the_first_reminder(api_client: APIClient) -> None:
    ask(api_client, local_time="21:00", timezone="Europe/Paris")
    subscription = Subscription.objects.get()
    client = Client()
    url = f"/reminders/confirm/{subscription.confirm_token}/"
    page = client.get(url)
    assert page.status_code == 200 and b"Confirm my reminder" in page.content
    subscription.refresh_from_db()
    assert subscription.confirmed_at is None  # a mail scanner following the link confirms nothing
    done = client.post(url)
    assert b"Your reminder is on" in done.content
    subscription.refresh_from_db()
    assert subscription.is_active
    (reminder,) = Reminder.objects.filter(subscription=subscription)
    assert reminder.state == "pending"
    assert reminder.due_at.astimezone(subscription_zone(subscription)).time() == time(21, 0)
    again = client.post(url)
    assert b"Already confirmed" in again.content
    assert Reminder.objects.filter(subscription=subscription).count() == 1


def subscription_zone(subscription: Subscription) -> Any:
    import zoneinfo

    return zoneinfo.ZoneInfo(subscription.timezone)


def test_an_unknown_confirmation_link_is_a_404() -> None:
    assert Client().get("/reminders/confirm/nope/").status_code == 404
    assert Client().post("/reminders/confirm/nope/").status_code == 404


def test_a_confirmed_opt_in_lifts_the_persons_own_unsubscribe_but_not_a_complaint() -> None:
    now = timezone.now()
    consent.suppression_add(email="jane@example.com", reason=Suppression.Reason.UNSUBSCRIBED)
    consent.suppression_add(email="joe@example.com", reason=Suppression.Reason.COMPLAINT)
    for email in ("jane@example.com", "joe@example.com"):
        data = subscriptions.subscription_clean(email=email, kind="replenish")
        subscription = subscriptions.subscription_request(data=data, now=now)
        subscriptions.subscription_confirm(token=subscription.confirm_token, now=now)
    assert not consent.is_suppressed("jane@example.com")
    assert consent.is_suppressed("joe@example.com")


def test_a_routine_opt_in_leaves_the_marketing_suppression_alone() -> None:
    consent.suppression_add(email="jane@example.com", reason=Suppression.Reason.UNSUBSCRIBED)
    data = subscriptions.subscription_clean(email="jane@example.com", kind="routine_morning")
    subscription = subscriptions.subscription_request(data=data)
    subscriptions.subscription_confirm(token=subscription.confirm_token)
    assert consent.is_suppressed("jane@example.com")


# -- the storefront page ---------------------------------------------------------------------


def test_the_nav_links_to_the_subscribe_page_and_it_renders() -> None:
    home = Client().get("/")
    assert b'href="/reminders/"' in home.content
    page = Client().get("/reminders/?kind=replenish")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="replenish" data-default-time="10:00" checked' in html
    assert '<datalist id="timezones">' in html and 'value="Europe/Paris"' in html
    assert "csrfmiddlewaretoken" in html


def test_subscribing_from_the_page_sends_the_confirmation() -> None:
    client = Client()
    response = client.post(
        "/reminders/",
        {
            "email": "jane@example.com",
            "kind": "routine_morning",
            "local_time": "06:45",
            "timezone": "America/Chicago",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/reminders/check-your-inbox/?kind=routine_morning"
    assert b"Check your inbox" in client.get(response["Location"]).content
    subscription = Subscription.objects.get()
    assert (subscription.local_time, subscription.timezone) == (time(6, 45), "America/Chicago")
    assert len(confirm_emails()) == 1


def test_page_errors_are_shown_next_to_their_field() -> None:
    response = Client().post(
        "/reminders/",
        {"email": "nope", "kind": "routine_morning", "local_time": "7", "timezone": "Paris"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert html.count('class="field-error"') == 3
    assert "not a time zone name" in html
    assert "Enter a time like 21:00." in html
    assert Subscription.objects.count() == 0


def test_the_page_is_limited_per_connection() -> None:
    client = Client()
    for n in range(10):
        client.post(
            "/reminders/", {"email": f"p{n}@example.com", "kind": "replenish", "timezone": "UTC"}
        )
    response = client.post(
        "/reminders/", {"email": "p@example.com", "kind": "replenish", "timezone": "UTC"}
    )
    assert response.status_code == 429
    assert Subscription.objects.count() == 10


# -- managing --------------------------------------------------------------------------------


def manage_path(email: str) -> str:
    return f"/reminders/manage/{links.manage_token(email)}/"


def test_the_manage_page_lists_this_persons_reminders_only() -> None:
    mine = SubscriptionFactory(email="jane@example.com")
    SubscriptionFactory(email="jane@example.com", kind="replenish", local_time=time(10, 0))
    SubscriptionFactory(email="joe@example.com")
    page = Client().get(manage_path("Jane@example.com"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Evening routine" in html and "Running out" in html
    assert "joe@example.com" not in html
    assert f'value="{mine.pk}"' in html
    assert f'id="id_s{mine.pk}_local_time"' in html  # one id per form


def test_a_tampered_or_old_manage_link_is_refused(settings: Any) -> None:
    SubscriptionFactory(email="jane@example.com")
    token = links.manage_token("jane@example.com")
    assert Client().get(f"/reminders/manage/{token}x/").status_code == 404
    forged = signing.dumps("jane@example.com", salt="another.salt")
    assert Client().get(f"/reminders/manage/{forged}/").status_code == 404
    settings.REMINDER_MANAGE_LINK_DAYS = 0
    assert Client().get(f"/reminders/manage/{token}/").status_code == 404


def test_changing_the_time_moves_the_pending_reminder() -> None:
    subscription = SubscriptionFactory(email="jane@example.com")
    subscriptions.subscription_confirm(token=subscription.confirm_token)  # already: no-op
    scheduling.routine_reminders_ensure(now=timezone.now())
    client = Client()
    path = manage_path("jane@example.com")
    response = client.post(
        path,
        {
            "subscription": subscription.pk,
            "action": "save",
            "local_time": "22:30",
            "timezone": "Asia/Tokyo",
        },
    )
    assert response.status_code == 302
    subscription.refresh_from_db()
    assert (subscription.local_time, subscription.timezone) == (time(22, 30), "Asia/Tokyo")
    pending = Reminder.objects.get(subscription=subscription, state="pending")
    assert pending.due_at.astimezone(subscription_zone(subscription)).time() == time(22, 30)
    assert Reminder.objects.filter(subscription=subscription, state="cancelled").count() == 1
    assert b"time saved" in client.get(path).content


def test_a_bad_time_on_the_manage_page_is_shown_next_to_the_field() -> None:
    subscription = SubscriptionFactory(email="jane@example.com")
    response = Client().post(
        manage_path("jane@example.com"),
        {"subscription": subscription.pk, "action": "save", "local_time": "", "timezone": "X"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter a time." in html and "not a time zone name" in html
    subscription.refresh_from_db()
    assert subscription.local_time == time(21, 0)


def test_pausing_cancels_and_resuming_schedules_again() -> None:

    subscription = SubscriptionFactory(email="jane@example.com")
    scheduling.routine_reminders_ensure(now=timezone.now())
    client = Client()
    path = manage_path("jane@example.com")
    client.post(path, {"subscription": subscription.pk, "action": "pause"})
    subscription.refresh_from_db()
    assert subscription.status == "paused"
    assert not Reminder.objects.filter(state="pending").exists()
    assert scheduling.routine_reminders_ensure(now=timezone.now()) == 0  # paused stays quiet
    client.post(path, {"subscription": subscription.pk, "action": "resume"})
    subscription.refresh_from_db()
    assert subscription.status == "active"
    # The cancelled occurrence is the same one: it is revived, not duplicated.
    assert Reminder.objects.filter(subscription=subscription).count() == 1
    assert Reminder.objects.get(subscription=subscription).state == "pending"


def test_someone_elses_subscription_cannot_be_changed_from_my_link() -> None:
    SubscriptionFactory(email="jane@example.com")
    other = SubscriptionFactory(email="joe@example.com")
    client = Client()
    for action in ("pause", "unsubscribe", "save"):
        response = client.post(
            manage_path("jane@example.com"),
            {"subscription": other.pk, "action": action, "local_time": "01:00", "timezone": "UTC"},
        )
        assert response.status_code == 302
    other.refresh_from_db()
    assert other.status == "active" and other.local_time == time(21, 0)
    for junk in ({"subscription": "x", "action": "pause"}, {"action": "explode"}):
        assert client.post(manage_path("jane@example.com"), junk).status_code == 302


# -- unsubscribing ---------------------------------------------------------------------------


def test_unsubscribing_from_the_manage_page_cancels_what_waits_in_the_outbox(
    django_capture_on_commit_callbacks: Any,
) -> None:

    subscription = SubscriptionFactory(email="jane@example.com")
    start = datetime(2025, 1, 15, 12, tzinfo=UTC)
    scheduling.routine_reminders_ensure(now=start)
    # Handed to the outbox but not sent yet (no commit callbacks run here).
    report = reminders.reminders_sweep(now=start + timedelta(hours=9))
    assert report.queued == 1
    queued = Reminder.objects.get(state="queued")
    assert queued.outbox_message is not None
    assert queued.outbox_message.state == "pending"
    Client().post(
        manage_path("jane@example.com"), {"subscription": subscription.pk, "action": "unsubscribe"}
    )
    queued.refresh_from_db()
    assert queued.state == "cancelled"
    assert OutboxMessage.objects.get(pk=queued.outbox_message_id).state == "cancelled"
    assert not Reminder.objects.filter(state="pending").exists()
    with django_capture_on_commit_callbacks(execute=True):
        outbox_tasks.outbox_sweep(now=timezone.now() + timedelta(hours=1))
    assert mail.outbox == []


def test_the_scoped_one_click_unsubscribe_stops_that_reminder_only() -> None:
    evening = SubscriptionFactory(email="jane@example.com")
    replenish = SubscriptionFactory(email="jane@example.com", kind="replenish")
    url = consent.unsubscribe_url("jane@example.com", "reminder:routine_evening")
    path = url.split("://", 1)[1].split("/", 1)[1].join(["/", ""])
    client = Client(enforce_csrf_checks=True)
    page = client.get(path)
    assert page.status_code == 200 and "Evening routine" in page.content.decode()
    evening.refresh_from_db()
    assert evening.unsubscribed_at is None  # GET changes nothing
    # RFC 8058: a POST with no cookie and no CSRF token.
    done = client.post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert done.status_code == 200 and b"You are unsubscribed" in done.content
    evening.refresh_from_db()
    replenish.refresh_from_db()
    assert evening.unsubscribed_at is not None
    assert replenish.unsubscribed_at is None
    assert not consent.is_suppressed("jane@example.com")


def test_the_global_one_click_unsubscribe_stops_every_marketing_reminder() -> None:
    routine = SubscriptionFactory(email="jane@example.com")
    replenish = SubscriptionFactory(email="jane@example.com", kind="replenish")
    news = SubscriptionFactory(email="jane@example.com", kind="giveaway_news")
    path = consent.unsubscribe_url("jane@example.com").split("://", 1)[1]
    path = "/" + path.split("/", 1)[1]
    Client(enforce_csrf_checks=True).post(path)
    for subscription in (routine, replenish, news):
        subscription.refresh_from_db()
    assert consent.is_suppressed("jane@example.com")
    assert replenish.unsubscribed_at and news.unsubscribed_at
    assert routine.unsubscribed_at is None  # a service message the person scheduled


def test_a_tampered_unsubscribe_token_is_a_404() -> None:
    path = consent.unsubscribe_url("jane@example.com", "reminder:routine_evening")
    assert Client().post("/" + path.split("://", 1)[1].split("/", 1)[1] + "x/").status_code == 404


def test_asking_again_after_unsubscribing_needs_a_new_confirmation() -> None:
    subscription = SubscriptionFactory(email="jane@example.com")
    subscriptions.subscription_unsubscribe(subscription=subscription)
    data = subscriptions.subscription_clean(
        email="jane@example.com", kind="routine_evening", local_time="20:00"
    )
    again = subscriptions.subscription_request(data=data)
    assert again.pk == subscription.pk and again.confirmed_at is None
    assert again.local_time == time(20, 0)
    assert len(confirm_emails()) == 1
    subscriptions.subscription_confirm(token=again.confirm_token)
    again.refresh_from_db()
    assert again.is_active


# -- giveaway entrants -----------------------------------------------------------------------


def test_an_entrant_who_ticks_news_is_subscribed_once_their_entry_is_confirmed(
    api_client: APIClient,
) -> None:
    giveaway = GiveawayFactory(min_age=0)
    response = api_client.post(
        f"/api/giveaways/{giveaway.slug}/entries/",
        {"name": "Jane", "email": "jane@example.com", "comment": "Love it", "news": True},
        format="json",
    )
    assert response.status_code == 202
    subscription = Subscription.objects.get(kind="giveaway_news")
    assert subscription.confirmed_at is None
    assert confirm_emails() == []  # the entry's own confirmation is the only email
    entry = subscription.source_entry
    assert entry is not None
    Client().post(f"/giveaways/confirm/{entry.confirm_token}/")
    subscription.refresh_from_db()
    assert subscription.is_active


def test_entrants_who_do_not_tick_news_get_no_subscription(api_client: APIClient) -> None:
    giveaway = GiveawayFactory(min_age=0)
    api_client.post(
        f"/api/giveaways/{giveaway.slug}/entries/",
        {"name": "Jane", "email": "jane@example.com", "comment": "Love it"},
        format="json",
    )
    assert not Subscription.objects.exists()
    bad = api_client.post(
        f"/api/giveaways/{giveaway.slug}/entries/",
        {"name": "Joe", "email": "joe@example.com", "news": "perhaps"},
        format="json",
    )
    assert bad.status_code == 400 and "news" in bad.json()["errors"]


def test_the_entry_form_has_the_news_checkbox() -> None:
    giveaway = GiveawayFactory(min_age=0)
    page = Client().get(f"/giveaways/{giveaway.slug}/")
    assert b'name="news"' in page.content
    Client().post(
        f"/giveaways/{giveaway.slug}/",
        {"name": "Jane", "email": "jane@example.com", "comment": "Hello", "news": "on"},
    )
    assert Subscription.objects.filter(kind="giveaway_news", email="jane@example.com").exists()


def test_a_confirmed_entrant_who_opts_in_is_subscribed_at_once() -> None:
    entry = EntryFactory(email="jane@example.com")
    subscription = subscriptions.giveaway_news_opt_in(entry=entry)
    subscription.refresh_from_db()
    assert subscription.is_active
