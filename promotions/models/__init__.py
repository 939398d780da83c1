"""Models of the promotions app, one module per area, re-exported here."""

from .giveaways import Entry, Giveaway, HeldEntry
from .outbox import OutboxMessage, Suppression
from .promos import CodeBatch, PromoCode, Promotion, Redemption

__all__ = [
    "CodeBatch",
    "Entry",
    "Giveaway",
    "HeldEntry",
    "OutboxMessage",
    "PromoCode",
    "Promotion",
    "Redemption",
    "Suppression",
]
