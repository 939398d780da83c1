"""Models of the promotions app, one module per area, re-exported here."""

from .giveaways import Entry, Giveaway, HeldEntry
from .outbox import OutboxMessage, Suppression

__all__ = ["Entry", "Giveaway", "HeldEntry", "OutboxMessage", "Suppression"]
