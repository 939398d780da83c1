"""Celery tasks of promo codes: generating a large code batch in a worker.

Task names are the ones tasks already queued in Redis carry (they were all in
`promotions.tasks` once)."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from promotions.codes import generation


@shared_task(  # type: ignore[untyped-decorator]
    name="promotions.tasks.code_batch_generate", acks_late=True, ignore_result=True
)
def code_batch_generate(batch_id: int) -> dict[str, Any]:
    """Generate a code batch's missing codes, reporting progress on its row; a repeat (or a
    second worker) only makes what is still missing. A failure is recorded on the batch."""
    try:
        batch = generation.code_batch_run(batch_id=batch_id)
    except Exception as error:
        generation.code_batch_fail(batch_id=batch_id, error=f"{type(error).__name__}: {error}")
        raise
    if batch is None:
        return {"batch": batch_id, "status": "missing"}
    return {"batch": batch_id, "status": batch.status, "generated": batch.generated}
