"""The benchmark runs and reports records in the agreed shape (timings themselves not judged)."""

from bench.bench_pricing import FLOOR, SIZES, cart, run
from shop.pricing import price


def test_benchmark_carts_have_the_sizes_they_claim_and_price() -> None:
    for size in SIZES:
        request = cart(size)
        assert len(request.lines) == size
        assert price(request).total.cents > 0


def test_run_reports_the_floor_and_every_cart_size() -> None:
    records = run(seconds=0.001)
    assert [record["name"] for record in records] == [FLOOR] + [
        f"pricing.price[{size} lines]" for size in SIZES
    ]
    for record in records:
        assert set(record) == {"name", "median_us", "p95_us", "n", "floor", "ratio"}
        assert record["floor"] == FLOOR
        assert isinstance(record["median_us"], float)
        assert isinstance(record["p95_us"], float)
        assert isinstance(record["n"], int)
        assert record["n"] > 0
    assert records[0]["ratio"] == 1.0
