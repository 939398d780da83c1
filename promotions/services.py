"""Promotion services that other parts of the promotions app call.

`consolation_code_issue` is the seam between giveaways and promo codes: the giveaway's
"thanks for entering" email asks it for a single-use code for each entrant who did not win.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import Entry, Giveaway


def consolation_code_issue(*, giveaway: Giveaway, entry: Entry) -> str | None:
    """A new single-use promo code for an entrant who did not win, or None when the giveaway
    has no consolation promotion configured (the thanks email then simply has no code).

    The caller stores the code on the entry and never asks twice for the same entry, so this
    only has to create one code per call. Promo codes do not exist on this branch yet, so no
    giveaway can have a consolation promotion: the promotions work replaces this body (see
    the giveaways report) with: look up the giveaway's consolation promotion; if none, return
    None; else create one code of it with usage_limit=1 (and per_customer_limit=1 for
    entry.email_normalized) and return the code string.
    """
    return None
