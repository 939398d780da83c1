"""The giveaway emails, each one outbox row keyed by its entry (so never sent twice)."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.urls import reverse

from promotions.giveaways.models import Entry, Giveaway
from promotions.messaging.models import OutboxMessage
from promotions.messaging.services import FanoutItem, email_enqueue, email_fanout


def absolute(path: str) -> str:
    return settings.SHOP_BASE_URL.rstrip("/") + path


def confirm_url(entry: Entry) -> str:
    return absolute(reverse("promotions:entry_confirm", args=[entry.confirm_token]))


def claim_url(entry: Entry) -> str:
    return absolute(reverse("promotions:prize_claim", args=[entry.claim_token]))


def entry_confirmation_send(*, entry: Entry) -> OutboxMessage:
    return email_enqueue(
        purpose="giveaway_confirm",
        key=f"entry:{entry.pk}",
        recipient=entry.email,
        template="giveaway_confirm",
        context={
            "entry": entry,
            "giveaway": entry.giveaway,
            "confirm_url": confirm_url(entry),
            "giveaway_url": absolute(entry.giveaway.get_absolute_url()),
        },
        object_ref=entry.ref,
    )


def winner_email_send(*, entry: Entry, promoted: bool = False) -> OutboxMessage:
    """The winner email with the claim link; `promoted`: an alternate who moved up."""
    purpose = "giveaway_alternate" if promoted else "giveaway_winner"
    return email_enqueue(
        purpose=purpose,
        key=f"entry:{entry.pk}",
        recipient=entry.email,
        template=purpose,
        context={
            "entry": entry,
            "giveaway": entry.giveaway,
            "claim_url": claim_url(entry),
            "deadline": entry.claim_deadline,
            "proof_url": absolute(entry.giveaway.get_absolute_url()) + "#proof",
        },
        object_ref=entry.ref,
    )


def thanks_emails_send(*, giveaway: Giveaway, entries: Iterable[Entry]) -> int:
    """One "thanks for entering" email per entry, batched; marketing, so suppression applies."""
    giveaway_url = absolute(giveaway.get_absolute_url())
    items = (
        FanoutItem(
            key=f"entry:{entry.pk}",
            recipient=entry.email,
            context={"entry": entry, "code": entry.consolation_code},
            object_ref=entry.ref,
        )
        for entry in entries
    )
    return email_fanout(
        purpose="giveaway_thanks",
        template="giveaway_thanks",
        items=items,
        marketing=True,
        common_context={
            "giveaway": giveaway,
            "giveaway_url": giveaway_url,
            "shop_url": absolute(reverse("shop:product_list")),
        },
    )
