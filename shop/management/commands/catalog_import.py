"""`manage.py catalog_import FILE [--kind ...] [--commit]`: a dry run unless --commit.

Prints what would be (or was) created, changed and left alone, and every error with its row.
Exit status 1 when the file is refused or any row has an error; then nothing is written.
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shop.catalog.transfer import engine, files


class Command(BaseCommand):
    help = "Import products (or kits, or routines) from CSV or XLSX: a dry run unless --commit."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="FILE.csv or FILE.xlsx")
        parser.add_argument("--kind", default="products", help="products (default), kits, routines")
        parser.add_argument(
            "--commit", action="store_true", help="write it: all rows, or none if any has an error"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from None
        try:
            report = engine.catalog_import(
                kind=options["kind"], name=path.name, data=data, commit=options["commit"]
            )
        except files.FileRefused as error:
            raise CommandError(error.detail) from None
        for row in report.errors:
            where = f"Row {row.line}" + (f" ({row.key})" if row.key else "")
            for message in row.errors:
                self.stderr.write(f"{where}: {message}")
        if report.errors:
            raise CommandError(f"{report.summary}. Nothing was written.")
        if report.committed:
            self.stdout.write(self.style.SUCCESS(f"Imported {path.name}: {report.summary}."))
        else:
            self.stdout.write(
                f"Dry run of {path.name}: {report.summary}. Nothing was written; "
                "run again with --commit to import."
            )
