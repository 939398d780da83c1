"""Celery tasks of giveaways: beat's minute (draws, claim deadlines, thanks).

Task names are the ones beat's schedule and tasks already queued in Redis carry (they were all
in `promotions.tasks` once)."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from promotions.giveaways import sweep


@shared_task(  # type: ignore[untyped-decorator]
    name="promotions.tasks.giveaways_sweep", ignore_result=True
)
def giveaways_sweep() -> dict[str, Any]:
    """Beat, every minute: draw closed giveaways, expire unclaimed prizes, send thanks."""
    return sweep.giveaways_sweep()
