"""Consent for marketing email: signed one-click unsubscribe links, their List-Unsubscribe
headers, and the suppression list no marketing email is sent to."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse

from promotions.messaging.identity import normalize_email
from promotions.messaging.models import Suppression

UNSUBSCRIBE_SALT = "promotions.outbox.unsubscribe"


def unsubscribe_url(email: str, scope: str = "") -> str:
    """The one-click unsubscribe link for an address. Without `scope` it stops all marketing
    (the suppression list); with one (e.g. "reminder:routine_evening") it stops only that."""
    value: str | dict[str, str] = normalize_email(email)
    if scope:
        value = {"e": normalize_email(email), "s": scope}
    token = signing.dumps(value, salt=UNSUBSCRIBE_SALT, compress=True)
    path = reverse("promotions:email_unsubscribe", args=[token])
    return settings.SHOP_BASE_URL.rstrip("/") + path


@dataclass(frozen=True)
class UnsubscribeToken:
    email: str
    scope: str = ""


def unsubscribe_token_parse(token: str) -> UnsubscribeToken | None:
    """What an unsubscribe token was made for, or None when it was tampered with."""
    try:
        value = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if isinstance(value, str):
        return UnsubscribeToken(value)
    if (
        isinstance(value, dict)
        and isinstance(value.get("e"), str)
        and isinstance(value.get("s"), str)
    ):
        return UnsubscribeToken(value["e"], value["s"])
    return None


def unsubscribe_token_email(token: str) -> str | None:
    """The address an unsubscribe token was made for, or None when it was tampered with."""
    parsed = unsubscribe_token_parse(token)
    return parsed.email if parsed else None


def marketing_headers(
    email: str, headers: dict[str, str] | None = None, *, scope: str = "", url: str = ""
) -> dict[str, str]:
    """RFC 8058 one-click unsubscribe, unless the caller brought its own List-Unsubscribe
    (`url`: the unsubscribe link when the caller has it already)."""
    out = dict(headers or {})
    if "List-Unsubscribe" not in out:
        out["List-Unsubscribe"] = f"<{url or unsubscribe_url(email, scope)}>"
        out["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return out


def is_suppressed(email: str) -> bool:
    return Suppression.objects.filter(email=normalize_email(email)).exists()


def suppression_add(*, email: str, reason: str = Suppression.Reason.UNSUBSCRIBED) -> Suppression:
    """Add an address to the global suppression list (idempotent, race-safe)."""
    normalized = normalize_email(email)
    try:
        with transaction.atomic():
            suppression, _ = Suppression.objects.get_or_create(
                email=normalized, defaults={"reason": reason}
            )
    except IntegrityError:
        suppression = Suppression.objects.get(email=normalized)
    return suppression
