"""The promo benchmark runs and reports what it claims (timings themselves not judged)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from bench import bench_promos


@pytest.mark.django_db(transaction=True)
def test_the_promo_benchmark_counts_over_redemptions_and_generation(
    demo: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bench_promos, "ATTEMPTS", 20)
    monkeypatch.setattr(bench_promos, "GENERATE", 300)
    rows: list[dict[str, Any]] = bench_promos.run()
    names = [row["name"] for row in rows]
    assert names[0] == "checkout x1 concurrent with a code"
    races = [row for row in rows if row["name"].startswith("checkout") and "note" not in row]
    assert races, rows
    for row in races:
        assert (row["limit"], row["redeemed"], row["refused"], row["errors"]) == (10, 10, 10, 0)
        assert row["orders"] == 10
        assert row["over_redemptions"] == 0 and row["counter_matches_rows"] is True
    if connection.vendor == "postgresql":
        assert len(races) == 3
    generation = next(row for row in rows if row["name"].startswith("generate"))
    assert (generation["generated"], generation["unique"]) == (300, True)
    lookups = [row for row in rows if row["name"].startswith("promo_rules_for")]
    # Held in memory under the catalog token: the token and the shopper's uses, known or not.
    assert [row["queries"] for row in lookups] == [2, 2]
