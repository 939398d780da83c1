"""Models of the promotions app, one module per area, re-exported here."""

from .giveaways import Entry, Giveaway, HeldEntry
from .outbox import MarketingStamp, OutboxMessage, Suppression
from .reminders import Reminder, ReplenishmentItem, ReplenishmentOrder, Subscription

__all__ = [
    "Entry",
    "Giveaway",
    "HeldEntry",
    "MarketingStamp",
    "OutboxMessage",
    "Reminder",
    "ReplenishmentItem",
    "ReplenishmentOrder",
    "Subscription",
    "Suppression",
]
