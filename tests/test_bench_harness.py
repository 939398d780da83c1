"""The benchmark harness itself: what it sends is what it means to measure."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from bench.bench_quote import CODE, mixed_cart
from bench.cpu import BusyMeter

pytestmark = pytest.mark.django_db


def test_the_quote_benchmark_prices_a_real_code_and_never_meets_the_guess_throttle(
    demo: None,
) -> None:
    """bench_quote posts the same body hundreds of times: an unknown code would count as a
    guess each time and the throttle would answer 429 part-way (it once did)."""
    body = json.dumps({"items": mixed_cart(7), "promo_code": CODE})
    client = Client()
    for _ in range(settings.PROMO_QUOTE_ATTEMPTS_PER_CLIENT + 5):
        response = client.post("/api/quote/", body, content_type="application/json")
        assert response.status_code == 200, response.content[:300]
    applied: list[dict[str, Any]] = response.json()["applied"]
    assert any(a["source"] == "promo" and a["rule"] == CODE for a in applied), applied


def test_floor_and_subject_are_timed_call_by_call_in_turn() -> None:
    """`measure_against` alternates the two, so load that comes and goes hits both alike."""
    from bench.timing import measure_against

    calls: list[str] = []
    floor, subject = measure_against(
        lambda: calls.append("floor"), lambda: calls.append("subject"), repeat=5, warmup=2
    )
    assert calls == ["floor", "subject"] * 7
    assert floor["n"] == subject["n"] == 5
    assert floor["median_us"] >= 0 and subject["p95_us"] >= subject["median_us"] >= 0


@pytest.mark.skipif(not Path("/proc/stat").exists(), reason="needs Linux's /proc")
def test_cpu_is_put_down_to_the_process_that_spent_it() -> None:
    """bench_checkout says who spends an order's CPU: work done in the benchmark's own
    process (its buyers) counts as theirs, and the machine's total holds it."""
    meter = BusyMeter()
    meter.start()
    deadline = time.process_time() + 0.3
    while time.process_time() < deadline:
        pass
    busy = meter.stop()
    assert busy.machine is not None and busy.machine >= 0.25
    assert 0.25 <= busy.by_kind["buyers"] <= busy.machine + 0.05
