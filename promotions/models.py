"""The promotions app's model registry: Django loads an app's models from here, so this imports
each package's models. Code imports models from their package (`promotions.codes.models`, ...),
never from here."""

from promotions.codes.models import CodeBatch, PromoCode, Promotion, Redemption
from promotions.giveaways.models import Entry, Giveaway, HeldEntry
from promotions.messaging.models import MarketingStamp, OutboxMessage, Suppression
from promotions.reminders.models import (
    Reminder,
    ReplenishmentItem,
    ReplenishmentOrder,
    Subscription,
)

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
