"""The order confirmation through real Celery workers on Redis and PostgreSQL: sent exactly
once, also when its task is delivered more than once.

Reuses the giveaways' worker harness (tests/promotions/messaging/test_worker.py): `celery -A config
worker` subprocesses on the test database with a file email backend, each email carrying
X-Outbox-Id so that counting those headers counts deliveries.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from config.celery import app as celery_app
from promotions.messaging.models import OutboxMessage
from shop.checkout.models import Order
from tests.promotions.messaging.test_worker import Worker, deliveries, workers  # noqa: F401 (fixture)
from tests.shop.checkout_helpers import make_catalog, new_cart
from tests.shop.race import buy
from tests.workers import wait_idle

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("celery-workers"),  # one such test at a time: see tests/conftest.py
]


def wait_sent(message_id: int, timeout: float = 60) -> OutboxMessage:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        message = OutboxMessage.objects.get(pk=message_id)
        if message.state == OutboxMessage.State.SENT:
            return message
        time.sleep(0.2)
    raise AssertionError(f"not sent in {timeout:.0f} s: {message.state} {message.last_error}")


def test_the_order_confirmation_is_sent_exactly_once(
    tmp_path: Path,
    workers: list[Worker],  # noqa: F811
) -> None:
    mail_dir = tmp_path / "mail"
    workers.append(Worker(mail_dir).start())
    workers.append(Worker(mail_dir).start())
    make_catalog()
    status, body = buy(new_cart(APIClient(), {"kit": "duo"}), "worker-key")
    assert status == 201, body
    message = OutboxMessage.objects.get(purpose="order_confirmation")
    # The commit queued one send; deliver the same task twice more at once, as a redelivery
    # after a lost acknowledgement would, while two workers are listening.
    for _ in range(2):
        celery_app.send_task("promotions.tasks.outbox_send", args=[message.pk])
    sent = wait_sent(message.pk)
    assert sent.attempts == 1
    # And once more after it was sent, in a batch this time.
    celery_app.send_task("promotions.tasks.outbox_send_batch", args=[[message.pk]])
    wait_idle(celery_app)
    assert deliveries(mail_dir) == {message.pk: 1}
    written = b"".join(path.read_bytes() for path in mail_dir.glob("*.log"))
    number = Order.objects.get().number
    assert f"Your order {number} is confirmed".encode() in written
    assert b"multipart/alternative" in written and b"text/html" in written
