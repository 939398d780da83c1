"""The draw: freeze the eligible list, publish its hash, and pick winners and ordered alternates
from the seed committed at creation (`python -m promotions.verify_draw` checks a proof)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from promotions.giveaways import emails
from promotions.giveaways.models import Entry, Giveaway, public_name
from promotions.giveaways.services import AlreadyDrawn, DrawTooEarly, NoEligibleEntries
from promotions.verify_draw import ALGORITHM, draw_select, list_hash

Status = Entry.Status


@dataclass(frozen=True)
class DrawResult:
    giveaway: Giveaway
    winners: list[Entry]
    alternates: list[Entry]
    proof: dict[str, Any]


def giveaway_draw(*, giveaway: Giveaway, now: datetime | None = None) -> DrawResult:
    """Freeze the eligible list (confirmed, not held, not blocked), publish its hash, and draw
    winners and ordered alternates from the committed seed + that hash. Winners are emailed."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Giveaway.objects.select_for_update().get(pk=giveaway.pk)
        if locked.drawn_at is not None:
            raise AlreadyDrawn(f"{locked.title} was drawn at {locked.drawn_at:%Y-%m-%d %H:%M} UTC.")
        if now < locked.closes_at:
            raise DrawTooEarly(
                f"{locked.title} is open until {locked.closes_at:%Y-%m-%d %H:%M} UTC; "
                "draw after it closes."
            )
        eligible = list(
            Entry.objects.filter(
                giveaway=locked,
                status=Status.CONFIRMED,
                confirmed_at__isnull=False,
                spam_blocked=False,
            )
            .order_by("pk")
            .values_list("pk", "name")
        )
        if not eligible:
            raise NoEligibleEntries(
                "No confirmed entry is eligible: confirm or approve entries, then draw."
            )
        public = [{"id": pk, "name": public_name(name)} for pk, name in eligible]
        order = draw_select(
            seed=locked.seed,
            entries=public,
            count=locked.winners_count + locked.alternates_count,
        )
        winner_ids = order[: locked.winners_count]
        alternate_ids = order[locked.winners_count :]
        proof = {
            "version": 1,
            "algorithm": ALGORITHM,
            "giveaway": locked.slug,
            "title": locked.title,
            "closes_at": locked.closes_at.isoformat(),
            "drawn_at": now.isoformat(),
            "commitment": locked.seed_commitment,
            "seed": locked.seed,
            "list_hash": list_hash(public),
            "winners_count": locked.winners_count,
            "alternates_count": locked.alternates_count,
            "entries": public,
            "winners": winner_ids,
            "alternates": alternate_ids,
        }
        locked.drawn_at = now
        locked.proof = proof
        locked.save(update_fields=["drawn_at", "proof"])
        deadline = now + locked.claim_window
        by_id = Entry.objects.select_related("giveaway").in_bulk(order)
        for position, entry_id in enumerate(order, 1):
            entry = by_id[entry_id]
            entry.draw_position = position
            if entry_id in winner_ids:
                entry.status = Status.WINNER
                entry.claim = Entry.Claim.AWAITING
                entry.claim_deadline = deadline
            else:
                entry.status = Status.ALTERNATE
        Entry.objects.bulk_update(
            by_id.values(), ["draw_position", "status", "claim", "claim_deadline"]
        )
        winners = [by_id[i] for i in winner_ids]
        for entry in winners:
            entry.giveaway = locked
            emails.winner_email_send(entry=entry)
    return DrawResult(locked, winners, [by_id[i] for i in alternate_ids], proof)
