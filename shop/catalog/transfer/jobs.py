"""Import jobs: keep an uploaded file, check it (a dry run), then import it, each step once.

A step is claimed under a row lock (`..._QUEUED` -> running), so a task delivered twice, or run
by two workers at once, does the work once. Progress goes to the cache while the rows run in
their one transaction (a row there would not be seen until the end).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from shop.catalog.transfer import engine, files
from shop.catalog.transfer.models import ImportJob

logger = logging.getLogger(__name__)

# Files with more rows than this are checked and imported by a Celery worker, with a progress
# page; smaller ones in the request (500 new rows: about 7 s on the loaded 2-core machine of
# docs/BENCHMARKS.md, "Catalog import").
ASYNC_ROWS = 500
PROGRESS_SECONDS = 6 * 3600  # also how long a step may run before it counts as stalled
QUEUED_SECONDS = 3600  # a step queued this long lost its task

Status = ImportJob.Status
NEXT: dict[str, tuple[str, bool]] = {
    Status.CHECK_QUEUED: (Status.CHECKING, False),
    Status.IMPORT_QUEUED: (Status.IMPORTING, True),
}


def import_job_create(*, kind: str, name: str, data: bytes, user: Any) -> ImportJob:
    """A job for the file, once it reads as a table with the right columns (else FileRefused)."""
    resource = engine.resource_for(kind)()
    table = files.read_table(name, data)
    resource.check_columns(list(table.headers or []), name)
    return ImportJob.objects.create(
        kind=kind, file_name=name[:255], data=data, rows=len(table), created_by=user
    )


def import_job_confirm(*, job: ImportJob) -> bool:
    """Queue the import of a checked file without errors; False if it is not in that state."""
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().get(pk=job.pk)
        report = job_report(locked)
        if locked.status != Status.CHECKED or report is None or report.errors:
            return False
        locked.status = Status.IMPORT_QUEUED
        locked.save(update_fields=["status", "updated_at"])
    job.status = Status.IMPORT_QUEUED
    return True


def import_job_run(*, job_id: int) -> bool:
    """Run the job's queued step (check or import); False if no step was waiting."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status not in NEXT:
            return False
        job.status, commit = NEXT[job.status]
        job.save(update_fields=["status", "updated_at"])
    cache.set(progress_key(job.pk), 0, PROGRESS_SECONDS)
    try:
        report = engine.catalog_import(
            kind=job.kind,
            name=job.file_name,
            data=bytes(job.data),
            commit=commit,
            user=job.created_by,
            progress=lambda done: cache.set(progress_key(job.pk), done, PROGRESS_SECONDS),
        )
    except files.FileRefused as refused:
        report = _failed(job, refused.detail)
    except Exception:
        # Its transaction rolled back: say so on the job rather than leave it "running".
        logger.exception("Catalog import job %s failed", job.pk)
        report = _failed(job, "The import stopped on an unexpected error; nothing was written.")
    if report.errors:
        job.status = Status.REFUSED if commit else Status.CHECKED
    else:
        job.status = Status.IMPORTED if commit else Status.CHECKED
    job.report = report.as_dict()
    if commit:
        job.data = b""  # imported or refused: the file is not needed again (up to 32 MB)
    job.save(update_fields=["status", "report", "data", "updated_at"])
    return True


def import_jobs_expire(*, now: datetime | None = None) -> int:
    """Checked files nobody confirmed within IMPORT_JOB_KEEP_HOURS of their check: refused,
    saying so, and their file dropped (a job keeps up to 32 MB until then; it wrote nothing).
    A confirmation meanwhile wins: the UPDATE is guarded by the status. Returns how many."""
    now = now or timezone.now()
    hours = settings.IMPORT_JOB_KEEP_HOURS
    stale = ImportJob.objects.filter(
        status=Status.CHECKED, updated_at__lt=now - timedelta(hours=hours)
    )
    expired = 0
    for job in stale.only("pk", "kind", "file_name")[:500]:
        message = f"Not confirmed within {hours} hours of its check: upload the file again."
        expired += ImportJob.objects.filter(pk=job.pk, status=Status.CHECKED).update(
            status=Status.REFUSED,
            data=b"",
            report=_failed(job, message).as_dict(),
            updated_at=now,
        )
    return expired


def import_jobs_stalled(*, now: datetime | None = None) -> list[int]:
    """The jobs whose step must be queued again, to dispatch: a step queued for more than
    QUEUED_SECONDS (its task was lost), or claimed more than PROGRESS_SECONDS ago (the process
    running it went away: its transaction rolled back, so nothing was written, and a
    redelivered task finds the step claimed and does nothing), which is put back in the queue.
    A dispatch too many finds nothing queued and does nothing (`import_job_run`)."""
    now = now or timezone.now()
    for queued, (running, _commit) in NEXT.items():
        # QuerySet.update leaves `updated_at` (auto_now) as it was: the claim's time.
        ImportJob.objects.filter(
            status=running, updated_at__lt=now - timedelta(seconds=PROGRESS_SECONDS)
        ).update(status=queued)
    waiting = ImportJob.objects.filter(
        status__in=list(NEXT), updated_at__lt=now - timedelta(seconds=QUEUED_SECONDS)
    )
    return list(waiting.order_by("pk").values_list("pk", flat=True))


def _failed(job: ImportJob, message: str) -> engine.Report:
    row = engine.Row(line=0, status="error", key="", errors=[message])
    return engine.Report(kind=job.kind, name=job.file_name, committed=False, rows=[row])


def job_report(job: ImportJob) -> engine.Report | None:
    return engine.Report.from_dict(job.report) if job.report else None


def progress_key(job_id: int) -> str:
    return f"catalog-import:{job_id}:rows-done"


def job_progress(job: ImportJob) -> int:
    """Rows run so far by the step in progress (counted every hundred rows)."""
    return min(int(cache.get(progress_key(job.pk)) or 0), job.rows)
