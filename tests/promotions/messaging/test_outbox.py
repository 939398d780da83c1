"""The email outbox: one row per (purpose, key), sent once, retried or stopped, swept."""

from __future__ import annotations

import smtplib
import threading
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.db import connection as db_connection
from django.test import Client
from django.utils import timezone

from promotions.messaging import consent, sending
from promotions.messaging import services as outbox
from promotions.messaging import tasks as outbox_tasks
from promotions.messaging.models import OutboxMessage, Suppression
from promotions.messaging.services import FanoutItem, email_enqueue, email_fanout

pytestmark = pytest.mark.django_db

State = OutboxMessage.State


def enqueue(**overrides: Any) -> OutboxMessage:
    kwargs: dict[str, Any] = {
        "purpose": "test_purpose",
        "key": "k1",
        "recipient": "jane@example.com",
        "template": "test_message",
        "context": {"name": "Jane <b>Doe</b>", "amount": "95.00"},
    }
    kwargs.update(overrides)
    return email_enqueue(**kwargs)


@pytest.fixture(autouse=True)
def _test_templates(settings: Any, tmp_path: Any) -> None:
    folder = tmp_path / "emails"
    folder.mkdir()
    (folder / "test_message.subject.txt").write_text(
        "{% autoescape off %}Hello\n{{ name }}{% endautoescape %}"
    )
    (folder / "test_message.txt").write_text(
        "{% autoescape off %}Dear {{ name }}, you owe {{ amount }}.{% endautoescape %}"
    )
    (folder / "test_message.html").write_text("<p>Dear {{ name }}, you owe {{ amount }}.</p>")
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]


