"""Order confirmations through a real Celery worker while things break under it.

- SIGKILL: the worker is killed with a confirmation claimed and in hand; a new worker and the
  sweep (beat's job) deliver every confirmation exactly once.
- Redis restart: a private redis-server (no persistence, its own free port) is killed and
  started again while the worker is mid-send, so every queued send task is lost with it; the
  worker reconnects, the sweep re-queues what was lost, and every confirmation still arrives
  exactly once. (tests/promotions/reminders/test_worker.py does the same for reminders.)

Reuses the worker harness (tests/workers.py: Worker, PrivateRedis, broker) with a gated email
backend (tests/faults/gate_backend.py) that stops on cue; each email carries X-Outbox-Id, so
counting those headers in the written files counts deliveries.
"""

from __future__ import annotations

import shutil
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings
from rest_framework.test import APIClient

from config.celery import app as celery_app
from promotions.messaging import tasks as outbox_tasks
from promotions.messaging.models import OutboxMessage
from shop.checkout.models import Order
from tests.shop.checkout_helpers import check_out, make_catalog, new_cart
from tests.workers import PrivateRedis, Worker, broker, deliveries

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("celery-workers"),  # one such test at a time: see tests/conftest.py
]
ORDERS = 40
GATE = "tests.faults.gate_backend.EmailBackend"


def place_orders(count: int) -> list[Order]:
    """`count` orders through the API; each commit queues its confirmation's send task."""
    make_catalog(stock=count * 2)
    client = APIClient()
    for _ in range(count):
        cart = new_cart(client, {"kit": "duo", "quantity": 1})
        response = check_out(client, cart, key=str(uuid.uuid4()))
        assert response.status_code == 201, response.content
    return list(Order.objects.all())


def wait_for(path: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path.name} never appeared"
        time.sleep(0.1)


def sweep_until_all_sent(count: int, timeout: float = 120) -> None:
    """What beat does every minute, every half second: re-queue rows whose lease ran out or
    whose task was lost (queued more than a second ago and still pending)."""
    deadline = time.monotonic() + timeout
    with override_settings(OUTBOX_REDISPATCH_SECONDS=1):
        while OutboxMessage.objects.filter(state="sent").count() < count:
            assert time.monotonic() < deadline, dict(
                OutboxMessage.objects.values_list("pk", "state")
            )
            outbox_tasks.outbox_sweep()
            time.sleep(0.5)


def assert_each_confirmation_delivered_once(mail_dir: Path, orders: list[Order]) -> None:
    rows = dict(
        OutboxMessage.objects.filter(purpose="order_confirmation").values_list("object_ref", "pk")
    )
    assert len(rows) == len(orders)  # one confirmation row per order, no more
    counts = deliveries(mail_dir)
    assert set(counts) == set(rows.values()), f"lost {set(rows.values()) - set(counts)}"
    doubled = {pk: n for pk, n in counts.items() if n > 1}
    assert not doubled, f"delivered more than once: {doubled}"


def test_sigkill_mid_batch_of_order_confirmations_loses_none_and_doubles_none(
    tmp_path: Path,
) -> None:
    mail_dir = tmp_path / "mail"
    celery_app.control.purge()
    first = Worker(mail_dir, EMAIL_BACKEND=GATE, GATE_AFTER_MESSAGES="10").start()
    second: Worker | None = None
    try:
        orders = place_orders(ORDERS)
        wait_for(mail_dir / "gate")
        first.kill()  # SIGKILL with the 11th confirmation claimed and in hand
        in_hand = OutboxMessage.objects.filter(state="sending").count()
        assert in_hand >= 1
        assert OutboxMessage.objects.filter(state="sent").count() == 10
        (mail_dir / "gate").unlink()
        second = Worker(mail_dir).start()
        time.sleep(5.5)  # the killed worker's lease (OUTBOX_LEASE_SECONDS=5) runs out
        sweep_until_all_sent(ORDERS)
        assert_each_confirmation_delivered_once(mail_dir, orders)
    finally:
        first.stop()
        if second is not None:
            second.stop()
        celery_app.control.purge()


# -- Redis restart -----------------------------------------------------------------------------


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is not installed (apt-get install redis-server)")
    server = PrivateRedis().start()
    yield server
    server.stop()


def queued(server: PrivateRedis) -> int:
    import redis

    # Celery's queue is a list whose key starts with the run's prefix (config/settings.py).
    return int(redis.Redis.from_url(server.url).llen(settings.REDIS_KEY_PREFIX + "celery"))


def test_redis_restart_mid_run_loses_no_order_confirmation_and_doubles_none(
    tmp_path: Path, private_redis: PrivateRedis
) -> None:
    mail_dir = tmp_path / "mail"
    with broker(celery_app, private_redis.url):
        # Nothing is killed here, so no lease has to run out: a long one keeps the email held
        # at the gate (while 40 orders are placed, slowly on a busy machine) from being
        # claimed again and sent twice, as a lease that runs out rightly allows.
        worker = Worker(
            mail_dir,
            REDIS_URL=private_redis.url,
            EMAIL_BACKEND=GATE,
            GATE_AFTER_MESSAGES="10",
            OUTBOX_LEASE_SECONDS="120",
        ).start()
        try:
            orders = place_orders(ORDERS)
            wait_for(mail_dir / "gate")  # mid-send: 10 written, the 11th claimed and in hand
            assert queued(private_redis) > 0  # the rest wait in this Redis...

            private_redis.restart()  # kill -9 and start again: no persistence
            assert queued(private_redis) == 0  # ...and are gone with it
            (mail_dir / "gate").unlink()  # the worker finishes the email in hand

            sweep_until_all_sent(ORDERS)
            assert_each_confirmation_delivered_once(mail_dir, orders)
            assert worker.process is not None and worker.process.poll() is None  # reconnected
        finally:
            worker.stop()
