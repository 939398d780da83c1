"""Fixtures for the promotions tests: a fake mail connection that fails on demand."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail

from config.celery import app as celery_app


@pytest.fixture(autouse=True)
def _tasks_in_process(request: pytest.FixtureRequest) -> Any:
    """Tasks run in-process (as in `make run`) unless the test drives a real worker: with
    REDIS_URL set they would otherwise wait in a queue no worker reads."""
    if request.node.get_closest_marker("redis"):
        yield
        return
    previous = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = previous


class FlakyConnection:
    """A mail connection whose send raises `error` for addresses in `fail_for` (or all)."""

    def __init__(self, error: BaseException, fail_for: set[str] | None = None) -> None:
        self.error = error
        self.fail_for = fail_for
        self.sent: list[Any] = []

    def open(self) -> bool:
        return True

    def close(self) -> None:
        return None

    def send_messages(self, messages: list[Any]) -> int:
        for message in messages:
            if self.fail_for is None or message.to[0] in self.fail_for:
                raise self.error
            mail.outbox.append(message)
            self.sent.append(message)
        return len(messages)


@pytest.fixture
def flaky() -> Callable[..., Callable[[], FlakyConnection]]:
    def make(
        error: BaseException, fail_for: set[str] | None = None
    ) -> Callable[[], FlakyConnection]:
        connection = FlakyConnection(error, fail_for)
        return lambda: connection

    return make
