"""Outbox fan-out: 10,000 emails through a real Celery worker and Redis to the file backend.

Measures how long enqueueing takes (render + bulk insert + dispatch), emails per second from
the first dispatch to the last row marked sent, and duplicates and losses, counted from the
X-Outbox-Id header of every message the worker wrote (both must be 0). Needs REDIS_URL and
PostgreSQL (the worker is another process and must see the benchmark's database); without
them it prints a note and records nothing. The CPU seconds of the worker, of this process (it
renders and inserts the rows) and of the database's backends are metered (CpuMeter) from the
first dispatch to the last row sent: emails per CPU-second of each, the per-core capacity.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench.bench_load_http import CpuMeter

ROOT = Path(__file__).resolve().parent.parent
N = int(os.environ.get("BENCH_OUTBOX_N", "10000"))
OUTBOX_ID = re.compile(rb"^X-Outbox-Id: (\d+)\r?$", re.MULTILINE)


def _database_url() -> str:
    from django.db import connection

    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgres://{db['USER']}{password}@{host}/{db['NAME']}"


def _start_worker(mail_dir: Path, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    from config.celery import app

    name = f"bench-outbox-{uuid.uuid4().hex[:8]}@localhost"
    env = {
        **{k: v for k, v in os.environ.items() if k != "TEST_DATABASE_NAME"},
        "DATABASE_URL": _database_url(),
        "DEBUG": "1",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool",
            "prefork",
            "--concurrency",
            "2",
            "--hostname",
            name,
            "--loglevel",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(log.read_text()[-2000:])
        if app.control.ping(destination=[name], timeout=0.5):
            return process, name
    os.killpg(process.pid, signal.SIGKILL)
    raise RuntimeError("the worker did not start: " + log.read_text()[-2000:])


def run() -> list[dict[str, Any]]:
    from django.conf import settings
    from django.db import connection

    if not os.environ.get("REDIS_URL") or settings.CELERY_TASK_ALWAYS_EAGER:
        print("   skipped: the outbox benchmark needs REDIS_URL (a real broker and worker)")
        return []
    if connection.vendor != "postgresql":
        print("   skipped: the outbox benchmark needs PostgreSQL (DATABASE_URL) for the worker")
        return []

    from django.utils import timezone

    from config.celery import app
    from promotions.giveaways import emails
    from promotions.giveaways.models import Entry
    from promotions.giveaways.services import giveaway_create
    from promotions.messaging.models import OutboxMessage

    app.control.purge()
    giveaway = giveaway_create(
        slug=f"bench-{uuid.uuid4().hex[:6]}",
        title="Benchmark giveaway",
        opens_at=timezone.now() - timedelta(days=2),
        closes_at=timezone.now() - timedelta(days=1),
    )
    Entry.objects.bulk_create(
        (
            Entry(
                giveaway=giveaway,
                name=f"Entrant {i}",
                email=f"entrant{i}@example.com",
                email_normalized=f"entrant{i}@example.com",
                status="confirmed",
                confirmed_at=timezone.now(),
            )
            for i in range(N)
        ),
        batch_size=2000,
    )
    entries = list(Entry.objects.filter(giveaway=giveaway).order_by("pk"))
    with tempfile.TemporaryDirectory() as tmp:
        mail_dir = Path(tmp) / "mail"
        process, _ = _start_worker(mail_dir, Path(tmp) / "worker.log")
        cpu = CpuMeter(
            _database_url(),
            {"worker": process.pid, "enqueuer": os.getpid()},
            alone=frozenset({"enqueuer"}),  # the worker is its child
        )
        try:
            cpu.start()
            started = time.perf_counter()
            emails.thanks_emails_send(giveaway=giveaway, entries=entries)
            enqueued = time.perf_counter()
            sent_query = OutboxMessage.objects.filter(purpose="giveaway_thanks", state="sent")
            deadline = time.monotonic() + 600
            while sent_query.count() < N and time.monotonic() < deadline:
                time.sleep(0.25)
            finished = time.perf_counter()
            cpu.stop()
            counts: Counter[int] = Counter()
            for path in mail_dir.glob("*.log"):
                counts.update(int(m) for m in OUTBOX_ID.findall(path.read_bytes()))
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
    app.control.purge()
    sent = sent_query.count()
    elapsed = finished - started
    duplicates = sum(v - 1 for v in counts.values())
    lost = N - len(counts)
    used = cpu.used()
    print(
        f"   {N} emails: enqueue {enqueued - started:.1f} s, all sent in {elapsed:.1f} s "
        f"({N / elapsed:.0f} emails/s), duplicates {duplicates}, lost {lost}"
    )
    return [
        {
            "name": f"outbox fan-out {N} (worker prefork -c 2, file backend)",
            "median_us": round(elapsed / N * 1_000_000, 1),
            "p95_us": None,
            "n": N,
            "emails_per_s": round(N / elapsed, 1),
            "enqueue_s": round(enqueued - started, 2),
            "total_s": round(elapsed, 2),
            "sent": sent,
            "duplicates": duplicates,
            "lost": lost,
            # Each side's CPU, the enqueuer being this process (rendering and inserting): one
            # core of a side sends N / its seconds emails per second.
            "cpu_s": {side: round(seconds, 1) for side, seconds in used.items()},
            "emails_per_cpu_s": {
                side: round(N / seconds) if seconds > 0 else None for side, seconds in used.items()
            },
        }
    ]
