"""A separate process hammering the promo-attempt throttle (used by test_guard's Redis test).

    python -m tests.promotions.throttle_worker CLIENT ATTEMPTS START_AT NOW

Waits until the wall clock reaches START_AT (so that both processes start together), makes
ATTEMPTS failed attempts, 10 ms apart, for CLIENT in the window of NOW, and prints
{"allowed", "refused"}.
"""

from __future__ import annotations

import json
import os
import sys
import time


def main() -> None:
    client, attempts, start_at, now = (
        sys.argv[1],
        int(sys.argv[2]),
        float(sys.argv[3]),
        float(sys.argv[4]),
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from promotions.codes import guard

    allowed = refused = 0
    time.sleep(max(0.0, start_at - time.time()))
    for _ in range(attempts):
        try:
            attempt = guard.promo_attempt_begin(client=client, now=now)
        except guard.TooManyAttempts:
            refused += 1
        else:
            guard.promo_attempt_end(attempt, failed=True)
            allowed += 1
        time.sleep(0.01)  # leave room for the other process to interleave
    print(json.dumps({"allowed": allowed, "refused": refused}))


if __name__ == "__main__":
    main()
