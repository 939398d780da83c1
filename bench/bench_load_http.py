"""HTTP load: locust (headless, bounded users and time, loopback) against gunicorn on
PostgreSQL and Redis, with the browse + kit-builder + cart mix of bench/locustfile.py.

Needs DATABASE_URL (PostgreSQL) and REDIS_URL; without them it prints why and records nothing.
It builds its own database (`<name>_load`), serves it with gunicorn in production settings
(DEBUG=0, TLS parts off for loopback) and reports p50/p95 and the error rate per request kind.
"""

from __future__ import annotations

import csv
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
USERS = int(os.environ.get("LOAD_USERS", "20"))
SECONDS = int(os.environ.get("LOAD_SECONDS", "30"))


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
        env = _env(url, var_dir)
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
        port = _free_port()
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
            subprocess.run(
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
                check=False,
                stdout=subprocess.DEVNULL,
            )
            return _rows(Path(prefix + "_stats.csv"), workers)
        finally:
            server.terminate()
            server.wait(timeout=20)


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
