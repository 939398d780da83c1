"""The catalog listener on PostgreSQL: quotes skip the token query only while nothing committed.

Committed data and real connections throughout (transactional tests): a notification is sent
only when a transaction commits. Each test starts its own listener and stops it, so that no
connection outlives the test database.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from shop.catalog.listener import catalog_listener, catalog_listeners_stop
from shop.catalog.models import Product
from shop.quoting.snapshot import catalog_snapshot, catalog_snapshot_forget
from tests.factories import ProductFactory, StepFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def listening(settings: Any) -> Iterator[None]:
    settings.SHOP_CATALOG_LISTEN = True
    catalog_listeners_stop()
    catalog_snapshot_forget()
    yield
    catalog_listeners_stop()
    catalog_snapshot_forget()


def wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> float:
    """Seconds until `condition` held; fails after `timeout`."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            pytest.fail(f"still not so after {timeout} s")
        time.sleep(0.002)
    return time.monotonic() - started


def connected_listener() -> Any:
    listener = catalog_listener(connection)
    assert listener is not None
    wait_for(lambda: listener.generation() is not None)
    return listener


def in_other_thread(fn: Callable[[], Any]) -> None:
    """Run `fn` on another thread's own connection, committed when it returns."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            fn()
        except BaseException as error:  # re-raised below
            errors.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


def count_queries(fn: Callable[[], Any]) -> tuple[int, Any]:
    with CaptureQueriesContext(connection) as queries:
        result = fn()
    return len(queries), result


@pytest.fixture
def cleanser() -> Product:
    step = StepFactory(slug="cleanse", position=1)
    product: Product = ProductFactory(slug="wash", step=step, price_amount=Decimal("20.00"))
    return product


def test_a_quiet_catalog_needs_no_query_and_a_commit_is_seen(
    listening: None, cleanser: Product
) -> None:
    listener = connected_listener()
    assert catalog_snapshot() is not None  # loads, stamped with the listener's generation
    queries, snapshot = count_queries(catalog_snapshot)
    assert queries == 0
    assert snapshot.products["wash"].price == Decimal("20.00")

    before = listener.generation()
    in_other_thread(lambda: Product.objects.filter(slug="wash").update(price_amount="24.00"))
    wait_for(lambda: listener.generation() != before)
    queries, snapshot = count_queries(catalog_snapshot)
    assert queries > 1  # the token, then the load
    assert snapshot.products["wash"].price == Decimal("24.00")
    assert count_queries(catalog_snapshot)[0] == 0


def test_the_quote_api_takes_no_query_while_the_catalog_is_quiet(
    listening: None, cleanser: Product, django_assert_num_queries: Any
) -> None:
    client = APIClient()
    body = {"items": [{"product": "wash", "quantity": 2}]}
    connected_listener()
    assert client.post("/api/quote/", body, format="json").status_code == 200
    with django_assert_num_queries(0):
        response = client.post("/api/quote/", body, format="json")
    assert response.json()["subtotal"] == "40.00"


def test_stock_updates_and_rolled_back_writes_send_nothing(
    listening: None, cleanser: Product
) -> None:
    listener = connected_listener()
    catalog_snapshot()
    heard = listener.heard

    def sell_one() -> None:
        from django.db.models import F

        Product.objects.filter(slug="wash").update(stock=F("stock") - 1)

    def change_then_roll_back() -> None:
        with pytest.raises(RuntimeError), transaction.atomic():
            Product.objects.filter(slug="wash").update(price_amount="99.00")
            raise RuntimeError("rolled back")

    in_other_thread(sell_one)
    in_other_thread(change_then_roll_back)
    # A marker write after both: once it is heard, anything the two sent would have been too.
    in_other_thread(lambda: StepFactory(slug="tone", position=2))
    wait_for(lambda: listener.heard > heard)
    time.sleep(0.2)  # anything else in flight arrives meanwhile
    assert listener.heard == heard + 1
    snapshot = catalog_snapshot()
    assert snapshot is not None and snapshot.products["wash"].price == Decimal("20.00")


def test_inside_a_transaction_the_token_is_read_and_own_writes_are_seen(
    listening: None, cleanser: Product
) -> None:
    connected_listener()
    catalog_snapshot()
    with transaction.atomic():
        Product.objects.filter(slug="wash").update(price_amount="30.00")
        queries, snapshot = count_queries(catalog_snapshot)
        assert queries >= 1
        assert snapshot.products["wash"].price == Decimal("30.00")
        transaction.set_rollback(True)
    # Outside again: the rolled-back price is not served, whatever the listener heard.
    snapshot = catalog_snapshot()
    assert snapshot is not None and snapshot.products["wash"].price == Decimal("20.00")


def test_a_lost_connection_falls_back_to_the_token_until_the_listener_is_back(
    listening: None, cleanser: Product
) -> None:
    listener = connected_listener()
    catalog_snapshot()
    before = listener.generation()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = 'shop catalog listener' AND datname = current_database()"
        )
    wait_for(lambda: listener.generation() != before)
    # While it reconnects (or once it has, with a new generation), a use reads the token.
    in_other_thread(lambda: Product.objects.filter(slug="wash").update(price_amount="21.00"))
    snapshot = catalog_snapshot()
    assert snapshot is not None and snapshot.products["wash"].price == Decimal("21.00")
    wait_for(lambda: listener.generation() is not None, timeout=10)
    catalog_snapshot()
    assert count_queries(catalog_snapshot)[0] == 0
    now = listener.generation()
    in_other_thread(lambda: Product.objects.filter(slug="wash").update(price_amount="22.00"))
    wait_for(lambda: listener.generation() != now)
    snapshot = catalog_snapshot()
    assert snapshot is not None and snapshot.products["wash"].price == Decimal("22.00")


def test_off_means_every_use_reads_the_token(settings: Any, cleanser: Product) -> None:
    settings.SHOP_CATALOG_LISTEN = False
    catalog_listeners_stop()
    catalog_snapshot_forget()
    assert catalog_listener(connection) is None
    catalog_snapshot()
    assert count_queries(catalog_snapshot)[0] == 1
