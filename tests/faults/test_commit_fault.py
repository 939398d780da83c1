"""The checkout's COMMIT fails after the payment was authorized: the hold is voided only when
the order is known not to exist.

- the COMMIT reached the database but its answer was lost (the connection died on the way
  back): the order is saved, so the payment is captured, not voided, and the shopper gets
  the order;
- PostgreSQL terminated the backend just before the COMMIT: the order is not there, the hold
  is voided and nothing is written;
- the COMMIT failed and the database cannot be asked either: the hold is left in place and
  logged for reconciliation, never voided blind.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from django.db import DEFAULT_DB_ALIAS, OperationalError, connection, connections
from rest_framework.test import APIClient

from shop.checkout.models import Order, Payment
from shop.checkout.payments import TestGateway
from tests.faults.test_database_fault import BODY, cart_with_kit_and_code, snapshot

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def operations() -> list[str]:
    return [entry.operation for entry in TestGateway.ledger]


@pytest.fixture
def commit_fault(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[Callable[[], None]], None]]:
    """arm(fault): checkout's COMMIT (the first after an authorization) runs `fault` instead."""
    from config.celery import app

    wrapper = connections[DEFAULT_DB_ALIAS]
    real_commit = wrapper._commit
    armed: list[Callable[[], None]] = []

    def commit() -> None:
        if armed and TestGateway.ledger and TestGateway.ledger[-1].operation == "authorize":
            with wrapper.wrap_database_errors:  # as the real _commit: psycopg's errors as Django's
                armed.pop()()
            return
        real_commit()

    monkeypatch.setattr(wrapper, "_commit", commit)
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True  # the confirmation is sent in-process after the commit
    TestGateway.ledger_clear()
    yield armed.append
    app.conf.task_always_eager = eager


def check_out(cart: str, key: str) -> Any:
    return APIClient().post(
        f"/api/carts/{cart}/checkout/", BODY, format="json", HTTP_IDEMPOTENCY_KEY=key
    )


def test_a_commit_whose_answer_is_lost_keeps_the_payment_and_the_order(
    demo: None, commit_fault: Callable[[Callable[[], None]], None]
) -> None:
    cart = cart_with_kit_and_code(APIClient())

    def commit_then_lose_the_answer() -> None:
        connection.connection.commit()  # the database has the order...
        connection.connection.close()  # ...and the answer never comes back
        raise OperationalError("server closed the connection unexpectedly")

    commit_fault(commit_then_lose_the_answer)
    response = check_out(cart, str(uuid.uuid4()))
    assert response.status_code == 201, response.content
    order = Order.objects.get()
    assert response.json()["number"] == order.number and order.status == "paid"
    assert operations() == ["authorize", "capture"]  # not voided
    assert Payment.objects.get().state == "captured"


def test_a_commit_after_the_backend_was_killed_voids_and_writes_nothing(
    demo: None, commit_fault: Callable[[Callable[[], None]], None]
) -> None:
    cart = cart_with_kit_and_code(APIClient())
    before = snapshot()

    def killed_before_the_commit() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        settings = connection.settings_dict
        with psycopg.connect(
            host=settings["HOST"],
            port=settings["PORT"] or 5432,
            user=settings["USER"],
            dbname=settings["NAME"],
            autocommit=True,
        ) as other:
            other.execute("SELECT pg_terminate_backend(%s)", [pid])
        connection.connection.commit()  # fails: the transaction died with its backend

    commit_fault(killed_before_the_commit)
    key = str(uuid.uuid4())
    response = check_out(cart, key)
    assert response.status_code == 503, response.content
    assert operations() == ["authorize", "void"]
    assert snapshot() == before
    retried = check_out(cart, key)  # the shopper tries again: one order, one live hold
    assert retried.status_code == 201, retried.content
    assert operations() == ["authorize", "void", "authorize", "capture"]
    assert Order.objects.count() == 1


def test_when_the_order_cannot_be_looked_up_the_hold_stays_and_is_logged(
    demo: None,
    commit_fault: Callable[[Callable[[], None]], None],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    cart = cart_with_kit_and_code(APIClient())

    wrapper = connections[DEFAULT_DB_ALIAS]
    connect = wrapper.get_new_connection

    def refuse(*args: Any) -> Any:
        raise OperationalError("could not connect to server: Connection refused")

    def lost_with_the_database() -> None:
        connection.connection.close()
        monkeypatch.setattr(wrapper, "get_new_connection", refuse)  # the database is gone
        raise OperationalError("server closed the connection unexpectedly")

    commit_fault(lost_with_the_database)
    with caplog.at_level(logging.ERROR, logger="shop.checkout.attempts"):
        response = check_out(cart, str(uuid.uuid4()))
    monkeypatch.setattr(wrapper, "get_new_connection", connect)  # and back
    assert response.status_code == 503
    assert operations() == ["authorize"]  # left in place, not voided blind
    [record] = [r for r in caplog.records if "payment_unresolved" in r.getMessage()]
    held = TestGateway.ledger[0].reference
    assert held in record.getMessage() and "gateway test" in record.getMessage()
