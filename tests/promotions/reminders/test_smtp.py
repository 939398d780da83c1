"""Reminder emails through Django's SMTP backend to a real SMTP server on loopback (aiosmtpd):
the headers and both parts as a mail provider receives them, and the one-click unsubscribe
that provider would POST."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.test import Client

from promotions.messaging import consent, sending
from promotions.messaging.models import OutboxMessage
from promotions.reminders import scheduling
from promotions.reminders import sweep as reminders
from promotions.reminders.models import Subscription
from tests.factories import SubscriptionFactory

pytestmark = pytest.mark.django_db


class Inbox:
    """An aiosmtpd handler keeping every message it accepts."""

    def __init__(self) -> None:
        self.received: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append((list(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 Message accepted"

    def messages(self) -> list[EmailMessage]:
        return [
            email.message_from_bytes(raw, policy=default_policy)  # type: ignore[misc]
            for _, raw in self.received
        ]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp(settings: Any) -> Iterator[Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.SHOP_BASE_URL = "https://shop.example.com"
    try:
        yield inbox
    finally:
        controller.stop()


def send_due(now: datetime) -> sending.SendReport:
    reminders.reminders_sweep(now=now)
    ids = list(OutboxMessage.objects.filter(state="pending").values_list("pk", flat=True))
    return sending.outbox_send_messages(message_ids=ids, now=now)


def parts(message: EmailMessage) -> dict[str, str]:
    return {part.get_content_type(): part.get_content() for part in message.iter_parts()}


def one_click(header: str) -> Any:
    """What a mail provider does with List-Unsubscribe + List-Unsubscribe-Post: a POST with
    that body, no cookie, no CSRF token, to the URL between the angle brackets (a long header
    arrives folded onto a second line; unfolding leaves the leading space)."""
    header = header.strip()
    assert header.startswith("<https://shop.example.com/") and header.endswith(">")
    path = "/" + header[1:-1].split("://", 1)[1].split("/", 1)[1]
    return Client(enforce_csrf_checks=True).post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )


def test_a_routine_reminder_as_received_has_one_click_unsubscribe_and_two_parts(
    smtp: Inbox,
) -> None:
    start = datetime(2025, 1, 15, 12, tzinfo=UTC)
    subscription = SubscriptionFactory(email="Jane@Example.com", confirmed_at=start)
    scheduling.routine_schedule_next(subscription=subscription, now=start)
    report = send_due(datetime(2025, 1, 15, 20, tzinfo=UTC))
    assert report.sent == 1
    ((recipients, _),) = smtp.received
    assert recipients == ["Jane@Example.com"]
    (message,) = smtp.messages()
    assert message["Subject"] == "Time to take your makeup off"
    assert message["To"] == "Jane@Example.com"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/email/unsubscribe/" in message["List-Unsubscribe"]
    assert message["Message-ID"].startswith("<outbox-")
    assert message.get_content_type() == "multipart/alternative"
    body = parts(message)
    assert set(body) == {"text/plain", "text/html"}
    assert "always take your makeup off" in body["text/plain"]
    assert "every day at 21:00 (Europe/Paris)" in body["text/plain"]
    assert "https://shop.example.com/reminders/manage/" in body["text/plain"]
    assert "<h1" in body["text/html"] and "Time to take your makeup off" in body["text/html"]
    assert 'href="https://shop.example.com/email/unsubscribe/' in body["text/html"]
    # The provider's one-click POST stops this reminder, and only this one.
    response = one_click(message["List-Unsubscribe"])
    assert response.status_code == 200
    subscription.refresh_from_db()
    assert subscription.unsubscribed_at is not None
    assert not consent.is_suppressed("jane@example.com")
    assert send_due(datetime(2025, 1, 16, 20, tzinfo=UTC)).sent == 0


def test_a_marketing_reminder_as_received_unsubscribes_from_all_marketing(
    smtp: Inbox,
) -> None:
    from promotions.reminders.models import Reminder, ReplenishmentItem
    from tests.factories import ProductFactory

    due = datetime(2025, 1, 15, 9, tzinfo=UTC)  # 10:00 in Paris
    SubscriptionFactory(email="jane@example.com", kind="replenish", local_time=time(10, 0))
    SubscriptionFactory(email="jane@example.com", kind="giveaway_news")
    product = ProductFactory(name="Citrus Facial Wash")
    row = Reminder.objects.create(
        kind="replenish",
        key="r1",
        email="jane@example.com",
        email_normalized="jane@example.com",
        due_at=due,
        payload={"date": "2025-01-15", "products": [product.pk]},
    )
    ReplenishmentItem.objects.create(
        email="jane@example.com",
        email_normalized="jane@example.com",
        product=product,
        quantity=1,
        runs_out_on=(due + timedelta(days=7)).date(),
        remind_on=due.date(),
        reminder=row,
    )
    assert send_due(due).sent == 1
    (message,) = smtp.messages()
    assert message["Subject"] == "Running low on Citrus Facial Wash?"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    body = parts(message)
    assert "Citrus Facial Wash" in body["text/plain"]
    assert "https://shop.example.com/reminders/restock/" in body["text/plain"]
    assert "Open my cart" in body["text/html"]
    assert one_click(message["List-Unsubscribe"]).status_code == 200
    assert consent.is_suppressed("jane@example.com")
    assert set(
        Subscription.objects.filter(email_normalized="jane@example.com").values_list(
            "unsubscribed_at", flat=True
        )
    ) != {None}
    assert Subscription.objects.filter(unsubscribed_at__isnull=True).count() == 0
