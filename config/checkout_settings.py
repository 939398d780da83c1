"""Checkout's settings (shop/checkout/reservation.py, services.py), star-imported by
config/settings.py: how long a reservation waits for its payment, and how long a repeated
request waits for the first one's; under how many units a product is listed as low stock."""

import os

# A pending order (stock and promo uses reserved, the payment being authorized) older than this
# is released by beat's sweep: longer than any payment provider call may take.
CHECKOUT_RESERVATION_SECONDS = int(os.environ.get("CHECKOUT_RESERVATION_SECONDS", "600"))
# A repeat of a checkout whose order is still pending waits this long for it, then answers 409
# checkout_in_progress.
CHECKOUT_WAIT_SECONDS = float(os.environ.get("CHECKOUT_WAIT_SECONDS", "30"))
# The reservation waits at most this long (ms, PostgreSQL) for a row another transaction holds
# (a catalog import or an admin edit of the same products), then answers 503 checkout_busy
# instead of hanging past the web server's timeout. Checkouts wait for each other far less.
CHECKOUT_LOCK_TIMEOUT_MS = int(os.environ.get("CHECKOUT_LOCK_TIMEOUT_MS", "5000"))
CHECKOUT_BEAT_SCHEDULE = {
    "checkout-reservations-expire": {
        "task": "shop.checkout.tasks.reservations_expire",
        "schedule": 60.0,
    }
}

# The admin's low-stock list (shop/checkout/low_stock.py) shows products with fewer units.
SHOP_LOW_STOCK_THRESHOLD = int(os.environ.get("SHOP_LOW_STOCK_THRESHOLD", "20"))
