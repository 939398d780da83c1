"""Who a person is by email: one normalised form, so one person counts once (entries, codes)."""

from __future__ import annotations

import hashlib
import hmac
import re

from django.conf import settings

# Providers that deliver user+anything@ to user@: the +tag is not part of the identity.
PLUS_TAG_PROVIDERS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "hotmail.co.uk",
        "live.com",
        "msn.com",
        "fastmail.com",
        "fastmail.fm",
        "protonmail.com",
        "protonmail.ch",
        "proton.me",
        "pm.me",
        "icloud.com",
        "me.com",
        "mac.com",
        "yandex.ru",
        "yandex.com",
    }
)
# Providers that also ignore dots in the local part (Gmail only, under both of its names).
DOT_BLIND_PROVIDERS = frozenset({"gmail.com", "googlemail.com"})
DOMAIN_ALIASES = {"googlemail.com": "gmail.com"}
# A local part that needs no quotes (RFC 5322 dot-atom, lower case).
_DOT_ATOM = re.compile(r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*\Z")
_QUOTED_PAIR = re.compile(r"\\(.)", re.DOTALL)


def _unquoted(local: str) -> str:
    """A quoted local part as the mailbox it names: `"jane.doe"` is `jane.doe` (RFC 5322: the
    quotes are syntax, not part of the name). One that really needs its quotes (a space, an @)
    stays quoted, spelled one way: only `\\` and `"` escaped."""
    if len(local) < 2 or local[0] != '"' or local[-1] != '"':
        return local
    text = _QUOTED_PAIR.sub(r"\1", local[1:-1])
    if _DOT_ATOM.match(text):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def normalize_email(email: str) -> str:
    """The identity behind an address: lower case; a quoted local part that needs no quotes
    unquoted (`"bob"@example.com` is bob@example.com); +tags and dots dropped where the
    provider ignores them; googlemail.com folded into gmail.com. Other addresses keep their
    local part as written (lower-cased): for an unknown provider, a+b@ may be a different
    mailbox."""
    value = email.strip().lower()
    local, sep, domain = value.rpartition("@")
    if not sep or not local or not domain:
        return value
    domain = domain.rstrip(".")
    local = _unquoted(local)
    if local.startswith('"'):  # still quoted: a mailbox of its own, left as it is
        return f"{local}@{DOMAIN_ALIASES.get(domain, domain)}"
    if domain in PLUS_TAG_PROVIDERS:
        local = local.split("+", 1)[0]
    if domain in DOT_BLIND_PROVIDERS:
        local = local.replace(".", "")
    domain = DOMAIN_ALIASES.get(domain, domain)
    return f"{local}@{domain}"


def erased_email_key(email: str) -> str:
    """What a promo code's use keeps of an erased person (`shop.accounts.privacy`): a keyed
    digest of the normalised address, not the address. Nobody can read the address back from
    it, but the same address digests the same way, so closing an account does not buy that
    mailbox a one-per-customer code again. (Tied to SECRET_KEY: rotating it forgets them.)"""
    normalized = normalize_email(email).encode()
    digest = hmac.new(settings.SECRET_KEY.encode(), normalized, hashlib.sha256).hexdigest()
    return f"erased:{digest[:40]}"


def email_keys(email: str) -> list[str]:
    """Every value a promo code's use may hold for this address: normalised, or erased."""
    return [normalize_email(email), erased_email_key(email)]
