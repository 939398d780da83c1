"""Fixtures for the shop tests: a small catalog with kits sharing a product, in-process tasks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from config.celery import app as celery_app
from shop.checkout.payments import TestGateway
from tests.shop.checkout_helpers import Catalog, make_catalog


@pytest.fixture
def catalog(db: Any) -> Catalog:
    return make_catalog()


@pytest.fixture(autouse=True)
def _tasks_in_process(request: pytest.FixtureRequest) -> Iterator[None]:
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


@pytest.fixture(autouse=True)
def _gateway_ledger() -> Iterator[None]:
    TestGateway.ledger_clear()
    yield
    TestGateway.ledger_clear()
