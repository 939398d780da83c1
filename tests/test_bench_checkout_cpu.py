"""bench_checkout_cpu times checkout's real steps and leaves checkout as it found it."""

from typing import Any

import pytest

from bench import bench_checkout_cpu
from shop.checkout import services
from shop.checkout.models import Order


def test_the_cpu_bench_times_every_step_and_puts_checkout_back(
    demo: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bench_checkout_cpu, "ORDERS", 2)
    before = {name: getattr(services, name) for name in bench_checkout_cpu.STEPS}
    rows = {row["name"]: row for row in bench_checkout_cpu.run()}
    assert {name: getattr(services, name) for name in bench_checkout_cpu.STEPS} == before
    for label in ("", " with a code"):
        whole: dict[str, Any] = rows[f"checkout CPU{label}: the whole request"]
        assert whole["n"] == 2 and whole["median_us"] > 0 and whole["queries"] > 10
        assert whole["floor"] == f"checkout CPU{label}: floor, GET the cart"
        for step in ("_reserve", "order_rows_write", "stock_reserve", "_confirm"):
            assert rows[f"checkout CPU{label}: {step} (mean per order)"]["median_us"] > 0
    assert rows["checkout CPU with a code: promo_uses_prepare (mean per order)"]["median_us"] > 0
    # Two levels of 2 timed + 6 warm-up orders, every one paid.
    assert Order.objects.filter(status=Order.Status.PAID).count() == 16
