"""django-oscar's side of `bench_offers`: its "3 items, 10% off" site offer and a 15% voucher.

Run only in the benchmark's own environment (`var/bench-oscar/.venv`, made by `bench_offers`
from `bench/oscar-requirements.txt`), never in the shop's: Oscar is not a dependency of the shop.

    var/bench-oscar/.venv/bin/python bench/oscar_side.py PRICES_JSON ROUNDS

It builds a throwaway Oscar shop on SQLite (a file under var/bench-oscar/, made afresh), one
product per price with a stock record, the site offer (condition: 3 items of all products;
benefit: 10% off them) and a voucher OSCAR15 (15% off all products), both non-exclusive so that
they combine as ours do. For each cart of 1, 7 and 20 separate products it times what Oscar does
to price a basket on every request (its BasketMiddleware): load the basket, select the pricing
strategy, apply the offers (site and voucher), read the totals. It prints one JSON object: per
cart the median and p95 in microseconds, the queries, and the amounts, for the offer alone, the
voucher alone and both.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from datetime import timedelta
from decimal import Decimal
from importlib.metadata import version
from pathlib import Path
from typing import Any

import django
from django.conf import settings

HERE = Path(__file__).resolve().parent.parent / "var" / "bench-oscar"


def configure() -> None:
    # Imports inside the functions: Oscar's modules can be loaded only once Django is set up.
    import oscar
    from oscar import defaults

    oscar_settings = {name: getattr(defaults, name) for name in dir(defaults) if name.isupper()}

    database = HERE / "oscar.sqlite3"
    database.unlink(missing_ok=True)
    settings.configure(
        DEBUG=False,
        SECRET_KEY="bench-only",  # noqa: S106 - a throwaway process, never served
        USE_TZ=True,
        SITE_ID=1,
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(database)}},
        INSTALLED_APPS=oscar.INSTALLED_APPS,
        HAYSTACK_CONNECTIONS={
            "default": {"ENGINE": "haystack.backends.simple_backend.SimpleEngine"}
        },
        DEFAULT_AUTO_FIELD="django.db.models.AutoField",
        **{**oscar_settings, "OSCAR_DEFAULT_CURRENCY": "USD"},
    )
    django.setup()


def main(prices: list[str], rounds: int) -> dict[str, Any]:
    configure()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from oscar.apps.offer.applicator import Applicator
    from oscar.apps.partner.strategy import Selector
    from oscar.core.loading import get_model
    from oscar.test.factories import create_product

    call_command("migrate", verbosity=0)
    basket_model = get_model("basket", "Basket")
    offer_model = get_model("offer", "ConditionalOffer")
    condition_model = get_model("offer", "Condition")
    benefit_model = get_model("offer", "Benefit")
    range_model = get_model("offer", "Range")
    voucher_model = get_model("voucher", "Voucher")

    owner = User.objects.create(username="shopper")
    products = [
        create_product(title=f"Product {i}", price=Decimal(price), num_in_stock=1000)
        for i, price in enumerate(prices)
    ]
    everything = range_model.objects.create(name="All products", includes_all_products=True)
    now = timezone.now()

    def offer(name: str, kind: str, count: int, percent: int) -> Any:
        return offer_model.objects.create(
            name=name,
            offer_type=kind,
            exclusive=False,
            start_datetime=now - timedelta(days=1),
            end_datetime=now + timedelta(days=30),
            condition=condition_model.objects.create(
                range=everything, type=condition_model.COUNT, value=count
            ),
            benefit=benefit_model.objects.create(
                range=everything, type=benefit_model.PERCENTAGE, value=percent
            ),
        )

    site = offer("3 items, 10% off", offer_model.SITE, 3, 10)
    voucher = voucher_model.objects.create(
        name="15% voucher",
        code="OSCAR15",
        usage=voucher_model.MULTI_USE,
        start_datetime=now - timedelta(days=1),
        end_datetime=now + timedelta(days=30),
    )
    voucher.offers.add(offer("15% voucher", offer_model.VOUCHER, 1, 15))

    def priced(basket_id: int) -> Any:
        """What Oscar does to price a basket on each request."""
        basket = basket_model.objects.get(pk=basket_id)
        basket.strategy = Selector().strategy(user=owner)
        Applicator().apply(basket, owner)
        return basket, basket.total_incl_tax

    results: dict[str, Any] = {
        "oscar_version": version("django-oscar"),
        "django_version": django.get_version(),
        "database": "SQLite",
    }
    for lines in (1, 7, 20):
        carts = {}
        for setup in ("offer", "voucher", "both"):
            basket = basket_model.objects.create(owner=owner)
            basket.strategy = Selector().strategy(user=owner)
            for product in products[:lines]:
                basket.add_product(product, 1)
            if setup in ("voucher", "both"):
                basket.vouchers.add(voucher)
            site.status = offer_model.OPEN if setup in ("offer", "both") else offer_model.SUSPENDED
            site.save()
            with CaptureQueriesContext(connection) as captured:
                priced_basket, total = priced(basket.pk)
            samples = []
            for _ in range(rounds):
                started = time.perf_counter_ns()
                priced(basket.pk)
                samples.append((time.perf_counter_ns() - started) / 1000)
            samples.sort()
            carts[setup] = {
                "subtotal": str(priced_basket.total_incl_tax_excl_discounts),
                "discount": str(priced_basket.total_discount),
                "total": str(total),
                "offers": {o["name"]: str(o["discount"]) for o in priced_basket.offer_discounts},
                "vouchers": {
                    o["name"]: str(o["discount"]) for o in priced_basket.voucher_discounts
                },
                "median_us": round(statistics.median(samples), 1),
                "p95_us": round(samples[int(len(samples) * 0.95) - 1], 1),
                "n": len(samples),
                "queries": len(captured.captured_queries),
            }
        results[str(lines)] = carts
    site.status = offer_model.OPEN
    site.save()
    return results


if __name__ == "__main__":
    print(json.dumps(main(json.loads(sys.argv[1]), int(sys.argv[2]))))
