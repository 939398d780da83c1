"""Benchmark of the pricing service: price() on carts of 1, 7, 50 and 200 lines, against a floor.

Stand-alone (standard library and shop.pricing only). `run()` returns one record per cart,
`{"name", "median_us", "p95_us", "n", "floor", "ratio"}`, plus the floor's own record: the
floor is a trivial call doing comparable minimal work (build one Money and str() it), measured
in the same run so that `ratio` (median / floor median) compares across machines.

Carts repeat a pattern of seven lines (four products, two kits, one routine) with a 15 % promo
code on the whole cart. Timing: warm-up first, then batches of calls timed with
`time.perf_counter_ns`, the batch size chosen so one batch lasts at least 200 microseconds;
median and 95th percentile are per call over batches, `n` counts the timed calls. The garbage
collector is paused while timing, as `timeit` does. Run `python bench/bench_pricing.py` for JSON.
"""

from __future__ import annotations

import gc
import json
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from functools import partial
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from shop.pricing import (
    Item,
    KitLine,
    Money,
    Part,
    PricingRequest,
    ProductLine,
    PromoRule,
    RoutineLine,
    ShippingPolicy,
    Tier,
    price,
)

CURRENCY = "USD"
SIZES = (1, 7, 50, 200)
FLOOR = "pricing.floor"
PATTERN = ("product", "kit", "product", "routine", "product", "product", "kit")


def _item(slug: str, amount: str, step: str) -> Item:
    return Item(slug, slug.replace("-", " ").title(), Money.of(amount, CURRENCY), step)


CATALOG = (
    _item("citrus-facial-wash", "22.00", "cleanse"),
    _item("pore-refining-acne-cleanser", "20.00", "cleanse"),
    _item("face-firming-toner", "24.00", "tone"),
    _item("skin-clear-toner", "22.00", "tone"),
    _item("advanced-face-firming", "38.00", "renew"),
    _item("ceramic-skin-smoother", "28.00", "renew"),
    _item("enlarged-pore-treatment", "26.00", "renew"),
    _item("foundation-primer", "24.00", "prime"),
    _item("no-foundation-foundation", "32.00", "foundation"),
    _item("finishing-powder", "18.00", "powder"),
)
GIFTS = (
    _item("serum-prep", "30.00", "extra"),
    _item("high-potency-eye-treatment", "34.00", "extra"),
)
KITS = (
    ("seven-piece-collection", "95.00", CATALOG[:7], GIFTS),
    ("flawless-finish-trio", "62.00", CATALOG[7:], ()),
)
TIERS = (Tier(3, Decimal(10)), Tier(5, Decimal(15)))


def cart(size: int) -> PricingRequest:
    """A cart of `size` lines following PATTERN, with one percent code."""
    lines: list[ProductLine | KitLine | RoutineLine] = []
    for index in range(size):
        kind = PATTERN[index % len(PATTERN)]
        line_id = f"line-{index}"
        quantity = 2 if index % 5 == 4 else 1
        if kind == "product":
            lines.append(ProductLine(line_id, CATALOG[index % len(CATALOG)], quantity))
        elif kind == "kit":
            slug, kit_price, components, gifts = KITS[(index // len(PATTERN)) % len(KITS)]
            lines.append(
                KitLine(
                    id=line_id,
                    slug=slug,
                    name=slug.replace("-", " ").title(),
                    price=Money.of(kit_price, CURRENCY),
                    components=tuple(Part(item, 1) for item in components),
                    gifts=tuple(Part(item, 1) for item in gifts),
                    quantity=quantity,
                )
            )
        else:
            count = 3 + index % 3
            selections = tuple(CATALOG[(index + step) % len(CATALOG)] for step in range(count))
            lines.append(
                RoutineLine(line_id, "pore-routine", "Pore routine", selections, TIERS, quantity)
            )
    return PricingRequest(
        currency=CURRENCY,
        lines=tuple(lines),
        shipping=ShippingPolicy(Money.of("5.00", CURRENCY), Money.of("50.00", CURRENCY)),
        now=datetime(2026, 3, 1, 12, tzinfo=UTC),
        promos=(PromoRule(code="PORES15", name="Pores 15", kind="percent", value=Decimal(15)),),
    )


def floor() -> str:
    """The floor: comparable minimal work through the same package."""
    return str(Money.of("95.00", CURRENCY))


def measure(
    call: Callable[[], object], *, seconds: float = 1.0, min_batch_ns: int = 200_000
) -> tuple[float, float, int]:
    """(median µs, p95 µs, timed calls) of `call`, in batches of at least `min_batch_ns`."""
    clock = time.perf_counter_ns
    warm_until = clock() + int(seconds * 0.2 * 1e9)
    calls = 0
    while clock() < warm_until or calls < 20:
        call()
        calls += 1
    started = clock()
    call()
    batch = max(1, min_batch_ns // max(1, clock() - started))
    samples: list[float] = []
    enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        stop = clock() + int(seconds * 1e9)
        while clock() < stop or len(samples) < 30:
            begin = clock()
            for _ in range(batch):
                call()
            samples.append((clock() - begin) / batch / 1000)
    finally:
        if enabled:
            gc.enable()
    samples.sort()
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    return statistics.median(samples), p95, len(samples) * batch


def run(seconds: float = 1.0) -> list[dict[str, object]]:
    """Measure the floor and every cart size in this run; one record each, floor first."""
    floor_median, floor_p95, floor_n = measure(floor, seconds=seconds)
    records: list[dict[str, object]] = [
        {
            "name": FLOOR,
            "median_us": round(floor_median, 3),
            "p95_us": round(floor_p95, 3),
            "n": floor_n,
            "floor": FLOOR,
            "ratio": 1.0,
        }
    ]
    for size in SIZES:
        request = cart(size)
        breakdown = price(request)  # prices correctly before it is timed
        assert breakdown.total.cents == (
            breakdown.subtotal.cents - breakdown.discount_total.cents + breakdown.shipping.cents
        )
        median, p95, n = measure(partial(price, request), seconds=seconds)
        records.append(
            {
                "name": f"pricing.price[{size} lines]",
                "median_us": round(median, 3),
                "p95_us": round(p95, 3),
                "n": n,
                "floor": FLOOR,
                "ratio": round(median / floor_median, 2),
            }
        )
    return records


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
