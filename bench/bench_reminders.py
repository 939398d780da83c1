"""Reminders: one sweep with 10,000 due reminders, then those emails through a real worker.

1. The hand-off: one `reminders_sweep` finds 10,000 due evening reminders, checks consent,
   renders each email into the outbox (batches of 500) and schedules each next occurrence.
   Measured with the send tasks held back, so it is the sweep alone (any database).
2. The sending: the held-back tasks go to Redis in chunks of 100 and a real Celery worker
   (prefork, 2 processes) sends them to the file backend; emails per second from the first
   task to the last row marked sent, with duplicates and losses counted from the X-Outbox-Id
   header of every message written (both must be 0). Needs REDIS_URL and PostgreSQL (the
   worker is another process and must see this database); skipped cleanly without them.
"""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

N = int(os.environ.get("BENCH_REMINDERS_N", "10000"))


def _setup(now: Any) -> None:
    from datetime import time as clock

    from promotions.reminders.models import Reminder, Subscription

    Subscription.objects.bulk_create(
        (
            Subscription(
                email=f"bench{i}@example.com",
                email_normalized=f"bench{i}@example.com",
                kind="routine_evening",
                local_time=clock(21, 0),
                timezone="Europe/Paris",
                confirmed_at=now - timedelta(days=1),
            )
            for i in range(N)
        ),
        batch_size=2000,
    )
    due = now - timedelta(minutes=1)
    Reminder.objects.bulk_create(
        (
            Reminder(
                kind="routine_evening",
                key=f"routine_evening:{pk}:bench",
                subscription_id=pk,
                email=email,
                email_normalized=email,
                due_at=due,
            )
            for pk, email in Subscription.objects.filter(email__startswith="bench").values_list(
                "pk", "email"
            )
        ),
        batch_size=2000,
    )


def _cleanup() -> None:
    from promotions.messaging.models import OutboxMessage
    from promotions.reminders.models import Reminder, Subscription

    OutboxMessage.objects.filter(purpose="reminder").delete()
    Reminder.objects.filter(email__startswith="bench").delete()
    Subscription.objects.filter(email__startswith="bench").delete()


def run() -> list[dict[str, Any]]:
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from promotions.messaging import tasks as outbox_tasks
    from promotions.reminders import sweep as reminders

    now = timezone.now()
    _setup(now)
    held: list[int] = []
    dispatch = outbox_tasks.outbox_dispatch_on_commit
    outbox_tasks.outbox_dispatch_on_commit = held.extend  # type: ignore[assignment]
    try:
        started = time.perf_counter()
        report = reminders.reminders_sweep(now=now, limit=N)
        handed = time.perf_counter() - started
    finally:
        outbox_tasks.outbox_dispatch_on_commit = dispatch  # type: ignore[assignment]
    assert report.queued == N, report
    print(
        f"   sweep: {N} due reminders handed to the outbox in {handed:.2f} s "
        f"({N / handed:.0f}/s), {report.scheduled} next occurrences scheduled"
    )
    rows: list[dict[str, Any]] = [
        {
            "name": f"reminders sweep: hand {N} due reminders to the outbox",
            "median_us": round(handed / N * 1_000_000, 1),
            "p95_us": None,
            "n": N,
            "total_s": round(handed, 2),
            "reminders_per_s": round(N / handed, 1),
            "database": connection.vendor,
        }
    ]
    if not os.environ.get("REDIS_URL") or settings.CELERY_TASK_ALWAYS_EAGER:
        print("   skipped the worker part: it needs REDIS_URL (a real broker and worker)")
    elif connection.vendor != "postgresql":
        print("   skipped the worker part: it needs PostgreSQL (DATABASE_URL) for the worker")
    else:
        rows.append(_send(held))
    _cleanup()
    return rows


def _send(ids: list[int]) -> dict[str, Any]:
    from bench.bench_outbox import OUTBOX_ID, _start_worker
    from config.celery import app
    from promotions.messaging.models import OutboxMessage
    from promotions.messaging.tasks import outbox_send_batch

    app.control.purge()
    sent_query = OutboxMessage.objects.filter(purpose="reminder", state="sent")
    with tempfile.TemporaryDirectory() as tmp:
        mail_dir = Path(tmp) / "mail"
        process, _ = _start_worker(mail_dir, Path(tmp) / "worker.log")
        try:
            started = time.perf_counter()
            for i in range(0, len(ids), 100):
                outbox_send_batch.delay(ids[i : i + 100])
            deadline = time.monotonic() + 600
            while sent_query.count() < len(ids) and time.monotonic() < deadline:
                time.sleep(0.25)
            elapsed = time.perf_counter() - started
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
    duplicates = sum(v - 1 for v in counts.values())
    lost = len(ids) - len(counts)
    print(
        f"   worker: {len(ids)} reminder emails sent in {elapsed:.1f} s "
        f"({len(ids) / elapsed:.0f} emails/s), duplicates {duplicates}, lost {lost}"
    )
    return {
        "name": f"reminder emails to the sink {len(ids)} (worker prefork -c 2, file backend)",
        "median_us": round(elapsed / len(ids) * 1_000_000, 1),
        "p95_us": None,
        "n": len(ids),
        "emails_per_s": round(len(ids) / elapsed, 1),
        "total_s": round(elapsed, 2),
        "sent": sent_query.count(),
        "duplicates": duplicates,
        "lost": lost,
    }
