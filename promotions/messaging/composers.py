"""Emails composed when they are sent: the outbox row is written with no subject or body
(`OutboxMessage.compose_at_send`) and the sending worker asks the composer registered for the
row's purpose to write them from the row's `object_ref`.

Why: rendering three templates costs milliseconds of CPU, and for an email enqueued inside a
hot transaction (the order confirmation, inside checkout) that time is better spent by the
worker. The row itself is still written in the caller's transaction, so the email exists
exactly when its object does.

The apps that own such emails sit above this package (the shop's checkout), so they hand their
composer in from their AppConfig.ready (`composer_register`), as the promotions app hands the
catalog its offer loader (`shop.catalog.offers.offer_loader_set`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from promotions.messaging.rendering import RenderedEmail

# object_ref -> the email's subject and bodies.
Composer = Callable[[str], RenderedEmail]


class ComposeRefused(Exception):
    """The composer cannot write this email and never will (its object is gone or unreadable):
    the row fails at once rather than retrying."""


class NoComposer(LookupError):
    """No composer is registered for the row's purpose (a worker running without the app that
    enqueued it): retried, as a worker with the right code may pick it up later."""


_lock = threading.Lock()
_composers: dict[str, Composer] = {}


def composer_register(purpose: str, composer: Composer) -> None:
    """Install the composer of `purpose`'s emails (from the owning app's AppConfig.ready);
    registering again replaces it."""
    with _lock:
        _composers[purpose] = composer


def email_compose(*, purpose: str, object_ref: str) -> RenderedEmail:
    """The email of this purpose about this object, written now by its composer. Raises
    NoComposer, ComposeRefused, or whatever the composer raised."""
    composer = _composers.get(purpose)
    if composer is None:
        raise NoComposer(f"No composer is registered for {purpose!r} emails.")
    return composer(object_ref)