def test_enqueue_renders_subject_text_and_html_escaping_only_the_html(
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        message = enqueue()
    message.refresh_from_db()
    assert message.subject == "Hello Jane <b>Doe</b>"  # one line: no header injection
    assert message.body_text.startswith("Dear Jane <b>Doe</b>, you owe 95.00.")
    assert "Jane &lt;b&gt;Doe&lt;/b&gt;" in message.body_html
    assert message.state == State.SENT and message.attempts == 1 and message.sent_at
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["jane@example.com"]
    assert sent.alternatives[0][1] == "text/html"
    assert sent.extra_headers["X-Outbox-Id"] == str(message.pk)
    assert sent.extra_headers["Message-ID"].startswith(f"<outbox-{message.pk}.")


def test_same_purpose_and_key_is_one_email(django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        first = enqueue()
        second = enqueue(context={"name": "Someone else", "amount": "1.00"})
        other_purpose = enqueue(purpose="other_purpose")
    assert first.pk == second.pk != other_purpose.pk
    assert OutboxMessage.objects.count() == 2
    assert len(mail.outbox) == 2


def test_sending_twice_sends_once() -> None:
    message = enqueue()
    first = sending.outbox_send_messages(message_ids=[message.pk])
    second = sending.outbox_send_messages(message_ids=[message.pk])
    assert (first.sent, second.sent, second.skipped) == (1, 0, 1)
    assert len(mail.outbox) == 1


def test_send_after_waits_for_its_time() -> None:
    message = enqueue(send_after=timezone.now() + timedelta(hours=1))
    assert sending.outbox_send_messages(message_ids=[message.pk]).skipped == 1
    assert mail.outbox == []
    report = outbox_tasks.outbox_sweep(now=timezone.now() + timedelta(hours=2))
    assert report.dispatched == 1


def test_marketing_to_a_suppressed_address_is_never_sent_transactional_is() -> None:
    consent.suppression_add(email="Jane.Doe+x@gmail.com")
    marketing = enqueue(recipient="janedoe@gmail.com", marketing=True)
    transactional = enqueue(key="k2", recipient="janedoe@gmail.com")
    assert marketing.state == State.SUPPRESSED
    sending.outbox_send_messages(message_ids=[marketing.pk, transactional.pk])
    assert [m.to for m in mail.outbox] == [["janedoe@gmail.com"]]
    assert OutboxMessage.objects.get(pk=transactional.pk).state == State.SENT


def test_suppression_added_after_enqueue_still_stops_a_marketing_email() -> None:
    message = enqueue(marketing=True)
    consent.suppression_add(email="JANE@example.com")
    report = sending.outbox_send_messages(message_ids=[message.pk])
    assert report.suppressed == 1 and mail.outbox == []
    assert OutboxMessage.objects.get(pk=message.pk).state == State.SUPPRESSED


def test_marketing_email_carries_one_click_unsubscribe(client: Client) -> None:
    message = enqueue(marketing=True)
    assert message.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = message.headers["List-Unsubscribe"].strip("<>")
    path = url.split("8000", 1)[-1] if "8000" in url else url
    response = client.get(path)
    assert response.status_code == 200 and b"Unsubscribe" in response.content
    assert not Suppression.objects.exists()  # GET changes nothing
    response = client.post(path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and b"You are unsubscribed" in response.content
    assert Suppression.objects.get().email == "jane@example.com"
    assert client.post(path).status_code == 200  # twice is fine
    assert client.get(path.replace(path.split("/")[-2], "tampered")).status_code == 404


def test_transient_error_goes_back_to_pending_with_backoff(flaky: Any) -> None:
    message = enqueue()
    before = timezone.now()
    report = sending.outbox_send_messages(
        message_ids=[message.pk],
        connection_factory=flaky(smtplib.SMTPServerDisconnected("Connection unexpectedly closed")),
    )
    message.refresh_from_db()
    assert report.retried == 1
    assert message.state == State.PENDING and message.attempts == 1
    assert "SMTPServerDisconnected" in message.last_error
    # First retry: 60 s base, half fixed and half jitter.
    assert (
        before + timedelta(seconds=29) <= message.next_attempt_at <= before + timedelta(seconds=62)
    )
    assert message.dispatched_at is None  # the sweep dispatches it when due


def test_4xx_is_transient_5xx_recipient_refused_is_permanent(flaky: Any) -> None:
    soft = enqueue(key="soft", recipient="soft@example.com")
    hard = enqueue(key="hard", recipient="hard@example.com")
    sending.outbox_send_messages(
        message_ids=[soft.pk],
        connection_factory=flaky(smtplib.SMTPResponseException(451, b"try later")),
    )
    sending.outbox_send_messages(
        message_ids=[hard.pk],
        connection_factory=flaky(
            smtplib.SMTPRecipientsRefused({"hard@example.com": (550, b"no such user")})
        ),
    )
    soft.refresh_from_db()
    hard.refresh_from_db()
    assert soft.state == State.PENDING
    assert hard.state == State.FAILED and "550" in hard.last_error


def test_too_many_attempts_ends_failed(flaky: Any, settings: Any) -> None:
    settings.OUTBOX_MAX_ATTEMPTS = 3
    message = enqueue()
    factory = flaky(TimeoutError("timed out"))
    for _ in range(3):
        OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
        sending.outbox_send_messages(message_ids=[message.pk], connection_factory=factory)
    message.refresh_from_db()
    assert message.state == State.FAILED and message.attempts == 3


def test_one_bad_message_does_not_stop_the_batch(flaky: Any) -> None:
    good = enqueue(key="good", recipient="good@example.com")
    bad = enqueue(key="bad", recipient="bad@example.com")
    report = sending.outbox_send_messages(
        message_ids=[good.pk, bad.pk],
        connection_factory=flaky(
            smtplib.SMTPRecipientsRefused({"bad@example.com": (550, b"unknown")}),
            fail_for={"bad@example.com"},
        ),
    )
    assert (report.sent, report.failed) == (1, 1)


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (smtplib.SMTPConnectError(421, "busy"), sending.TransientError),
        (smtplib.SMTPServerDisconnected("gone"), sending.TransientError),
        (ConnectionRefusedError(111, "refused"), sending.TransientError),
        (TimeoutError("slow"), sending.TransientError),
        (smtplib.SMTPResponseException(452, "mailbox full"), sending.TransientError),
        (smtplib.SMTPResponseException(554, "rejected"), sending.PermanentError),
        (smtplib.SMTPRecipientsRefused({"a@x": (550, b"no")}), sending.PermanentError),
        (smtplib.SMTPRecipientsRefused({"a@x": (450, b"greylisted")}), sending.TransientError),
        (smtplib.SMTPAuthenticationError(535, "bad login"), sending.TransientError),
        (ValueError("Invalid address"), sending.PermanentError),
    ],
)
def test_errors_are_classified(error: BaseException, kind: type) -> None:
    assert sending.classify_error(error) is kind


def test_backoff_grows_with_jitter_and_is_capped(settings: Any) -> None:
    settings.OUTBOX_BACKOFF_SECONDS = 60
    delays = [sending.backoff_delay(n).total_seconds() for n in (1, 2, 3, 4)]
    for n, delay in enumerate(delays, 1):
        step = 60 * 2 ** (n - 1)
        assert step / 2 <= delay <= step
    assert sending.backoff_delay(30).total_seconds() <= 6 * 3600
    assert len({sending.backoff_delay(5).total_seconds() for _ in range(20)}) > 1  # jitter


def test_sweep_frees_expired_leases_and_redispatches_only_stale_rows(
    django_capture_on_commit_callbacks: Any,
) -> None:
    dead = enqueue(key="dead")
    queued = enqueue(key="queued")  # its task is in the queue: leave it alone
    lost = enqueue(key="lost")
    now = timezone.now()
    OutboxMessage.objects.filter(pk=dead.pk).update(
        state=State.SENDING, claimed_until=now - timedelta(seconds=1), attempts=1
    )
    OutboxMessage.objects.filter(pk=lost.pk).update(dispatched_at=now - timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        report = outbox_tasks.outbox_sweep(now=now)
    assert (report.expired_leases, report.dispatched) == (1, 2)
    states = dict(OutboxMessage.objects.values_list("key", "state"))
    assert states == {"dead": State.SENT, "queued": State.PENDING, "lost": State.SENT}
    assert sorted(m.to[0] for m in mail.outbox) == ["jane@example.com"] * 2
    assert queued.pk not in [int(m.extra_headers["X-Outbox-Id"]) for m in mail.outbox]


def test_sweep_gives_up_on_rows_that_keep_killing_workers(settings: Any) -> None:
    settings.OUTBOX_MAX_ATTEMPTS = 2
    message = enqueue()
    OutboxMessage.objects.filter(pk=message.pk).update(
        state=State.SENDING, claimed_until=timezone.now() - timedelta(seconds=1), attempts=2
    )
    assert outbox_tasks.outbox_sweep().gave_up == 1
    assert OutboxMessage.objects.get(pk=message.pk).state == State.FAILED


def test_fanout_creates_rows_in_batches_and_never_twice(
    django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    from promotions.messaging import tasks

    chunks: list[int] = []
    real_delay = tasks.outbox_send_batch.delay

    def recording_delay(ids: list[int]) -> Any:
        chunks.append(len(ids))
        return real_delay(ids)

    monkeypatch.setattr(tasks.outbox_send_batch, "delay", recording_delay)
    items = [
        FanoutItem(key=f"person:{i}", recipient=f"p{i}@example.com", context={"name": f"P{i}"})
        for i in range(250)
    ]
    with django_capture_on_commit_callbacks(execute=True):
        created = email_fanout(
            purpose="news",
            template="test_message",
            items=items,
            common_context={"amount": "1"},
            batch_size=200,
        )
    assert created == 250
    assert chunks == [100, 100, 50]  # two insert batches (200 + 50), sent in chunks of 100
    assert len(mail.outbox) == 250
    assert len({m.to[0] for m in mail.outbox}) == 250
    with django_capture_on_commit_callbacks(execute=True):
        again = email_fanout(purpose="news", template="test_message", items=items[:10])
    assert again == 0 and len(mail.outbox) == 250


def test_fanout_marks_suppressed_marketing_rows() -> None:
    consent.suppression_add(email="p1@example.com")
    items = [FanoutItem(key=f"p{i}", recipient=f"p{i}@example.com") for i in range(3)]
    email_fanout(
        purpose="news",
        template="test_message",
        items=items,
        marketing=True,
        common_context={"name": "x", "amount": "1"},
    )
    states = dict(OutboxMessage.objects.values_list("recipient", "state"))
    assert states["p1@example.com"] == State.SUPPRESSED
    assert states["p0@example.com"] == State.PENDING


def test_retry_now_resends_failed_messages(django_capture_on_commit_callbacks: Any) -> None:
    message = enqueue()
    OutboxMessage.objects.filter(pk=message.pk).update(
        state=State.FAILED, attempts=8, last_error="550"
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox.outbox_retry_now(message_ids=[message.pk]) == 1
    assert OutboxMessage.objects.get(pk=message.pk).state == State.SENT
    assert len(mail.outbox) == 1


def test_admin_lists_and_shows_messages_read_only_with_escaped_html(
    admin_client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    message = enqueue(context={"name": '<script>alert("x")</script>', "amount": "1"})
    response = admin_client.get("/admin/promotions/outboxmessage/?state__exact=pending")
    assert response.status_code == 200 and b"jane@example.com" in response.content
    response = admin_client.get(f"/admin/promotions/outboxmessage/{message.pk}/change/")
    assert response.status_code == 200
    assert b'<script>alert("x")</script>' not in response.content
    assert b'sandbox=""' in response.content
    assert admin_client.get("/admin/promotions/outboxmessage/add/").status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/promotions/outboxmessage/",
            {"action": "retry_now", "_selected_action": [message.pk]},
            follow=True,
        )
    assert b"Queued 1 message" in response.content
    assert admin_client.get("/admin/promotions/suppression/").status_code == 200


def test_in_process_mode_prints_to_the_console_and_keeps_the_row(
    settings: Any, capsys: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        message = enqueue()
    assert "Subject: Hello Jane <b>Doe</b>" in capsys.readouterr().out
    assert OutboxMessage.objects.get(pk=message.pk).state == State.SENT


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_enqueue_and_send_make_one_row_and_one_email() -> None:
    barrier = threading.Barrier(8)
    ids: list[int] = []
    errors: list[BaseException] = []

    def enqueue_one() -> None:
        try:
            barrier.wait()
            # Due later, so that no send starts before the second race below.
            later = timezone.now() + timedelta(hours=1)
            ids.append(enqueue(key="race", send_after=later).pk)
        except BaseException as exc:
            errors.append(exc)
        finally:
            db_connection.close()

    threads = [threading.Thread(target=enqueue_one) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(set(ids)) == 1
    assert OutboxMessage.objects.filter(key="race").count() == 1
    OutboxMessage.objects.filter(key="race").update(next_attempt_at=timezone.now())

    results: list[int] = []

    def send_one() -> None:
        try:
            barrier.wait()
            results.append(sending.outbox_send_messages(message_ids=[ids[0]]).sent)
        finally:
            db_connection.close()

    threads = [threading.Thread(target=send_one) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [0] * 7 + [1]
    assert len(mail.outbox) == 1
