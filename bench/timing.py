"""Timing helpers shared by the benchmarks: medians and p95 from repeated runs."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any


def measure(fn: Callable[[], Any], *, repeat: int = 200, warmup: int = 20) -> dict[str, float]:
    """Call fn repeatedly; return median and p95 in microseconds."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter_ns()
        fn()
        samples.append((time.perf_counter_ns() - started) / 1000)
    return summary(samples)


def measure_against(
    floor: Callable[[], Any], fn: Callable[[], Any], *, repeat: int = 300, warmup: int = 30
) -> tuple[dict[str, float], dict[str, float]]:
    """Time `floor` and `fn` alternately, call by call: (floor timing, fn timing).

    On a shared machine the load drifts within seconds; measured one after the other, the two
    would see different machines and their ratio would say more about the drift than the code.
    """
    for _ in range(warmup):
        floor()
        fn()
    samples: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        for target, into in ((floor, samples[0]), (fn, samples[1])):
            started = time.perf_counter_ns()
            target()
            into.append((time.perf_counter_ns() - started) / 1000)
    return summary(samples[0]), summary(samples[1])


def summary(samples: list[float]) -> dict[str, float]:
    """Median, p95 and count of samples in microseconds."""
    samples = sorted(samples)
    return {
        "median_us": round(statistics.median(samples), 2),
        "p95_us": round(samples[min(len(samples) - 1, int(len(samples) * 0.95))], 2),
        "n": len(samples),
    }


def record(
    name: str, timing: dict[str, float], *, floor: dict[str, Any] | None = None, **extra: Any
) -> dict[str, Any]:
    """One result row; `floor` is the row of the trivial baseline measured in the same run."""
    row: dict[str, Any] = {"name": name, **timing}
    if floor is not None:
        row["floor"] = floor["name"]
        row["ratio"] = round(timing["median_us"] / floor["median_us"], 2)
    row.update(extra)
    return row


def count_queries(fn: Callable[[], Any]) -> int:
    """How many SQL statements one call of fn runs (robust to a full debug query log)."""
    from django.db import connection

    statements = 0

    def counter(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal statements
        statements += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        fn()
    return statements
