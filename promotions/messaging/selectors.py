"""Read-side queries of the outbox: the emails about some objects, the emails to a person."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Q

from promotions.messaging.identity import normalize_email
from promotions.messaging.models import OutboxMessage


def outbox_messages_about(*, object_refs: Sequence[str]) -> dict[str, list[OutboxMessage]]:
    """The outbox rows about each object ref (e.g. "promotions.entry:42"), oldest first, in one
    query; every ref asked about is a key."""
    out: dict[str, list[OutboxMessage]] = {ref: [] for ref in object_refs}
    for message in OutboxMessage.objects.filter(object_ref__in=list(out)).order_by("created_at"):
        out[message.object_ref].append(message)
    return out


def outbox_messages_to(*, email: str, limit: int = 50) -> list[OutboxMessage]:
    """The emails sent (or tried) to this person, newest first."""
    normalized = normalize_email(email)
    return list(
        OutboxMessage.objects.filter(
            Q(recipient__iexact=email) | Q(recipient__iexact=normalized)
        ).order_by("-created_at", "-pk")[:limit]
    )
