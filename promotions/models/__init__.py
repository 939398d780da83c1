"""Models of the promotions app, one module per area, re-exported here."""

from .giveaways import Entry, Giveaway, HeldEntry
from .outbox import MarketingStamp, OutboxMessage, Suppression
from .promos import CodeBatch, PromoCode, Promotion, Redemption
from .reminders import Reminder, ReplenishmentItem, ReplenishmentOrder, Subscription

__all__ = [
    "CodeBatch",
    "Entry",
    "Giveaway",
    "HeldEntry",
    "MarketingStamp",
    "OutboxMessage",
    "PromoCode",
    "Promotion",
    "Redemption",
    "Reminder",
    "ReplenishmentItem",
    "ReplenishmentOrder",
    "Subscription",
    "Suppression",
]
