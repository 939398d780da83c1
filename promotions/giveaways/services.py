"""Giveaway services: create a giveaway, enter it and confirm the entry; the errors every
giveaway service raises.

Rules that matter: one entry per person is the database's unique constraint (a concurrent
duplicate becomes AlreadyEntered, never a second row); spam is accepted like any entry and
held for review. Entering and confirming send the `signals` other packages listen to (the
giveaway-news opt-in of reminders) inside the same transaction. The draw is in `draw`, claims
and thanks in `prizes`, staff import and review in `moderation`, beat's minute in `sweep`.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from config.errors import DomainError
from kits.models import Kit
from promotions.giveaways import emails, signals, spam
from promotions.giveaways.models import Entry, Giveaway
from promotions.messaging.identity import normalize_email
from shop.catalog.models import Product

Status = Entry.Status

NAME_MAX = 120

COMMENT_MAX = 5000

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class GiveawayError(DomainError):
    code = "giveaway_error"


class InvalidEntry(GiveawayError):
    code = "validation_error"
    status = 400


class GiveawayClosed(GiveawayError):
    code = "giveaway_closed"


class GiveawayNotOpen(GiveawayError):
    code = "giveaway_not_open"


class AlreadyEntered(GiveawayError):
    code = "already_entered"


class NotEligible(GiveawayError):
    code = "not_eligible"
    status = 422


class DrawTooEarly(GiveawayError):
    code = "giveaway_open"


class AlreadyDrawn(GiveawayError):
    code = "already_drawn"


class NoEligibleEntries(GiveawayError):
    code = "no_eligible_entries"


class ClaimClosed(GiveawayError):
    code = "claim_closed"


# -- helpers -------------------------------------------------------------------------------


def ip_hash(ip: str) -> str:
    """A keyed hash of the client address: enough to count entries per network, not to
    recover the address."""
    if not ip:
        return ""
    key = settings.SECRET_KEY.encode("utf-8")
    return hmac.new(key, ip.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


@dataclass(frozen=True)
class EntryData:
    name: str
    email: str
    comment: str
    country: str = ""
    age_confirmed: bool = False
    news: bool = False  # also email me when giveaways are about to close


def entry_clean(
    *,
    name: Any = "",
    email: Any = "",
    comment: Any = "",
    country: Any = "",
    age_confirmed: Any = False,
    news: Any = False,
) -> EntryData:
    """Validate raw entry input; InvalidEntry names every field that is wrong."""
    errors: dict[str, list[str]] = {}
    name_s = _CONTROL.sub("", " ".join(str(name if name is not None else "").split()))
    email_s = str(email if email is not None else "").strip()
    comment_s = _CONTROL.sub("", str(comment if comment is not None else "")).strip()
    country_s = str(country or "").strip().upper()
    if not name_s:
        errors["name"] = ["Enter your name."]
    elif len(name_s) > NAME_MAX:
        errors["name"] = [f"Use {NAME_MAX} characters at most."]
    if not email_s:
        errors["email"] = ["Enter your email address."]
    elif len(email_s) > 254:
        errors["email"] = ["An email address has 254 characters at most."]
    else:
        try:
            validate_email(email_s)
        except ValidationError:
            errors["email"] = ["Enter a valid email address, like name@example.com."]
    if len(comment_s) > COMMENT_MAX:
        errors["comment"] = [
            f"Keep your comment to {COMMENT_MAX} characters (this one has {len(comment_s)})."
        ]
    if country_s and not re.fullmatch(r"[A-Z]{2}", country_s):
        errors["country"] = ["Use a two-letter country code, like US."]
    if errors:
        raise InvalidEntry(
            "; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()), errors=errors
        )
    return EntryData(
        name=name_s,
        email=email_s,
        comment=comment_s,
        country=country_s,
        age_confirmed=bool(age_confirmed),
        news=news is True,
    )


def eligibility_errors(
    giveaway: Giveaway, *, country: str, age_confirmed: bool, strict: bool
) -> dict[str, list[str]]:
    """What keeps this person from taking part. `strict`: both must be stated (claiming);
    otherwise only what was stated is checked (entering through the API)."""
    errors: dict[str, list[str]] = {}
    if giveaway.countries and (country or strict) and country not in giveaway.countries:
        errors["country"] = [f"This giveaway is open to {', '.join(giveaway.countries)} only."]
    if giveaway.min_age and strict and not age_confirmed:
        errors["age_confirmed"] = [f"You must be {giveaway.min_age} or older to take part."]
    return errors


def _spam_context(giveaway: Giveaway, *, ip: str, email: str) -> spam.SpamContext:
    recent = list(
        Entry.objects.filter(giveaway=giveaway)
        .order_by("-id")
        .values_list("comment", flat=True)[:500]
    )
    same_ip = Entry.objects.filter(giveaway=giveaway, ip_hash=ip).count() if ip else 0
    stem = spam.address_stem(email)
    local, _, domain = stem.rpartition("@")
    similar = 0
    if local and any(ch.isdigit() for ch in email.partition("@")[0]):
        similar = sum(
            1
            for other in Entry.objects.filter(
                giveaway=giveaway, email_normalized__endswith=f"@{domain}"
            ).values_list("email_normalized", flat=True)[:2000]
            if spam.address_stem(other) == stem
        )
    return spam.SpamContext(
        previous_shingles=spam.shingle_sets(recent),
        same_ip_entries=same_ip,
        similar_addresses=similar,
    )


def apply_score(entry: Entry, result: spam.SpamResult) -> None:
    entry.spam_score = result.score
    entry.spam_reasons = result.reasons_json()
    entry.spam_blocked = result.blocked


# -- creating --------------------------------------------------------------------------------


@transaction.atomic
def giveaway_create(
    *,
    slug: str,
    title: str,
    opens_at: datetime,
    closes_at: datetime,
    winners_count: int = 1,
    alternates_count: int = 5,
    description: str = "",
    rules: str = "",
    prize_description: str = "",
    prize_kit: Kit | None = None,
    prize_products: Sequence[Product] = (),
    claim_days: int = 14,
    min_age: int = 18,
    countries: Sequence[str] = (),
) -> Giveaway:
    """A new giveaway; its secret seed and public commitment are made here, once."""
    giveaway = Giveaway(
        slug=slug,
        title=title,
        opens_at=opens_at,
        closes_at=closes_at,
        winners_count=winners_count,
        alternates_count=alternates_count,
        description=description,
        rules=rules,
        prize_description=prize_description,
        prize_kit=prize_kit,
        claim_days=claim_days,
        min_age=min_age,
        countries=sorted({c.upper() for c in countries}),
    )
    giveaway.full_clean()
    giveaway.save()
    giveaway.prize_products.set(prize_products)
    return giveaway


# -- entering ------------------------------------------------------------------------------


def giveaway_enter(
    *,
    giveaway: Giveaway,
    data: EntryData,
    client_ip: str = "",
    source: str = Entry.Source.FORM,
    now: datetime | None = None,
) -> Entry:
    """Enter a person once: scored, stored, and a confirmation email queued after commit.
    Spam is stored and answered like any entry, held for review."""
    now = now or timezone.now()
    phase = giveaway.phase(now)
    if phase == "upcoming":
        raise GiveawayNotOpen(f"{giveaway.title} opens on {giveaway.opens_at:%Y-%m-%d %H:%M} UTC.")
    if phase != "open":
        raise GiveawayClosed(f"{giveaway.title} closed on {giveaway.closes_at:%Y-%m-%d %H:%M} UTC.")
    errors = eligibility_errors(
        giveaway, country=data.country, age_confirmed=data.age_confirmed, strict=False
    )
    if errors:
        raise NotEligible(" ".join(m for msgs in errors.values() for m in msgs), errors=errors)
    normalized = normalize_email(data.email)
    if Entry.objects.filter(giveaway=giveaway, email_normalized=normalized).exists():
        raise AlreadyEntered("This email address has already entered this giveaway.")
    hashed_ip = ip_hash(client_ip)
    result = spam.score_entry(
        name=data.name,
        email=normalized,
        comment=data.comment,
        context=_spam_context(giveaway, ip=hashed_ip, email=normalized),
    )
    entry = Entry(
        giveaway=giveaway,
        name=data.name,
        email=data.email,
        email_normalized=normalized,
        comment=data.comment,
        country=data.country,
        age_confirmed=data.age_confirmed,
        source=source,
        created_at=now,
        status=Status.HELD if result.held else Status.PENDING,
        ip_hash=hashed_ip,
    )
    apply_score(entry, result)
    try:
        with transaction.atomic():
            entry.save()
            emails.entry_confirmation_send(entry=entry)
            signals.entry_created.send(sender=Entry, entry=entry, news=data.news, now=now)
    except IntegrityError as exc:
        # The unique constraint on (giveaway, normalised email) caught a concurrent twin.
        if Entry.objects.filter(giveaway=giveaway, email_normalized=normalized).exists():
            raise AlreadyEntered("This email address has already entered this giveaway.") from exc
        raise
    return entry


@dataclass(frozen=True)
class ConfirmOutcome:
    entry: Entry
    outcome: str  # confirmed | already_confirmed | too_late


def entry_confirm(*, token: str, now: datetime | None = None) -> ConfirmOutcome | None:
    """Confirm an entry by its emailed token; a replayed link changes nothing. None: no such
    token."""
    now = now or timezone.now()
    with transaction.atomic():
        entry = (
            Entry.objects.select_for_update()
            .select_related("giveaway")
            .filter(confirm_token=token)
            .first()
        )
        if entry is None:
            return None
        if entry.confirmed_at is not None:
            return ConfirmOutcome(entry, "already_confirmed")
        if entry.giveaway.drawn_at is not None:
            return ConfirmOutcome(entry, "too_late")
        entry.confirmed_at = now
        if entry.status == Status.PENDING:
            entry.status = Status.CONFIRMED
        entry.save(update_fields=["confirmed_at", "status"])
        # The same click proves the address for the giveaway news the entrant opted into.
        signals.entry_confirmed.send(sender=Entry, entry=entry, now=now)
    return ConfirmOutcome(entry, "confirmed")
