"""Catalog files for the import tests: what the export writes, as rows, and rows as a CSV."""

from __future__ import annotations

import csv
import io
from typing import Any

from shop.catalog.transfer import engine


def exported(kind: str = "products") -> list[dict[str, str]]:
    """Every row the export writes, as dicts by column."""
    data = engine.catalog_export(kind=kind, fmt="csv")
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def csv_bytes(rows: list[dict[str, Any]]) -> bytes:
    """Rows (dicts by column, the first row's keys as the header) as a UTF-8 CSV."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()
