"""`manage.py catalog_export FILE.csv|FILE.xlsx [--kind products|kits|routines]`."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shop.catalog.transfer import engine, files


class Command(BaseCommand):
    help = "Write every product (or kit, or routine) to a CSV or XLSX file that imports back."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="FILE.csv or FILE.xlsx")
        parser.add_argument("--kind", default="products", help="products (default), kits, routines")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            data = engine.catalog_export(kind=options["kind"], fmt=files.file_format(path.name))
        except files.FileRefused as error:
            raise CommandError(error.detail) from None
        path.write_bytes(data)
        self.stdout.write(f"Wrote {options['kind']} to {path}.")
