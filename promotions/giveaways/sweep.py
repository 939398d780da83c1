"""Beat's minute for giveaways: draw those that closed, expire unclaimed prizes, thank everyone
once a giveaway is final."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from promotions.giveaways.draw import giveaway_draw
from promotions.giveaways.models import Giveaway
from promotions.giveaways.prizes import claims_expire, giveaway_finalise
from promotions.giveaways.services import AlreadyDrawn, NoEligibleEntries


def giveaways_sweep(*, now: datetime | None = None) -> dict[str, Any]:
    """Beat's minute: draw giveaways that closed, expire unclaimed prizes (promoting
    alternates), and send thanks where the giveaway is final. Safe to run twice at once."""
    now = now or timezone.now()
    report: dict[str, Any] = {"drawn": 0, "waiting_for_entries": [], "expired": 0, "finalised": 0}
    for giveaway in Giveaway.objects.filter(drawn_at__isnull=True, closes_at__lte=now).order_by(
        "pk"
    ):
        try:
            giveaway_draw(giveaway=giveaway, now=now)
            report["drawn"] += 1
        except NoEligibleEntries:
            report["waiting_for_entries"].append(giveaway.slug)
        except AlreadyDrawn:
            continue
    report["expired"] = claims_expire(now=now)
    for giveaway in Giveaway.objects.filter(drawn_at__isnull=False, finalised_at__isnull=True):
        if giveaway_finalise(giveaway=giveaway, now=now) is not None:
            report["finalised"] += 1
    return report
