"""Run every benchmark in bench/ and write one JSON file and a Markdown table.

Each module `bench/bench_*.py` has `run() -> list[dict]`; rows carry at least `name`,
`median_us`, `p95_us`, `n`, and where there is a floor measured in the same run, `floor` and
`ratio`. Benchmarks that need the database get a fresh test database (the one DATABASE_URL
points at, as the test runner would create it) with the demo data loaded.

    python -m bench.run                # all
    python -m bench.run pricing quote  # only modules whose name contains one of these
"""

from __future__ import annotations

import importlib
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def _modules(selected: list[str]) -> list[str]:
    names = sorted(p.stem for p in (ROOT / "bench").glob("bench_*.py"))
    if selected:
        names = [n for n in names if any(s in n for s in selected)]
    return names


def _markdown(rows: list[dict[str, Any]], meta: dict[str, Any]) -> str:
    lines = [
        f"Benchmarks, {meta['date']} on {meta['machine']} (Python {meta['python']}, "
        f"database {meta['database']})",
        "",
        f"CPU {meta.get('cpu') or '?'}, {meta.get('memory_gib') or '?'} GiB memory; load average "
        f"(1, 5, 15 min) {meta.get('load_average_before')} before the run, "
        f"{meta.get('load_average_after')} after.",
        "",
        "| benchmark | median | p95 | n | ratio to floor | queries | notes |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        ratio = f"{row['ratio']}× {row['floor']}" if "ratio" in row else ""
        notes = ", ".join(
            f"{k}={v}"
            for k, v in row.items()
            if k not in {"name", "median_us", "p95_us", "n", "ratio", "floor", "queries", "module"}
        )
        lines.append(
            f"| {row['name']} | {_us(row.get('median_us'))} | {_us(row.get('p95_us'))} | "
            f"{row.get('n', '')} | {ratio} | {row.get('queries', '')} | {notes} |"
        )
    return "\n".join(lines) + "\n"


def _machine_facts() -> dict[str, Any]:
    """CPU model, memory and the load average: the figures mean little without them, and on a
    shared machine the load says how much else was running."""
    facts: dict[str, Any] = {"load_average": [round(x, 2) for x in os.getloadavg()]}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                facts["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                facts["memory_gib"] = round(int(line.split()[1]) / 1024 / 1024, 1)
                break
    except OSError:
        pass
    return facts


def _us(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value / 1000:.2f} ms" if value >= 1000 else f"{value:.1f} µs"


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "1")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test.utils import setup_databases, setup_test_environment, teardown_databases

    before = _machine_facts()
    setup_test_environment()
    old_config = setup_databases(verbosity=0, interactive=False)
    rows: list[dict[str, Any]] = []
    try:
        call_command("load_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
        for name in _modules(argv):
            module = importlib.import_module(f"bench.{name}")
            print(f"-- {name}", flush=True)
            for row in module.run():
                row["module"] = name
                rows.append(row)
                print(
                    f"   {row['name']}: median {_us(row.get('median_us'))}, "
                    f"p95 {_us(row.get('p95_us'))}"
                    + (f", {row['ratio']}× floor" if "ratio" in row else ""),
                    flush=True,
                )
    finally:
        teardown_databases(old_config, verbosity=0)

    meta = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.platform()}",
        "python": platform.python_version(),
        "database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
        "redis": bool(os.environ.get("REDIS_URL")),
        "cpu": before.get("cpu", ""),
        "memory_gib": before.get("memory_gib"),
        "load_average_before": before["load_average"],
        "load_average_after": _machine_facts()["load_average"],
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps({"meta": meta, "results": rows}, indent=2))
    (RESULTS / "latest.md").write_text(_markdown(rows, meta))
    print(f"\nWrote {RESULTS / 'latest.json'} and {RESULTS / 'latest.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
