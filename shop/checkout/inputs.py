"""What a checkout asks for: the shopper's details, the address rules that the API and the
checkout form both check, and the request's fingerprint that makes a retry idempotent."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

# Address rules shared by the API and the checkout form.
POSTAL_CODE_RE = r"^[A-Za-z0-9][A-Za-z0-9 -]{1,18}[A-Za-z0-9]$"
POSTAL_CODE_MESSAGE = "Enter a postal code: 3 to 20 letters, digits, spaces or dashes."
COUNTRY_MESSAGE = "Choose a country: its two-letter country code (ISO 3166-1), e.g. US."


@dataclass(frozen=True, slots=True)
class CheckoutDetails:
    email: str
    name: str
    address_line1: str
    city: str
    postal_code: str
    country: str
    payment_method: str
    payment_token: str
    region: str = ""
    phone: str = ""
    # The account signed in at checkout (None for a guest) and its own address: the order
    # joins the account, and per-customer promo limits count both addresses as one person.
    user_id: int | None = None
    account_email: str = ""
    # The "remind me when this runs out" box: True ticked, False unticked, None not asked.
    replenishment_reminders: bool | None = None
    # The total the shopper saw on the button they pressed (the storefront sends it): checkout
    # never charges more than that without showing the new total first. None: not checked.
    shown_total: Decimal | None = None


def signed_in(details: CheckoutDetails, user: Any) -> CheckoutDetails:
    """`details` as `user` placed them: joined to the account when signed in, else as given."""
    if user is None or not user.is_authenticated:
        return details
    return replace(details, user_id=user.pk, account_email=user.email)


def request_fingerprint(*, cart_id: uuid.UUID, body: object) -> str:
    """What makes two checkout requests "the same": the cart and the parsed JSON body."""
    canonical = json.dumps(
        {"cart": str(cart_id), "body": body},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()
