"""HTTP load: locust (headless, bounded users and time, loopback) against gunicorn on
PostgreSQL and Redis, with the storefront mix of bench/locustfile.py (browse, product, builder,
cart, checkout): 50 users for 60 s unless LOAD_USERS / LOAD_SECONDS say otherwise.

Needs DATABASE_URL (PostgreSQL) and REDIS_URL; without them it prints why and records nothing.
It builds its own database (`<name>_load`, every product stocked for the run), serves it with
gunicorn in production settings (DEBUG=0, TLS parts off for loopback, the test payment gateway)
and a redis-server of its own (so the queued confirmation emails reach no one's worker, and its
CPU is the run's alone), and reports p50/p95 and the error rate per request kind, and the CPU
seconds gunicorn, PostgreSQL (the backends serving `<name>_load`), Redis and locust used: where
the time went, and which of them would be the limit first. BENCH_PORT_BASE=N puts gunicorn on N
and Redis on N+1 (else free ports).
"""

from __future__ import annotations

import csv
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parent.parent
USERS = int(os.environ.get("LOAD_USERS", "50"))
SECONDS = int(os.environ.get("LOAD_SECONDS", "60"))
PORT_BASE = int(os.environ.get("BENCH_PORT_BASE", "0"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(database_url: str, var_dir: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(
        DEBUG="0",
        SECRET_KEY="load-test-secret-key-" + "x" * 40,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        DATABASE_URL=database_url,
        VAR_DIR=var_dir,
        LOG_LEVEL="WARNING",
        THROTTLE_ANON="100000/min",
        CACHE_KEY_PREFIX="load",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )
    return env


def _database_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")) or not os.environ.get("REDIS_URL"):
        return None
    base, _, name = url.rpartition("/")
    return f"{base}/{name.split('?')[0]}_load"


def _recreate_database(url: str) -> None:
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def run() -> list[dict[str, Any]]:
    url = _database_url()
    if url is None:
        print("   skipped: the HTTP load run needs DATABASE_URL=postgres://... and REDIS_URL")
        return []
    _recreate_database(url)
    with tempfile.TemporaryDirectory() as var_dir:
        redis_port = PORT_BASE + 1 if PORT_BASE else _free_port()
        redis = _redis_start(redis_port)
        try:
            return _serve_and_load(url, var_dir, redis, f"redis://127.0.0.1:{redis_port}/0")
        finally:
            redis.kill()
            redis.wait(10)


def _redis_start(port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
    )
    import redis

    client = redis.Redis(port=port, socket_connect_timeout=0.5)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.RedisError:
            if time.monotonic() > deadline or server.poll() is not None:
                raise
            time.sleep(0.05)
    return server


def _serve_and_load(
    url: str, var_dir: str, redis: subprocess.Popen[bytes], redis_url: str
) -> list[dict[str, Any]]:
    env = _env(url, var_dir)
    env.update(REDIS_URL=redis_url, SHOP_PAYMENT_METHODS="test")  # DEBUG=0 offers none
    python = sys.executable
    for command in (
        ["migrate", "--no-input", "-v0"],
        ["load_demo"],
        ["collectstatic", "--no-input", "-v0"],
    ):
        subprocess.run(
            [python, "manage.py", *command],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    _stock_up(url)
    port = PORT_BASE or _free_port()
    workers = str(max(2, (os.cpu_count() or 2) + 1))
    server = subprocess.Popen(
        [
            python,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            workers,
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        _wait_for(f"http://127.0.0.1:{port}/healthz")
        prefix = str(Path(var_dir) / "locust")
        locust = subprocess.Popen(
            [
                python,
                "-m",
                "locust",
                "-f",
                str(ROOT / "bench" / "locustfile.py"),
                "--headless",
                "-u",
                str(USERS),
                "-r",
                str(max(1, USERS // 4)),
                "-t",
                f"{SECONDS}s",
                "--host",
                f"http://127.0.0.1:{port}",
                "--csv",
                prefix,
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
        )
        cpu = CpuMeter(url, {"gunicorn": server.pid, "redis": redis.pid, "locust": locust.pid})
        started = time.monotonic()
        cpu.start()
        locust.wait()
        wall = time.monotonic() - started
        cpu.stop()
        orders = _orders(url)
        rows = _rows(Path(prefix + "_stats.csv"), workers)
        rows.append(cpu.row(wall, orders))
        rows.extend(_capacity(url, port, server.pid, redis.pid))
        return rows
    finally:
        server.terminate()
        server.wait(timeout=20)


CAPACITY_ROUNDS = int(os.environ.get("LOAD_CAPACITY_ROUNDS", "150"))
QUOTE = json.dumps(
    {
        "items": [
            {"kit": "seven-piece-collection", "quantity": 1},
            {"routine": "three-steps-to-refined-pores", "quantity": 1}
            | {"selections": ["citrus-facial-wash", "face-firming-toner", "advanced-face-firming"]},
        ]
    }
)
ORDER = json.dumps(
    {
        "email": "bench@example.com",
        "name": "Bench Buyer",
        "address": {"line1": "1 Loop St", "city": "Localhost", "postal_code": "97201"}
        | {"country": "US"},
        "payment": {"method": "test", "token": "tok_ok"},
    }
)


def _capacity(url: str, port: int, gunicorn: int, redis: int) -> list[dict[str, Any]]:
    """CPU per request of one kind, on the same servers after the mix (its gunicorn workers
    warm): CAPACITY_ROUNDS API quotes (the seven-piece kit and a routine), then as many API
    checkouts of the seven-piece collection (their carts built beforehand, outside the
    measure), one at a time, each side's CPU seconds metered. Requests per CPU-second of a
    side is what one core of it serves; the smallest names the side that limits first."""

    def post(path: str, body: str, **headers: str) -> tuple[int, Any]:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            conn.request("POST", path, body, {"Content-Type": "application/json", **headers})
            response = conn.getresponse()
            return response.status, json.loads(response.read() or b"{}")
        finally:
            conn.close()

    carts = []
    for _ in range(CAPACITY_ROUNDS):
        status, cart = post("/api/carts/", "{}")
        item = json.dumps({"kit": "seven-piece-collection", "quantity": 1})
        assert status == 201 and post(f"/api/carts/{cart['id']}/items/", item)[0] == 201
        carts.append(cart["id"])
    kinds: list[tuple[str, Callable[[int], tuple[int, Any]]]] = [
        ("quote", lambda i: post("/api/quote/", QUOTE)),
        (
            "order",
            lambda i: post(
                f"/api/carts/{carts[i]}/checkout/", ORDER, **{"Idempotency-Key": carts[i]}
            ),
        ),
    ]
    rows = []
    for kind, call in kinds:
        meter = CpuMeter(url, {"gunicorn": gunicorn, "redis": redis})
        meter.start()
        started = time.monotonic()
        statuses = Counter(call(i)[0] for i in range(CAPACITY_ROUNDS))
        wall = time.monotonic() - started
        meter.stop()
        used = meter.used()
        assert statuses == {200 if kind == "quote" else 201: CAPACITY_ROUNDS}, statuses
        rows.append(
            {
                "name": f"http capacity: {kind}s per CPU-second, one at a time",
                "n": CAPACITY_ROUNDS,
                "wall_s": round(wall, 2),
                "cpu_ms_per_request": {
                    side: round(seconds * 1000 / CAPACITY_ROUNDS, 2)
                    for side, seconds in used.items()
                },
                "per_core": {
                    side: round(CAPACITY_ROUNDS / seconds) if seconds > 0 else None
                    for side, seconds in used.items()
                },
            }
        )
    return rows


def _stock_up(url: str) -> None:
    """Stock enough that no checkout of the run meets an empty shelf (that is a 200 page with a
    message, counted as an error)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("UPDATE shop_product SET stock = 1000000")


def _orders(url: str) -> int:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute("SELECT COUNT(*) FROM shop_order WHERE status = 'paid'").fetchone()
        return int(row[0]) if row else 0


class CpuMeter:
    """CPU seconds (user + system) of each side of a run, sampled every 0.5 s and at the start
    and the stop: each named process with its children (gunicorn and its workers, the run's
    own redis-server, locust, a Celery worker) and the PostgreSQL backends connected to the
    run's database (pg_stat_activity). A backend is counted from the first sample that
    sees it (gunicorn keeps its connections, CONN_MAX_AGE), so PostgreSQL's figure is a slight
    undercount; its shared background processes (WAL writer, checkpointer) are not in it."""

    def __init__(
        self, url: str, roots: dict[str, int], alone: frozenset[str] = frozenset()
    ) -> None:
        """`roots`: a name for each process whose tree to meter, and its pid; those named in
        `alone` are metered without their children (a process that started another side)."""
        self.database, self.url = url.rpartition("/")[2].split("?")[0], url
        self.roots, self.alone = roots, alone
        self.first: dict[tuple[str, int], float] = {}
        self.last: dict[tuple[str, int], float] = {}
        self.done = threading.Event()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def start(self) -> None:
        self.thread.start()
        self.ready.wait(10)

    def stop(self) -> None:
        self.done.set()
        self.thread.join(10)

    def used(self) -> dict[str, float]:
        used: dict[str, float] = dict.fromkeys([*self.roots, "postgres"], 0.0)
        for (side, pid), seconds in self.last.items():
            used[side] += seconds - self.first[(side, pid)]
        return used

    def _pids(self, conn: Any) -> dict[str, list[int]]:
        found: dict[str, list[int]] = {}
        for side, pid in self.roots.items():
            try:
                root = psutil.Process(pid)
                children = [] if side in self.alone else root.children(recursive=True)
                found[side] = [pid] + [child.pid for child in children]
            except psutil.Error:
                found[side] = []
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [self.database],
        ).fetchall()
        found["postgres"] = [row[0] for row in rows]
        return found

    def _loop(self) -> None:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            while True:  # a sample at the start, every 0.5 s, and one at the stop
                for side, pids in self._pids(conn).items():
                    for pid in pids:
                        try:
                            times = psutil.Process(pid).cpu_times()
                        except psutil.Error:
                            continue
                        self.first.setdefault((side, pid), times.user + times.system)
                        self.last[(side, pid)] = times.user + times.system
                self.ready.set()
                if self.done.is_set():
                    return
                self.done.wait(0.5)

    def row(self, wall: float, orders: int) -> dict[str, Any]:
        used = self.used()
        total = sum(used.values())
        return {
            "name": "http mix: CPU seconds by process",
            "n": orders,
            "wall_s": round(wall, 1),
            "orders_paid": orders,
            "cpu_s": {side: round(seconds, 1) for side, seconds in used.items()},
            "cpu_share": {side: round(seconds / total, 3) for side, seconds in used.items()},
            "cores_busy": round(total / wall, 2),
            "load_average": [round(x, 2) for x in os.getloadavg()],
        }


def _wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (loopback)
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def _rows(stats: Path, workers: str) -> list[dict[str, Any]]:
    rows = []
    with stats.open() as handle:
        for line in csv.DictReader(handle):
            count = int(line["Request Count"])
            if count == 0:
                continue
            failures = int(line["Failure Count"])
            rows.append(
                {
                    "name": f"http {line['Name']}",
                    "median_us": float(line["50%"]) * 1000,
                    "p95_us": float(line["95%"]) * 1000,
                    "n": count,
                    "rps": round(float(line["Requests/s"]), 1),
                    "error_rate": round(failures / count, 4),
                    "users": USERS,
                    "seconds": SECONDS,
                    "gunicorn_workers": workers,
                }
            )
    return rows
