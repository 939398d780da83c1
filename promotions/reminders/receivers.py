"""Reminders listening to giveaways: an entrant's "tell me about giveaways" opt-in, and its
confirmation by the entry's own link. Connected in `PromotionsConfig.ready()`; each runs in
the transaction of the entry that sent it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from promotions.giveaways.models import Entry
from promotions.reminders.subscriptions import (
    giveaway_news_confirm_for_entry,
    giveaway_news_opt_in,
)


def on_entry_created(*, entry: Entry, news: bool, now: datetime, **kwargs: Any) -> None:
    if news:
        giveaway_news_opt_in(entry=entry, now=now)


def on_entry_confirmed(*, entry: Entry, now: datetime, **kwargs: Any) -> None:
    giveaway_news_confirm_for_entry(entry=entry, now=now)
