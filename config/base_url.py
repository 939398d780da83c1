"""The shop's own address for links in emails (SHOP_BASE_URL) when none is configured: the
address the development server was started on, so `make run PORT=8001` mails links to 8001.

Taken from, in order: `SHOP_BASE_URL`; the address `manage.py runserver [addr:]port` was
given on its command line; `PORT` (with `127.0.0.1`); `http://127.0.0.1:8000`. The shop never
takes it from a request's Host header: an email is a link a stranger may have caused to be
sent (a password reset, an order for someone else's address), so a forged Host would put the
attacker's site in a real email. Production sets SHOP_BASE_URL.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = "8000"
# A listening address that is no address to visit: the loopback one serves the same server.
ANY_ADDRESS = {"0", "0.0.0.0", "::", "[::]"}  # noqa: S104 (compared with, never bound)
ADDRPORT_RE = re.compile(r"^(?:(?P<host>\[[^\]]+\]|[^:\[\]]+|[0-9a-fA-F:]+):)?(?P<port>\d+)$")


def runserver_addrport(argv: Sequence[str]) -> str | None:
    """The `[addr:]port` a `manage.py runserver` command line names, if any."""
    if len(argv) < 2 or argv[1] != "runserver":
        return None
    positional = [arg for arg in argv[2:] if not arg.startswith("-")]
    return positional[0] if positional else None


def base_url(environ: Mapping[str, str], argv: Sequence[str]) -> str:
    configured = environ.get("SHOP_BASE_URL", "").strip()
    if configured:
        return configured.rstrip("/")
    host, port = DEFAULT_HOST, environ.get("PORT", "").strip() or DEFAULT_PORT
    addrport = runserver_addrport(argv)
    match = ADDRPORT_RE.match(addrport) if addrport else None
    if match:
        port = match["port"]
        if match["host"] and match["host"] not in ANY_ADDRESS:
            host = match["host"]
    return f"http://{host}:{port}"
