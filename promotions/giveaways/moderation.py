"""Staff work on entries: importing entries gathered elsewhere, and reviewing held ones."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from promotions.giveaways import spam
from promotions.giveaways.models import Entry, Giveaway
from promotions.giveaways.services import (
    AlreadyDrawn,
    EntryData,
    InvalidEntry,
    apply_score,
    entry_clean,
)
from promotions.messaging.identity import normalize_email

Status = Entry.Status


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
            apply_score(entry, score)
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
