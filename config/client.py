"""Who the client is: the one address every limit keys on (promo guessing, logins, giveaway
entries, reminder sign-ups, API rates).

The connection's address (`REMOTE_ADDR`), unless the operator says how many proxies they run
in front of the shop (`TRUSTED_PROXY_COUNT`). Each proxy appends the address it was connected
from to `X-Forwarded-For` (nginx: `$proxy_add_x_forwarded_for`), so with N trusted proxies the
client is the Nth entry from the right; anything further left is whatever the client sent and
never counts. A header shorter than that, or an entry there that is not an IP address, means
the request did not come through the proxies as configured: the connection's address is used.

Not django-ipware: its "best attempt" walks a list of headers and counts the proxies as listed
in the header (`client, proxy1`), where ours counts the proxies that appended to it; the rule
above is the whole of what we need and is easy to check against the nginx configuration in
docs/OPERATIONS.md.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings


def client_ip(request: Any) -> str:
    """The client's address for `request` (a Django or DRF request); "" when unknown."""
    meta = request.META
    remote = str(meta.get("REMOTE_ADDR") or "")
    proxies = int(settings.TRUSTED_PROXY_COUNT)
    if proxies <= 0:
        return remote
    entries = str(meta.get("HTTP_X_FORWARDED_FOR") or "").split(",")
    if len(entries) < proxies:
        return remote
    try:
        return str(ipaddress.ip_address(entries[-proxies].strip()))
    except ValueError:
        return remote
