"""Guessing protection for promo codes: throttled failed attempts and uniform answers.

Throttle. Every code attempt takes a slot in an atomic cache counter per client (IP address;
IPv6 by /64 network, since one host holds a whole /64) and, in the cart, per cart. Counters
live in fixed windows of `PROMO_ATTEMPT_WINDOW` seconds. An attempt whose slot number is past
the limit is refused (`TooManyAttempts`, 429 `too_many_attempts`) before any code is looked up
and gives its slot back; an attempt on a live code gives its slot back too, so only failed
attempts are counted. As the slot is taken before the lookup with one atomic INCR (Redis in
production, the local-memory cache in development), no interleaving of processes or threads
can make more than the limit of failed lookups in one window.

Uniform answers. A shopper who types a code has earned its reason only when the code is live
or advertised. The rule, applied by `promo_code_attempt` for the cart and the storefront:

* a code that does not exist, belongs to an inactive promotion, or has not started yet;
* a private code (generated in a batch, issued to a giveaway entrant) that has expired or has
  been used up;

all answer exactly as a code that never existed: `promo_not_found`, "X isn't a valid promo
code.", after the same queries. Reasons are given for live codes (promo_min_subtotal,
promo_not_applicable, promo_customer_limit, promo_not_combinable) and for advertised (public)
codes that expired or ran out (promo_expired, promo_exhausted): everybody may know PORES15.

The quote API is the contract's explainer and keeps the real rejection codes for every code
that exists (`reveal=True`); its failed attempts are throttled per client too, on a counter of
their own (`PROMO_QUOTE_ATTEMPTS_PER_CLIENT`), so that quoting does not lock a shopper out of
the cart. At the default limits one address gets at most 130 failed guesses per 15 minutes;
against 10,000 live codes of 10 random characters (31^10, about 8.2e14 codes) one guess hits
with probability 1.2e-11.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.cache import cache

from config.counters import counter_give_back, counter_hit
from config.errors import DomainError
from promotions.codes.selectors import CodeLookup, promo_codes_lookup
from shop.catalog.offers import TOKEN_UNREAD
from shop.pricing import PromoRule, UnknownCode


class TooManyAttempts(DomainError):
    """Too many failed code attempts from this client or on this cart: 429
    `too_many_attempts`, to try again after `retry_after` seconds (sent as Retry-After)."""

    code = "too_many_attempts"
    status = 429
    title = "Too many attempts"

    def __init__(self, retry_after: int) -> None:
        minutes = max(1, math.ceil(retry_after / 60))
        super().__init__(
            f"Too many promo code attempts. Try again in {minutes} "
            f"minute{'s' if minutes != 1 else ''}.",
            extra={"retry_after": retry_after},
        )
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class Attempt:
    """The counter slots one attempt holds."""

    keys: tuple[str, ...]


def client_key(remote_addr: str | None) -> str:
    """A stable, non-reversible key for the client behind `remote_addr`.

    IPv6 addresses are keyed by their /64 network: a host gets a whole /64 and could otherwise
    rotate through addresses. The key is an HMAC, so the cache holds no address in clear.
    """
    text = (remote_addr or "").strip()
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        network = text or "unknown"
    else:
        if isinstance(address, ipaddress.IPv6Address):
            mapped = address.ipv4_mapped
            network = (
                str(mapped)
                if mapped is not None
                else str(ipaddress.ip_network(f"{address}/64", strict=False))
            )
        else:
            network = str(address)
    digest = hmac.new(settings.SECRET_KEY.encode(), network.encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def _window() -> int:
    return int(settings.PROMO_ATTEMPT_WINDOW)


def _take(key: str, timeout: int) -> int:
    """Atomically count one more attempt under `key`, creating it with an expiry if needed."""
    return counter_hit(key, window_seconds=timeout)


def _give_back(key: str) -> None:
    counter_give_back(key)


def promo_attempt_begin(
    *, client: str, cart: str | None = None, now: float | None = None, surface: str = "cart"
) -> Attempt:
    """Take a slot for one code attempt; raises TooManyAttempts when a limit is reached.

    `surface` "cart" (the cart API and page) or "quote" (the quote API) picks the per-client
    counter and its limit; the cart's counter is also kept per cart.
    """
    window = _window()
    moment = time.time() if now is None else now
    slot = int(moment // window)
    if surface == "quote":
        limits = [("quote", client, int(settings.PROMO_QUOTE_ATTEMPTS_PER_CLIENT))]
    else:
        limits = [("client", client, int(settings.PROMO_ATTEMPTS_PER_CLIENT))]
    if cart is not None:
        limits.append(("cart", str(cart), int(settings.PROMO_ATTEMPTS_PER_CART)))
    taken: list[str] = []
    for scope, ident, limit in limits:
        key = f"promo-attempts:{scope}:{ident}:{slot}"
        count = _take(key, window + 60)
        taken.append(key)
        if count > limit:
            for held in taken:
                _give_back(held)
            raise TooManyAttempts(retry_after=max(1, int((slot + 1) * window - moment)))
    return Attempt(tuple(taken))


def promo_attempt_end(attempt: Attempt, *, failed: bool) -> None:
    """Settle an attempt: a failed one keeps its slots, a successful one gives them back."""
    if not failed:
        for key in attempt.keys:
            _give_back(key)


def promo_attempts_used(
    *, client: str, cart: str | None = None, surface: str = "cart", now: float | None = None
) -> dict[str, int]:
    """Failed attempts counted in the window of `now` (default: the current one), for admin
    and tests."""
    slot = int((time.time() if now is None else now) // _window())
    scope = "quote" if surface == "quote" else "client"
    out = {scope: int(cache.get(f"promo-attempts:{scope}:{client}:{slot}", 0))}
    if cart is not None:
        out["cart"] = int(cache.get(f"promo-attempts:cart:{cart}:{slot}", 0))
    return out


def code_is_live(found: CodeLookup, *, now: datetime) -> bool:
    """Whether a shopper who typed this code has earned its reason (see the module docstring)."""
    rule = found.rule
    if isinstance(rule, UnknownCode) or not rule.active:
        return False
    if rule.starts_at is not None and now < rule.starts_at:
        return False
    if found.public:
        return True
    expired = rule.ends_at is not None and now >= rule.ends_at
    used_up = rule.usage_limit is not None and rule.uses >= rule.usage_limit
    return not (expired or used_up)


def _shown(found: CodeLookup, *, now: datetime) -> PromoRule | UnknownCode:
    if code_is_live(found, now=now):
        return found.rule
    return UnknownCode(found.code)


@dataclass(frozen=True, slots=True)
class AttemptResult:
    """The rules to price with, and whether every typed code was live."""

    rules: tuple[PromoRule | UnknownCode, ...]
    live: bool


def promo_code_attempt(
    *,
    codes: Sequence[str],
    email: str | None,
    now: datetime,
    client: str | None,
    cart: str | None = None,
    reveal: bool = False,
    user_id: int | None = None,
    token: str | None = TOKEN_UNREAD,
) -> AttemptResult:
    """Look typed codes up under the throttle; raises TooManyAttempts.

    With `reveal=False` (the cart, the storefront) codes the shopper has not earned a reason
    for become UnknownCode, so pricing answers `promo_not_found` for them exactly as for a code
    that does not exist. With `reveal=True` (the quote API) the real rules are returned.
    `client=None` (a call from inside the shop, not from a request) is not throttled. `email`
    and `user_id` (a signed-in shopper) count this shopper's uses of a per-customer code.
    `token`: the catalog token the caller has just read, if it has (see `promo_codes_lookup`).
    """
    attempt = (
        Attempt(())
        if client is None
        else promo_attempt_begin(client=client, cart=cart, surface="quote" if reveal else "cart")
    )
    try:
        found = promo_codes_lookup(codes=codes, email=email, now=now, user_id=user_id, token=token)
    except BaseException:
        promo_attempt_end(attempt, failed=False)
        raise
    live = all(code_is_live(item, now=now) for item in found)
    promo_attempt_end(attempt, failed=not live)
    if reveal:
        return AttemptResult(tuple(item.rule for item in found), live)
    return AttemptResult(tuple(_shown(item, now=now) for item in found), live)
