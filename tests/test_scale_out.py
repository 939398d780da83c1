"""More than one machine, on this one: two independent gunicorn processes and two Celery
workers (separate processes, separate hostnames) on one PostgreSQL database and one Redis.

What several machines share is exactly what these processes share: the database, the broker
and the cache; nothing else (no memory, no files, no local locks). So the three things the
scale-out path depends on are proved across process boundaries, over real HTTP:

- a price changed through process A's staff API is in process B's very next quote (every
  gunicorn worker process of B, both ways round);
- a checkout race split over A and B (40 buyers for 10 units, some sending the same
  Idempotency-Key to both at once; then buyers sharing a code with a usage limit) keeps every
  guarantee: exactly 10 orders, nothing oversold, 0 over-redemptions, one order per key;
- an email fan-out is shared by both workers, each doing part of it, and every email is
  delivered exactly once (each worker writes into its own folder; X-Outbox-Id counts them).

Every process started here is killed at the end, also when the test fails.
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token

from config.celery import app as celery_app
from promotions.codes.models import PromoCode, Promotion, Redemption
from promotions.giveaways import emails
from promotions.messaging.models import OutboxMessage
from shop.catalog.models import Product
from shop.checkout.models import Order
from tests.promotions.messaging.test_worker import entrants
from tests.shop.checkout_helpers import checkout_body, make_catalog
from tests.workers import (
    WORKER_TEST_MARKS,
    Worker,
    deliveries,
    free_port,
    spawn,
    stop,
    wait_for,
    worker_database_url,
)

pytestmark = WORKER_TEST_MARKS

WEB_WORKERS = 2  # gunicorn worker processes per web process
# Ports for web A and B ("8691,8692"), for a machine where each user has a range; else free ones.
PORTS = [int(p) for p in os.environ.get("SCALE_OUT_PORTS", "0,0").split(",")]


class Web:
    """One `gunicorn config.wsgi` process (its own workers) on the test database and Redis."""

    def __init__(self, name: str, log_dir: Path, port: int) -> None:
        self.name = name
        self.port = port or free_port()
        self.log = log_dir / f"gunicorn-{name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Web:
        env = {k: v for k, v in os.environ.items() if k != "TEST_DATABASE_NAME"}
        env.update(
            DATABASE_URL=worker_database_url(),
            DEBUG="1",
            LOG_LEVEL="WARNING",
            THROTTLE_ANON="100000/min",
            THROTTLE_USER="100000/min",
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        )
        self.process = spawn(
            [
                "gunicorn",
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(WEB_WORKERS),
                "--log-level",
                "warning",
            ],
            env,
            self.log,
        )

        def answers() -> bool:
            assert self.process is not None and self.process.poll() is None, self.tail()
            try:
                return self.request("GET", "/healthz")[0] in {200, 503}
            except OSError:
                return False

        wait_for(answers, timeout=60, describe=self.tail)
        return self

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""

    def request(
        self, method: str, path: str, body: Any = None, **headers: str
    ) -> tuple[int, dict[str, Any]]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request(
                method,
                path,
                body=None if body is None else json.dumps(body),
                headers={"Content-Type": "application/json", **headers},
            )
            response = conn.getresponse()
            payload = response.read()
            return response.status, json.loads(payload) if payload else {}
        finally:
            conn.close()

    def stop(self) -> None:
        stop(self.process)


@pytest.fixture
def machines(tmp_path: Path) -> Iterator[tuple[Web, Web, Worker, Worker]]:
    """Web A, web B, worker A, worker B: started together, killed together whatever happens."""
    celery_app.control.purge()
    started: list[Web | Worker] = []
    try:
        for process in (
            Web("a", tmp_path, PORTS[0]),
            Web("b", tmp_path, PORTS[1]),
            Worker(tmp_path / "mail-a"),
            Worker(tmp_path / "mail-b"),
        ):
            started.append(process)
            process.start()
        web_a, web_b, worker_a, worker_b = started
        assert isinstance(web_a, Web) and isinstance(web_b, Web)
        assert isinstance(worker_a, Worker) and isinstance(worker_b, Worker)
        yield web_a, web_b, worker_a, worker_b
    finally:
        for process in reversed(started):
            process.stop()
        celery_app.control.purge()


def concurrently(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run the calls in threads released together; results in order (an exception is kept)."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = calls[index]()
        except BaseException as error:
            results[index] = error

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not any(t.is_alive() for t in threads), "a request still running after 120 s"
    return results


def outcome(result: Any) -> str:
    if isinstance(result, BaseException):
        return repr(result)
    status, body = result
    return f"{status} {body.get('code', '')}".strip()


def cart_with(web: Web, item: dict[str, Any], code: str = "") -> str:
    status, cart = web.request("POST", "/api/carts/", {})
    assert status == 201, cart
    status, body = web.request("POST", f"/api/carts/{cart['id']}/items/", item)
    assert status == 201, body
    if code:
        status, body = web.request("POST", f"/api/carts/{cart['id']}/promo/", {"code": code})
        assert status == 200, body
    return str(cart["id"])


def checkout(web: Web, cart_id: str, key: str) -> Callable[[], tuple[int, dict[str, Any]]]:
    return lambda: web.request(
        "POST", f"/api/carts/{cart_id}/checkout/", checkout_body(), **{"Idempotency-Key": key}
    )


def quoted_price(web: Web, slug: str) -> Decimal:
    status, body = web.request("POST", "/api/quote/", {"items": [{"product": slug, "quantity": 1}]})
    assert status == 200, body
    return Decimal(body["lines"][0]["unit_price"])


def test_two_web_processes_and_two_workers_on_one_database_and_redis(
    machines: tuple[Web, Web, Worker, Worker],
) -> None:
    web_a, web_b, worker_a, worker_b = machines
    catalog = make_catalog(stock=10_000)
    staff = get_user_model().objects.create_user("merchant", password="x", is_staff=True)
    auth = {"Authorization": f"Token {Token.objects.create(user=staff).key}"}

    # (a) A price changed through one process is in the other's next quote. Each gunicorn has
    # WEB_WORKERS processes, each with its own catalog snapshot: ask every one of them (more
    # quotes than workers, each warmed on the old price first).
    for writer, reader, price in ((web_a, web_b, "21.50"), (web_b, web_a, "22.75")):
        for _ in range(4 * WEB_WORKERS):
            assert quoted_price(reader, "wash") != Decimal(price)
        status, body = writer.request("PATCH", "/api/products/wash/", {"price": price}, **auth)
        assert status == 200 and body["price"] == price, body
        seen = [quoted_price(reader, "wash") for _ in range(4 * WEB_WORKERS)]
        assert seen == [Decimal(price)] * len(seen), (writer.name, reader.name, seen)

    # (b1) 40 buyers for the last 10 units, split over A and B; 10 of them also send their
    # request, same key and body, to the other process at the same instant.
    Product.objects.filter(pk=catalog.serum.pk).update(stock=10)
    webs = (web_a, web_b)
    carts = [cart_with(webs[i % 2], {"product": "serum", "quantity": 1}) for i in range(40)]
    keys = [f"scale-out-{uuid.uuid4()}" for _ in carts]
    calls = [checkout(webs[i % 2], carts[i], keys[i]) for i in range(40)]
    calls += [checkout(webs[(i + 1) % 2], carts[i], keys[i]) for i in range(10)]
    results = concurrently(calls)
    counts = Counter(outcome(r) for r in results)
    assert set(counts) <= {"200", "201", "409 out_of_stock"}, counts
    orders = Order.objects.filter(idempotency_key__in=keys)
    assert orders.count() == 10, counts
    assert Product.objects.get(pk=catalog.serum.pk).stock == 0  # 10 taken, none oversold
    numbers = {r[1]["number"] for r in results if outcome(r) in {"200", "201"}}
    assert numbers == set(orders.values_list("number", flat=True)), counts
    for i in range(10):  # the same key sent to both processes: one answer, one order
        pair = (outcome(results[i]), outcome(results[40 + i]))
        if "409 out_of_stock" in pair:
            assert pair == ("409 out_of_stock",) * 2, pair
        else:
            assert results[i][1]["number"] == results[40 + i][1]["number"], pair

    # (b2) 30 buyers, split over A and B, all with one code whose promotion allows 5 uses.
    promotion = Promotion.objects.create(
        name="Scale-out", kind="percent", value=Decimal("10"), usage_limit=5
    )
    PromoCode.objects.create(code="SCALEOUT", promotion=promotion)
    item = {"product": "toner", "quantity": 1}
    carts = [cart_with(webs[i % 2], item, code="SCALEOUT") for i in range(30)]
    calls = [checkout(webs[i % 2], cart, f"code-{uuid.uuid4()}") for i, cart in enumerate(carts)]
    counts = Counter(outcome(r) for r in concurrently(calls))
    assert counts == {"201": 5, "409 promo_exhausted": 25}, counts
    promotion.refresh_from_db()
    kept = Redemption.objects.filter(promotion=promotion, released_at__isnull=True).count()
    assert kept == promotion.uses == 5

    # (c) A fan-out shared by both workers: each email delivered exactly once, both did part.
    giveaway, entries = entrants(600)
    assert emails.thanks_emails_send(giveaway=giveaway, entries=entries) == 600
    fanout = set(
        OutboxMessage.objects.filter(purpose="giveaway_thanks").values_list("pk", flat=True)
    )

    def sent() -> int:
        return OutboxMessage.objects.filter(pk__in=fanout, state="sent").count()

    wait_for(lambda: sent() == 600, timeout=240, describe=lambda: f"{sent()} of 600 sent")
    folders = {
        worker.name: worker.log.parent / f"mail-{tag}"
        for worker, tag in ((worker_a, "a"), (worker_b, "b"))
    }
    by_worker = {name: deliveries(folder) for name, folder in folders.items()}
    share = {name: sum(counted[pk] for pk in fanout) for name, counted in by_worker.items()}
    assert all(share.values()), f"a worker sent none of the fan-out: {share}"
    total: Counter[int] = Counter()
    for counted in by_worker.values():
        total.update(counted)
    assert fanout <= set(total) and max(total[pk] for pk in fanout) == 1, share

    # The order confirmations the web processes queued went through the same workers, once.
    confirmations = set(
        OutboxMessage.objects.filter(purpose="order_confirmation").values_list("pk", flat=True)
    )
    assert len(confirmations) == Order.objects.count() == 15

    def confirmations_sent() -> int:
        return OutboxMessage.objects.filter(pk__in=confirmations, state="sent").count()

    wait_for(
        lambda: confirmations_sent() == 15, timeout=60, describe=lambda: str(confirmations_sent())
    )
    total = Counter()
    for folder in folders.values():
        total.update(deliveries(folder))
    assert [total[pk] for pk in confirmations] == [1] * 15
    print(f"\nfan-out of 600 shared by the workers: {share}; code race {counts}")
