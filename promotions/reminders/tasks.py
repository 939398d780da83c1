"""Celery tasks of reminders: beat's minute that hands due reminders to the outbox.

Task names are the ones beat's schedule and tasks already queued in Redis carry (they were all
in `promotions.tasks` once)."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from promotions.reminders import sweep


@shared_task(  # type: ignore[untyped-decorator]
    name="promotions.tasks.reminders_sweep", ignore_result=True
)
def reminders_sweep() -> dict[str, Any]:
    """Beat, every minute: hand due reminders to the outbox, schedule the next ones."""
    return sweep.reminders_sweep().as_dict()
