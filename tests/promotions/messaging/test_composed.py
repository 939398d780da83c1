"""Emails composed when sent (issue 20): the row is written without a body, the worker writes
it with the composer registered for its purpose, keeps it on the row and sends it; a composer
that fails is a failed send of that row alone."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core import mail
from django.db import transaction
from django.test import Client

from promotions.messaging import composers
from promotions.messaging.composers import ComposeRefused, composer_register
from promotions.messaging.models import COMPOSED_WHEN_SENT, OutboxMessage
from promotions.messaging.rendering import RenderedEmail
from promotions.messaging.sending import outbox_send_messages
from promotions.messaging.services import email_enqueue, email_enqueue_composed

State = OutboxMessage.State
PURPOSE = "test_composed"
calls: list[str] = []


def compose(object_ref: str) -> RenderedEmail:
    """ok:<n> composes; gone: the object is gone; anything else: an unexpected error."""
    calls.append(object_ref)
    if object_ref == "gone":
        raise ComposeRefused("test.thing:gone no longer exists")
    if not object_ref.startswith("ok:"):
        raise RuntimeError(f"cannot read {object_ref}")
    n = object_ref.removeprefix("ok:")
    return RenderedEmail(f"Thing {n}", f"Text about {n}\n", f"<p>HTML about {n}</p>")


@pytest.fixture(autouse=True)
def _composer(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(composers, "_composers", dict(composers._composers))
    composer_register(PURPOSE, compose)
    calls.clear()
    yield


def enqueue(ref: str, key: str | None = None) -> OutboxMessage:
    return email_enqueue_composed(
        purpose=PURPOSE,
        key=key or ref,
        recipient=f"{ref.replace(':', '')}@example.com",
        object_ref=ref,
    )


@pytest.mark.django_db
def test_a_composed_row_is_written_empty_composed_at_send_kept_and_sent() -> None:
    row = enqueue("ok:1")
    assert (row.compose_at_send, row.subject, row.body_text, row.body_html) == (True, "", "", "")
    assert calls == []  # nothing composed at enqueue time
    report = outbox_send_messages(message_ids=[row.pk])
    assert report.sent == 1 and calls == ["ok:1"]
    row.refresh_from_db()
    assert (row.state, row.compose_at_send) == (State.SENT, False)
    assert (row.subject, row.body_text, row.body_html) == (
        "Thing 1",
        "Text about 1\n",
        "<p>HTML about 1</p>",
    )
    (sent,) = mail.outbox
    assert (sent.subject, sent.body, sent.alternatives[0][0]) == (
        "Thing 1",
        "Text about 1\n",
        "<p>HTML about 1</p>",
    )
    assert sent.to == ["ok1@example.com"]


@pytest.mark.django_db
def test_the_unique_key_decides_without_a_read_and_a_repeat_is_the_same_row(
    django_assert_num_queries: Any,
) -> None:
    with transaction.atomic():
        with django_assert_num_queries(3):  # savepoint, insert, release: no SELECT first
            first = enqueue("ok:1", key="one")
        again = enqueue("ok:2", key="one")
    assert again.pk == first.pk and again.object_ref == "ok:1"
    assert OutboxMessage.objects.count() == 1


@pytest.mark.django_db
def test_a_failing_composer_fails_its_row_only_and_the_batch_goes_on() -> None:
    good = enqueue("ok:1")
    broken = enqueue("broken")  # an unexpected error: retried later with backoff
    gone = enqueue("gone")  # refused: failed for good at once
    ordinary = email_enqueue(
        purpose="test_plain",
        key="p",
        recipient="plain@example.com",
        template="giveaway_thanks",
        context={"name": "Rosa", "giveaway": None},
    )
    later = enqueue("ok:2")
    orphan = email_enqueue_composed(  # a purpose no composer is registered for
        purpose="test_nobody", key="n", recipient="n@example.com", object_ref="ok:3"
    )
    ids = [good.pk, broken.pk, gone.pk, ordinary.pk, later.pk, orphan.pk]
    report = outbox_send_messages(message_ids=ids)
    assert (report.sent, report.retried, report.failed) == (3, 2, 1)
    assert sorted(m.to[0] for m in mail.outbox) == [
        "ok1@example.com",
        "ok2@example.com",
        "plain@example.com",
    ]
    rows = {row.pk: row for row in OutboxMessage.objects.all()}
    assert rows[broken.pk].state == State.PENDING and rows[broken.pk].attempts == 1
    assert rows[broken.pk].last_error == "RuntimeError: cannot read broken"
    assert rows[broken.pk].next_attempt_at > broken.next_attempt_at  # backed off
    assert rows[broken.pk].compose_at_send and rows[broken.pk].subject == ""
    assert rows[gone.pk].state == State.FAILED
    assert rows[gone.pk].last_error == "ComposeRefused: test.thing:gone no longer exists"
    assert rows[orphan.pk].state == State.PENDING
    assert "No composer is registered for 'test_nobody'" in rows[orphan.pk].last_error
    assert rows[later.pk].state == State.SENT and rows[later.pk].subject == "Thing 2"


@pytest.mark.django_db
def test_a_retried_row_sends_what_it_was_composed_with(monkeypatch: pytest.MonkeyPatch) -> None:
    """Composed once: a send that fails after composing keeps the body, and the retry sends
    it without composing again (the outbox keeps what was sent)."""
    row = enqueue("ok:1")

    def refuse(self: Any, messages: Any) -> int:
        raise ConnectionResetError("the relay hung up")

    backend = "django.core.mail.backends.locmem.EmailBackend.send_messages"
    with monkeypatch.context() as patched:
        patched.setattr(backend, refuse)
        assert outbox_send_messages(message_ids=[row.pk]).retried == 1
    row.refresh_from_db()
    assert (row.state, row.compose_at_send, row.subject) == (State.PENDING, False, "Thing 1")
    OutboxMessage.objects.filter(pk=row.pk).update(next_attempt_at=row.created_at)
    assert outbox_send_messages(message_ids=[row.pk]).sent == 1
    assert calls == ["ok:1"] and mail.outbox[0].subject == "Thing 1"


@pytest.mark.django_db
def test_the_admin_says_composed_when_sent_until_it_is(admin_client: Client) -> None:
    row = enqueue("ok:7")
    listing = admin_client.get("/admin/promotions/outboxmessage/").content.decode()
    assert COMPOSED_WHEN_SENT in listing
    page = admin_client.get(f"/admin/promotions/outboxmessage/{row.pk}/change/").content.decode()
    assert page.count("the worker writes it from ok:7 when it sends this message") == 2
    assert "<iframe" not in page
    part = admin_client.get(f"/admin/promotions/outboxmessage/{row.pk}/html/")
    assert part.status_code == 200 and COMPOSED_WHEN_SENT in part.content.decode()

    outbox_send_messages(message_ids=[row.pk])
    page = admin_client.get(f"/admin/promotions/outboxmessage/{row.pk}/change/").content.decode()
    assert COMPOSED_WHEN_SENT not in page and "Thing 7" in page and "Text about 7" in page
    part = admin_client.get(f"/admin/promotions/outboxmessage/{row.pk}/html/")
    assert part.content.decode() == "<p>HTML about 7</p>"
