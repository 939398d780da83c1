"""Who a person is by email: one normalised form, so one person counts once (entries, codes)."""

from __future__ import annotations

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


def normalize_email(email: str) -> str:
    """The identity behind an address: lower case; +tags and dots dropped where the provider
    ignores them; googlemail.com folded into gmail.com. Other addresses keep their local part
    as written (lower-cased): for an unknown provider, a+b@ may be a different mailbox."""
    value = email.strip().lower()
    local, sep, domain = value.rpartition("@")
    if not sep or not local or not domain:
        return value
    domain = domain.rstrip(".")
    if domain in PLUS_TAG_PROVIDERS:
        local = local.split("+", 1)[0]
    if domain in DOT_BLIND_PROVIDERS:
        local = local.replace(".", "")
    domain = DOMAIN_ALIASES.get(domain, domain)
    return f"{local}@{domain}"
