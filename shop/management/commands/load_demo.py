"""`manage.py load_demo`: the demo catalog, kits, routine, promo codes and giveaway.

Each app that has demo data exposes `<app>.demo.load()`; this command runs them in dependency
order inside one transaction. Loading only creates what is missing: running it twice changes
nothing.
"""

from importlib import import_module
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

DEMO_MODULES = ["shop.demo", "kits.demo", "promotions.demo"]


class Command(BaseCommand):
    help = "Load the demo catalog, kits, routine, promo codes and giveaway (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            for name in DEMO_MODULES:
                try:
                    module = import_module(name)
                except ModuleNotFoundError as exc:
                    if exc.name != name:
                        raise
                    continue
                created = module.load()
                summary = ", ".join(f"{count} {kind}" for kind, count in created.items())
                self.stdout.write(f"{name}: created {summary or 'nothing'}")
        self.stdout.write(self.style.SUCCESS("Demo data is loaded."))
