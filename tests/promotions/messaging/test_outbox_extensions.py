"""What reminders added to the outbox: batches with per-item templates and timing, scoped
unsubscribe tokens, cancelling waiting emails, and expiry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core import mail, signing
from django.utils import timezone

from promotions.messaging import consent, sending
from promotions.messaging import services as outbox
from promotions.messaging.models import OutboxMessage, Suppression
from promotions.messaging.services import OutboxItem

pytestmark = pytest.mark.django_db

CONTEXT = {"kind_label": "Evening routine", "manage_url": "https://shop.example/m/"}


def item(key: str, **extra: Any) -> OutboxItem:
    return OutboxItem(
        key=key,
        recipient=extra.pop("recipient", f"{key}@example.com"),
        template="reminder_manage",
        context=CONTEXT,
        **extra,
    )


def test_a_batch_keeps_existing_keys_and_reports_every_id(
    django_capture_on_commit_callbacks: Any,
) -> None:
    first = outbox.email_enqueue_many(purpose="p", items=[item("a"), item("b")])
    assert first.created == {"a", "b"} and len(first.dispatched) == 2
    with django_capture_on_commit_callbacks(execute=True):
        again = outbox.email_enqueue_many(
            purpose="p", items=[item("a"), item("c"), item("c", recipient="other@example.com")]
        )
    assert again.created == {"c"}
    assert again.ids["a"] == first.ids["a"]
    assert set(again.ids) == {"a", "c"}
    assert OutboxMessage.objects.filter(purpose="p").count() == 3
    assert [m.to for m in mail.outbox] == [["c@example.com"]]


def test_a_batch_mixes_marketing_timing_and_suppression(settings: Any) -> None:
    later = timezone.now() + timedelta(hours=2)
    consent.suppression_add(email="gone@example.com", reason=Suppression.Reason.UNSUBSCRIBED)
    result = outbox.email_enqueue_many(
        purpose="p",
        items=[
            item("service"),
            item("ad", marketing=True, recipient_timezone="Europe/Paris"),
            item("gone", marketing=True, recipient="gone@example.com"),
            item("later", send_after=later),
        ],
    )
    rows = {m.key: m for m in OutboxMessage.objects.filter(purpose="p")}
    assert rows["service"].headers == {} and not rows["service"].marketing
    assert rows["ad"].headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert rows["ad"].recipient_timezone == "Europe/Paris"
    assert "/email/unsubscribe/" in rows["ad"].headers["List-Unsubscribe"]
    assert rows["gone"].state == "suppressed"
    assert rows["later"].next_attempt_at == later and rows["later"].dispatched_at is None
    assert sorted(result.dispatched) == sorted([rows["service"].pk, rows["ad"].pk])


def test_fanout_still_counts_only_the_new_pending_rows() -> None:
    consent.suppression_add(email="gone@example.com")
    items = [
        outbox.FanoutItem(key="1", recipient="a@example.com", context=CONTEXT),
        outbox.FanoutItem(key="2", recipient="gone@example.com", context=CONTEXT),
    ]
    assert (
        outbox.email_fanout(purpose="f", template="reminder_manage", items=items, marketing=True)
        == 1
    )
    assert (
        outbox.email_fanout(purpose="f", template="reminder_manage", items=items, marketing=True)
        == 0
    )


def test_scoped_and_global_unsubscribe_tokens() -> None:
    scoped = consent.unsubscribe_url("Jane.Doe+x@gmail.com", "reminder:replenish")
    token = scoped.rstrip("/").rsplit("/", 1)[1]
    parsed = consent.unsubscribe_token_parse(token)
    assert parsed == consent.UnsubscribeToken("janedoe@gmail.com", "reminder:replenish")
    assert consent.unsubscribe_token_email(token) == "janedoe@gmail.com"
    plain = consent.unsubscribe_url("jane@example.com").rstrip("/").rsplit("/", 1)[1]
    assert consent.unsubscribe_token_parse(plain) == consent.UnsubscribeToken("jane@example.com")
    # Signed, but not a shape we make: refused.
    odd = signing.dumps({"e": 1, "s": []}, salt=consent.UNSUBSCRIBE_SALT)
    assert consent.unsubscribe_token_parse(odd) is None
    assert consent.unsubscribe_token_parse(token[:-3] + "abc") is None


def test_cancelling_stops_only_emails_still_waiting() -> None:
    waiting = outbox.email_enqueue(
        purpose="p",
        key="w",
        recipient="a@example.com",
        template="reminder_manage",
        context=CONTEXT,
        object_ref="promotions.reminder:1",
    )
    sending = outbox.email_enqueue(
        purpose="p",
        key="s",
        recipient="a@example.com",
        template="reminder_manage",
        context=CONTEXT,
        object_ref="promotions.reminder:1",
    )
    OutboxMessage.objects.filter(pk=sending.pk).update(state="sending")
    assert outbox.outbox_cancel(object_refs=["promotions.reminder:1"], reason="gone") == 1
    waiting.refresh_from_db()
    assert waiting.state == "cancelled" and waiting.last_error == "gone"
    assert OutboxMessage.objects.get(pk=sending.pk).state == "sending"
    assert outbox.outbox_cancel(object_refs=[], reason="x") == 0


def test_an_expired_email_is_cancelled_not_sent() -> None:
    now = datetime(2025, 1, 15, 12, tzinfo=UTC)
    message = outbox.email_enqueue(
        purpose="p",
        key="e",
        recipient="a@example.com",
        template="reminder_manage",
        context=CONTEXT,
        send_after=now,
        expires_at=now + timedelta(hours=1),
    )
    report = sending.outbox_send_messages(message_ids=[message.pk], now=now + timedelta(hours=2))
    assert report.expired == 1 and report.sent == 0
    message.refresh_from_db()
    assert message.state == "cancelled" and "Expired" in message.last_error
    assert mail.outbox == []


def test_turning_quiet_hours_and_the_cap_off(settings: Any) -> None:
    settings.MARKETING_QUIET_HOURS = ""
    settings.MARKETING_CAP_HOURS = 0
    night = datetime(2025, 1, 15, 23, tzinfo=UTC)
    ids = [
        outbox.email_enqueue(
            purpose="p",
            key=k,
            recipient="a@example.com",
            template="reminder_manage",
            context=CONTEXT,
            marketing=True,
            recipient_timezone="Europe/Paris",
            send_after=night,
        ).pk
        for k in ("1", "2")
    ]
    assert sending.outbox_send_messages(message_ids=ids, now=night).sent == 2
