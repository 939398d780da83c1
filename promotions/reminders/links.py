"""The signed links in reminder emails (manage, confirm, restock, scoped unsubscribe) and the
settings they read."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.urls import reverse

from promotions.messaging.identity import normalize_email
from promotions.reminders.models import Kind, Subscription
from shop.pricing import MAX_QUANTITY

# The salts are part of tokens already emailed: changing one breaks every link sent with it.
MANAGE_SALT = "promotions.reminders.manage"
RESTOCK_SALT = "promotions.replenishment.restock"
SCOPE_PREFIX = "reminder:"


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def default_timezone() -> str:
    return str(_setting("REMINDER_DEFAULT_TIMEZONE", "UTC"))


def resend_window() -> timedelta:
    return timedelta(minutes=int(_setting("REMINDER_CONFIRM_RESEND_MINUTES", 15)))


def manage_link_max_age() -> timedelta:
    return timedelta(days=int(_setting("REMINDER_MANAGE_LINK_DAYS", 90)))


def absolute(path: str) -> str:
    return settings.SHOP_BASE_URL.rstrip("/") + path


def manage_token(email: str) -> str:
    return signing.dumps(normalize_email(email), salt=MANAGE_SALT, compress=True)


def manage_token_email(token: str, *, now: datetime | None = None) -> str | None:
    """The address a manage link was made for; None when tampered with or too old."""
    try:
        value = signing.loads(token, salt=MANAGE_SALT, max_age=manage_link_max_age())
    except signing.BadSignature:  # SignatureExpired is a BadSignature
        return None
    return value if isinstance(value, str) else None


def manage_url(email: str) -> str:
    return absolute(reverse("promotions:reminder_manage", args=[manage_token(email)]))


def confirm_url(subscription: Subscription) -> str:
    return absolute(reverse("promotions:reminder_confirm", args=[subscription.confirm_token]))


def unsubscribe_scope(kind: str) -> str:
    return f"{SCOPE_PREFIX}{kind}"


def scope_kind(scope: str) -> str | None:
    """The reminder kind an unsubscribe scope names, or None for other scopes."""
    if scope.startswith(SCOPE_PREFIX) and scope[len(SCOPE_PREFIX) :] in Kind.values:
        return scope[len(SCOPE_PREFIX) :]
    return None


def scope_label(scope: str) -> str:
    kind = scope_kind(scope)
    return Kind(kind).label if kind else ""


# -- the restock link -------------------------------------------------------------------------


def restock_token(*, reminder_id: int, lines: Sequence[tuple[int, int]]) -> str:
    return signing.dumps(
        {"r": reminder_id, "p": [[pk, qty] for pk, qty in lines]}, salt=RESTOCK_SALT, compress=True
    )


def restock_url(*, reminder_id: int, lines: Sequence[tuple[int, int]]) -> str:
    token = restock_token(reminder_id=reminder_id, lines=lines)
    return absolute(reverse("shop:reminder_restock", args=[token]))


def restock_token_lines(token: str) -> list[tuple[int, int]] | None:
    """(product id, quantity) pairs of a restock link; None when tampered with or too old."""
    try:
        value = signing.loads(token, salt=RESTOCK_SALT, max_age=manage_link_max_age())
    except signing.BadSignature:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("p"), list):
        return None
    lines: list[tuple[int, int]] = []
    for pair in value["p"][:50]:
        if (
            isinstance(pair, list)
            and len(pair) == 2
            and all(isinstance(n, int) and not isinstance(n, bool) for n in pair)
        ):
            lines.append((pair[0], max(1, min(pair[1], MAX_QUANTITY))))
    return lines
