"""After the draw: winners claim their prize, unclaimed prizes pass to the next alternate, and
everyone else is thanked (with a consolation code when the giveaway has one)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from promotions.codes.generation import consolation_code_issue
from promotions.giveaways import emails
from promotions.giveaways.models import Entry, Giveaway
from promotions.giveaways.services import ClaimClosed, NotEligible, eligibility_errors

Status = Entry.Status


@dataclass(frozen=True)
class ClaimDetails:
    full_name: str
    line1: str
    city: str
    postal_code: str
    country: str
    age_confirmed: bool


def prize_claim(*, token: str, details: ClaimDetails, now: datetime | None = None) -> Entry | None:
    """The winner claims before the deadline, stating where to ship and that they are
    eligible. None: no such claim link."""
    now = now or timezone.now()
    with transaction.atomic():
        entry = (
            Entry.objects.select_for_update()
            .select_related("giveaway")
            .filter(claim_token=token)
            .first()
        )
        if entry is None:
            return None
        if entry.claim == Entry.Claim.CLAIMED:
            raise ClaimClosed("You have already claimed this prize.")
        if entry.claim != Entry.Claim.AWAITING:
            raise ClaimClosed("This claim link is no longer valid.")
        if entry.claim_deadline and entry.claim_deadline <= now:
            raise ClaimClosed("The time to claim this prize has run out.")
        errors = eligibility_errors(
            entry.giveaway,
            country=details.country,
            age_confirmed=details.age_confirmed,
            strict=True,
        )
        if errors:
            raise NotEligible(" ".join(m for msgs in errors.values() for m in msgs), errors=errors)
        entry.claim = Entry.Claim.CLAIMED
        entry.claimed_at = now
        entry.claim_details = {
            "full_name": details.full_name,
            "line1": details.line1,
            "city": details.city,
            "postal_code": details.postal_code,
            "country": details.country,
            "age_confirmed": details.age_confirmed,
        }
        entry.save(update_fields=["claim", "claimed_at", "claim_details"])
    return entry


def claims_expire(*, now: datetime | None = None) -> int:
    """Winners who did not claim in time lose the prize; the next alternate in the published
    order moves up and is emailed. Returns how many claims expired."""
    now = now or timezone.now()
    expired = 0
    giveaway_ids = set(
        Entry.objects.filter(claim=Entry.Claim.AWAITING, claim_deadline__lte=now).values_list(
            "giveaway_id", flat=True
        )
    )
    for giveaway_id in sorted(giveaway_ids):
        with transaction.atomic():
            giveaway = Giveaway.objects.select_for_update().get(pk=giveaway_id)
            due = list(
                Entry.objects.select_for_update()
                .filter(giveaway=giveaway, claim=Entry.Claim.AWAITING, claim_deadline__lte=now)
                .order_by("draw_position")
            )
            for entry in due:
                entry.claim = Entry.Claim.EXPIRED
                entry.save(update_fields=["claim"])
                expired += 1
                _promote_next_alternate(giveaway, now=now)
    return expired


def _promote_next_alternate(giveaway: Giveaway, *, now: datetime) -> Entry | None:
    alternate = (
        Entry.objects.select_for_update()
        .filter(giveaway=giveaway, status=Status.ALTERNATE)
        .order_by("draw_position")
        .first()
    )
    if alternate is None:
        return None
    alternate.status = Status.WINNER
    alternate.claim = Entry.Claim.AWAITING
    alternate.claim_deadline = now + giveaway.claim_window
    alternate.save(update_fields=["status", "claim", "claim_deadline"])
    alternate.giveaway = giveaway
    emails.winner_email_send(entry=alternate, promoted=True)
    return alternate


def giveaway_finalise(*, giveaway: Giveaway, now: datetime | None = None) -> int | None:
    """Once no prize is waiting to be claimed, thank everyone else (with a consolation code
    when the giveaway has one). Returns how many thanks were queued, None when not final yet."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Giveaway.objects.select_for_update().get(pk=giveaway.pk)
        if locked.finalised_at is not None or locked.drawn_at is None:
            return None
        if Entry.objects.filter(giveaway=locked, claim=Entry.Claim.AWAITING).exists():
            return None
        locked.finalised_at = now
        locked.save(update_fields=["finalised_at"])
        others = list(
            Entry.objects.filter(
                giveaway=locked, status__in=[Status.CONFIRMED, Status.ALTERNATE]
            ).order_by("pk")
        )
        for entry in others:
            if not entry.consolation_code:
                code = consolation_code_issue(
                    promotion_id=locked.consolation_promotion_id, issued_to=entry.ref
                )
                if code:
                    entry.consolation_code = code
                    entry.save(update_fields=["consolation_code"])
        return emails.thanks_emails_send(giveaway=locked, entries=others)
