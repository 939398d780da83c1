"""What giveaways tell the packages above them, sent inside the transaction that made it so.

Receivers (the giveaway-news opt-in in `promotions.reminders.receivers`) are connected in
`PromotionsConfig.ready()`, so giveaways never imports the packages that listen."""

from __future__ import annotations

from django.dispatch import Signal

# A person entered through the form or the API (not a staff import): `entry`, `news` (they
# asked to hear about giveaways about to close), `now`.
entry_created = Signal()

# An entry was confirmed from its emailed link: `entry`, `now`.
entry_confirmed = Signal()
