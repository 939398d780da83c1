"""Giveaway services: create, enter, confirm, import, review, draw, claim, expire, finalise.

Rules that matter: one entry per person is the database's unique constraint (a concurrent
duplicate becomes AlreadyEntered, never a second row); spam is accepted like any entry and
held for review; the draw freezes the eligible list, hashes it and derives its seed from the
value committed at creation; everything time-driven is swept by beat (giveaways_sweep).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from config.errors import DomainError
from kits.models import Kit
from promotions.codes.services import consolation_code_issue
from promotions.giveaways import emails, spam
from promotions.giveaways.models import Entry, Giveaway, public_name
from promotions.messaging.identity import normalize_email
from promotions.reminders import subscriptions
from promotions.verify_draw import ALGORITHM, draw_select, list_hash
from shop.catalog.models import Product

logger = logging.getLogger(__name__)

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


def _eligibility_errors(
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


def _apply_score(entry: Entry, result: spam.SpamResult) -> None:
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
    errors = _eligibility_errors(
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
    _apply_score(entry, result)
    try:
        with transaction.atomic():
            entry.save()
            emails.entry_confirmation_send(entry=entry)
            if data.news:
                subscriptions.giveaway_news_opt_in(entry=entry, now=now)
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
        subscriptions.giveaway_news_confirm_for_entry(entry=entry, now=now)
    return ConfirmOutcome(entry, "confirmed")


@dataclass
class ImportResult:
    imported: int = 0
    duplicates: int = 0
    held: int = 0


def entries_import(
    *, giveaway: Giveaway, rows: Sequence[dict[str, Any]], now: datetime | None = None
) -> ImportResult:
    """Staff import of entries gathered elsewhere: validated first (one bad row imports
    nothing), scored like any entry, counted as confirmed; existing people are duplicates."""
    now = now or timezone.now()
    if giveaway.drawn_at is not None:
        raise AlreadyDrawn("The draw has taken place; the entry list is frozen.")
    cleaned: list[EntryData] = []
    errors: dict[str, list[str]] = {}
    for index, row in enumerate(rows):
        try:
            cleaned.append(
                entry_clean(
                    name=row.get("name"), email=row.get("email"), comment=row.get("comment", "")
                )
            )
        except InvalidEntry as exc:
            for field_name, messages in (exc.errors or {}).items():
                errors[f"entries.{index}.{field_name}"] = messages
    if errors:
        raise InvalidEntry(
            f"{len(errors)} problem(s) in the entries; nothing was imported.", errors=errors
        )
    result = ImportResult()
    with transaction.atomic():
        Giveaway.objects.select_for_update().get(pk=giveaway.pk)
        existing = set(
            Entry.objects.filter(giveaway=giveaway).values_list("email_normalized", flat=True)
        )
        recent = list(
            Entry.objects.filter(giveaway=giveaway)
            .order_by("-id")
            .values_list("comment", flat=True)[:500]
        )
        shingle_pool = list(spam.shingle_sets(recent))
        stems = Counter(spam.address_stem(e) for e in existing)
        new_entries: list[Entry] = []
        for data in cleaned:
            normalized = normalize_email(data.email)
            if normalized in existing:
                result.duplicates += 1
                continue
            existing.add(normalized)
            stem = spam.address_stem(normalized)
            digits = any(ch.isdigit() for ch in normalized.partition("@")[0])
            score = spam.score_entry(
                name=data.name,
                email=normalized,
                comment=data.comment,
                context=spam.SpamContext(
                    previous_shingles=tuple(shingle_pool),
                    similar_addresses=stems[stem] if digits else 0,
                ),
            )
            stems[stem] += 1
            shingle_pool.extend(spam.shingle_sets([data.comment]))
            entry = Entry(
                giveaway=giveaway,
                name=data.name,
                email=data.email,
                email_normalized=normalized,
                comment=data.comment,
                source=Entry.Source.IMPORT,
                created_at=now,
                confirmed_at=now,
                status=Status.HELD if score.held else Status.CONFIRMED,
            )
            _apply_score(entry, score)
            result.held += score.held
            new_entries.append(entry)
        Entry.objects.bulk_create(new_entries, batch_size=500)
        result.imported = len(new_entries)
    return result


@dataclass
class ReviewResult:
    changed: int = 0
    refused: list[str] = field(default_factory=list)


def entries_review(
    *, entries: QuerySet[Entry], approve: bool, now: datetime | None = None
) -> ReviewResult:
    """Staff decision on entries (the held ones, usually). Approving puts an entry back where
    its confirmation says; pingbacks and link spam cannot be approved; drawn entries keep
    their place."""
    now = now or timezone.now()
    result = ReviewResult()
    with transaction.atomic():
        for entry in entries.select_for_update().select_related("giveaway").order_by("pk"):
            if entry.status in (Status.WINNER, Status.ALTERNATE) or entry.giveaway.drawn_at:
                result.refused.append(f"{entry.name}: the draw has taken place")
                continue
            if approve:
                if entry.spam_blocked:
                    result.refused.append(f"{entry.name}: a pingback or link spam cannot win")
                    continue
                new_status = Status.CONFIRMED if entry.confirmed_at else Status.PENDING
            else:
                new_status = Status.REJECTED
            if entry.status != new_status:
                entry.status = new_status
                entry.reviewed_at = now
                entry.save(update_fields=["status", "reviewed_at"])
                result.changed += 1
    return result


# -- the draw ------------------------------------------------------------------------------


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


# -- claiming ------------------------------------------------------------------------------


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
        errors = _eligibility_errors(
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


# -- finishing -----------------------------------------------------------------------------


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
                code = consolation_code_issue(giveaway=locked, entry=entry)
                if code:
                    entry.consolation_code = code
                    entry.save(update_fields=["consolation_code"])
        return emails.thanks_emails_send(giveaway=locked, entries=others)


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
