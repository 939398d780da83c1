"""Real Celery workers (and a private Redis) for tests that need them (not a test module).

`Worker` runs `celery -A config worker` in a subprocess pointed at the test database, with a
file email backend writing into a folder; every email carries X-Outbox-Id, so counting those
lines counts deliveries. `PrivateRedis` is a redis-server of the test's own on a free loopback
port, which the test may kill and restart (no persistence: a restart loses every queued task)
without touching the shared one; `broker(app, url)` points this process's Celery app at it.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]
# The marks of a test that drives real workers: PostgreSQL and Redis, slow, and one such test
# at a time (not two such loads at once on a 2-core machine: see tests/conftest.py).
WORKER_TEST_MARKS = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("celery-workers"),
]
OUTBOX_ID = re.compile(rb"^X-Outbox-Id: (\d+)\r?$", re.MULTILINE)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def worker_database_url() -> str:
    database = connection.settings_dict
    return (
        f"postgres://{database['USER']}"
        + (f":{database['PASSWORD']}" if database.get("PASSWORD") else "")
        + f"@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/{database['NAME']}"
    )


class Worker:
    """One `celery -A config worker` subprocess against the test database."""

    def __init__(self, mail_dir: Path, **env: str) -> None:
        from config.celery import app

        self.app = app
        self.name = f"outbox-test-{uuid.uuid4().hex[:8]}@localhost"
        self.env = {
            **{k: v for k, v in os.environ.items() if k != "TEST_DATABASE_NAME"},
            "DATABASE_URL": worker_database_url(),
            "DEBUG": "1",
            "EMAIL_BACKEND": "tests.promotions.pausing_backend.EmailBackend",
            "EMAIL_FILE_PATH": str(mail_dir),
            "OUTBOX_LEASE_SECONDS": "5",
            "LOG_LEVEL": "WARNING",
            **env,
        }
        self.log = mail_dir.parent / f"{self.name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Worker:
        self.process = spawn(
            [
                "celery",
                "-A",
                "config",
                "worker",
                "--pool",
                "solo",
                "--hostname",
                self.name,
                "--loglevel",
                "WARNING",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            self.env,
            self.log,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()[-3000:]
            if self.app.control.ping(destination=[self.name], timeout=0.5):
                return self
        raise AssertionError("the worker did not start:\n" + self.log.read_text()[-3000:])

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        stop(self.process)


def spawn(module_command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """`python -m <module_command>` from the project root in a session of its own (so that
    `stop` ends it with every child), its output into `log`."""
    log.parent.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [sys.executable, "-m", *module_command],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(process: subprocess.Popen[bytes] | None) -> None:
    """TERM the process's session (it finishes what it has in hand), KILL it after 20 s."""
    if process and process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


def deliveries(mail_dir: Path) -> Counter[int]:
    """How many times each outbox row id was delivered to the file backend."""
    counts: Counter[int] = Counter()
    for path in mail_dir.glob("*.log"):
        counts.update(int(m) for m in OUTBOX_ID.findall(path.read_bytes()))
    return counts


def wait_for(
    condition: Callable[[], bool],
    *,
    timeout: float,
    every: Callable[[], Any] | None = None,
    describe: Callable[[], str] = lambda: "",
) -> None:
    """Poll `condition` (running `every` before each poll) until it holds or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if every is not None:
            every()
        if condition():
            return
        time.sleep(0.3)
    raise AssertionError(f"not done in {timeout:.0f} s: {describe()}")


def wait_idle(app: Any, *, timeout: float = 60) -> None:
    """Wait until the workers have run every task sent so far. Tasks are acknowledged after they
    run (CELERY_TASK_ACKS_LATE), so by then Celery's queue is empty and no task is waiting for
    its acknowledgement; that is checked twice, 0.3 s apart, because a task being handed to a
    worker is in neither for an instant."""
    with (
        app.connection_for_write() as broker_connection,
        broker_connection.default_channel.conn_or_acquire() as client,
    ):
        channel = broker_connection.default_channel
        queue = app.conf.task_default_queue

        def counts() -> tuple[int, int]:
            # `client` puts the run's key prefix before both names, as the workers' clients do.
            return int(client.llen(queue)), int(client.hlen(channel.unacked_key))

        def idle_twice() -> bool:
            if counts() != (0, 0):
                return False
            time.sleep(0.3)
            return counts() == (0, 0)

        wait_for(
            idle_twice,
            timeout=timeout,
            describe=lambda: "{} queued, {} unacknowledged".format(*counts()),
        )


class PrivateRedis:
    """A redis-server of this test's own on a free loopback port, without persistence."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> PrivateRedis:
        import redis

        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if client.ping():
                    return self
            except redis.RedisError:
                time.sleep(0.05)
        raise AssertionError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        """Kill -9: whatever was queued is gone, as in a crash of a Redis without persistence."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def restart(self) -> None:
        self.stop()
        self.start()


@contextmanager
def broker(app: Any, url: str) -> Iterator[None]:
    """Point this process's Celery app (sending tasks, control pings) at another broker, and
    back. The app's own connection pools are set aside, not closed: kombu keeps pools in a
    registry per URL, and a closed one would be handed out again afterwards."""
    saved = (app.conf.broker_url, app._pool, app.amqp._producer_pool)
    app.conf.broker_url = url
    app._pool = None
    app.amqp._producer_pool = None
    try:
        yield
    finally:
        private = app._pool
        app.conf.broker_url, app._pool, app.amqp._producer_pool = saved
        if private is not None:
            private.force_close_all()  # its URL (a random port) is never used again
