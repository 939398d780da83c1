"""Celery task of catalog import: run an import job's queued step (check or import) in a worker."""

from __future__ import annotations

from celery import shared_task

from shop.catalog.transfer import jobs
from shop.catalog.transfer.models import ImportJob


@shared_task(  # type: ignore[untyped-decorator]
    name="shop.catalog.transfer.tasks.import_job_run", acks_late=True, ignore_result=True
)
def import_job_run(job_id: int) -> bool:
    """Safe to run twice: the step is claimed under a row lock and runs once."""
    return jobs.import_job_run(job_id=job_id)


@shared_task(  # type: ignore[untyped-decorator]
    name="shop.catalog.transfer.tasks.import_jobs_sweep", ignore_result=True
)
def import_jobs_sweep() -> dict[str, int]:
    """Beat, hourly: checked files left unconfirmed are refused and their file dropped; steps
    whose process went away, or whose task was lost, are queued again."""
    expired = jobs.import_jobs_expire()
    stalled = jobs.import_jobs_stalled()
    for job_id in stalled:
        import_job_run.delay(job_id)
    return {"expired": expired, "queued_again": len(stalled)}


def import_job_dispatch(*, job: ImportJob) -> None:
    """Run the job's queued step: a small file in this request, a larger one in a worker once
    the transaction that queued it commits."""
    if job.rows > jobs.ASYNC_ROWS:
        import_job_run.delay_on_commit(job.pk)
    else:
        jobs.import_job_run(job_id=job.pk)
