"""The 40-buyer race on SQLite. Not collected on its own (no test_ prefix): the test
`test_sqlite_does_not_oversell_either` runs it in a subprocess whose test database is a file
(SQLITE_TEST_NAME), because threads cannot share an in-memory SQLite database."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.shop.race import last_units_race


@pytest.mark.django_db(transaction=True)
def test_forty_buyers_for_the_last_ten_units_on_sqlite() -> None:
    assert connection.vendor == "sqlite"
    name = str(connection.settings_dict["NAME"])
    assert "memory" not in name, f"needs a file database, not {name}"
    last_units_race()
