"""`manage.py load_demo`: the demo catalog, kits, routine, quiz, promo codes and giveaway.

Each area with demo data has a `demo.load()`; this command runs them in dependency order inside
one transaction. Loading only creates what is missing: running it twice changes nothing.
"""

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from kits import demo as kits_demo
from kits.quiz import demo as quiz_demo
from promotions import demo as promotions_demo
from shop.catalog import demo as catalog_demo

DEMO_MODULES = [catalog_demo, kits_demo, quiz_demo, promotions_demo]


class Command(BaseCommand):
    help = "Load the demo catalog, kits, routine, promo codes and giveaway (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            for module in DEMO_MODULES:
                created = module.load()
                summary = ", ".join(f"{count} {kind}" for kind, count in created.items())
                self.stdout.write(f"{module.__name__}: created {summary or 'nothing'}")
        self.stdout.write(self.style.SUCCESS("Demo data is loaded."))
