"""Catalog import and export: run a file through its resource, dry or for real, and report.

`catalog_import` is always all or nothing: the rows run in one transaction, rolled back after a
dry run and whenever any row has an error, so a committed import holds every row of the file or
none. Price changes are recorded in the price history as made by "import" and the user. The
rows a file changes are written at its end (`CatalogResource.finish`): a checkout locks the
same product rows, and should wait on them for those few statements, not for the whole file.
Resources register here by kind (`register`): products from the catalog, kits and routines from
`kits`, which sits above the catalog and so registers itself when its app is ready.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import transaction

from shop.catalog.price_history import price_changes_by
from shop.catalog.transfer import files
from shop.catalog.transfer.base import CatalogResource, Progress
from shop.catalog.transfer.products import ProductResource

KINDS: dict[str, type[CatalogResource]] = {"products": ProductResource}

STATUS = {"new": "created", "update": "changed", "skip": "unchanged"}


def register(kind: str, resource: type[CatalogResource]) -> None:
    KINDS[kind] = resource


def resource_for(kind: str) -> type[CatalogResource]:
    try:
        return KINDS[kind]
    except KeyError:
        raise files.FileRefused(
            f"Nothing called {kind!r} imports: one of {sorted(KINDS)}."
        ) from None


@dataclass(frozen=True)
class Row:
    """One data row's outcome; `line` is its line in the spreadsheet (the header is line 1)."""

    line: int
    status: str  # created, changed, unchanged or error
    key: str
    changes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Report:
    kind: str
    name: str
    committed: bool
    rows: list[Row]

    def count(self, status: str) -> int:
        return sum(1 for row in self.rows if row.status == status)

    @property
    def errors(self) -> list[Row]:
        return [row for row in self.rows if row.status == "error"]

    @property
    def summary(self) -> str:
        return (
            f"{self.count('created')} created, {self.count('changed')} changed, "
            f"{self.count('unchanged')} unchanged, {self.count('error')} with errors"
        )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        return cls(**{**data, "rows": [Row(**row) for row in data["rows"]]})


def catalog_import(
    *,
    kind: str,
    name: str,
    data: bytes,
    commit: bool,
    user: Any = None,
    progress: Progress | None = None,
) -> Report:
    """Read `data` (the file `name`) and import it as `kind`: a dry run unless `commit`."""
    resource = resource_for(kind)(progress=progress, user=user, name=name)
    table = files.read_table(name, data)
    resource.check_columns(list(table.headers or []), name)
    with price_changes_by(source="import", user=user), transaction.atomic():
        result = resource.import_data(
            table, dry_run=not commit, use_transactions=True, rollback_on_validation_errors=True
        )
        # The library rolls back after a dry run or an error; this makes sure of it.
        if not commit or result.has_errors() or result.has_validation_errors():
            transaction.set_rollback(True)
    key_column = resource.fields[resource.get_import_id_fields()[0]].column_name
    keys = [str(value or "") for value in table[key_column]] if len(table) else []
    rows = []
    for number, row_result in enumerate(result.rows, 1):
        rows.append(
            Row(
                line=number + 1,
                status=STATUS.get(row_result.import_type, "error"),
                key=keys[number - 1] if number <= len(keys) else "",
                changes=resource.changes.get(number, []),
                errors=_errors(row_result),
            )
        )
    if result.base_errors:
        failures = [str(error.error) for error in result.base_errors]
        rows.append(Row(line=0, status="error", key="", errors=failures))
    clean = not any(row.status == "error" for row in rows)
    return Report(kind=kind, name=name, committed=commit and clean, rows=rows)


def _errors(row_result: Any) -> list[str]:
    messages = [f"{error.error}" for error in row_result.errors]
    if row_result.validation_error is not None:
        for column, problems in row_result.validation_error.message_dict.items():
            label = _column_of(column)
            messages += [f"{label}: {problem}" if label else problem for problem in problems]
    return messages


def _column_of(attribute: str) -> str:
    return {"price_amount": "price", "__all__": ""}.get(attribute, attribute)


def catalog_export(*, kind: str, fmt: str) -> bytes:
    """Every row of `kind` as a CSV or XLSX file that imports back unchanged."""
    resource = resource_for(kind)()
    dataset = resource.export()
    return files.write_table(list(dataset.headers or []), list(dataset), fmt)
