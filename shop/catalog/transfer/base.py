"""What every catalog resource shares: checks per cell and per row, change lists, progress.

A resource is a django-import-export ModelResource. This base adds what the library leaves to
us: formula cells refused, a key named twice in one file refused on its second row, unique
columns checked against the table read once (not a query per row), and the columns that a row
changes, for the preview.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from import_export import resources
from import_export.instance_loaders import BaseInstanceLoader

from shop.catalog.transfer import files

Progress = Callable[[int], None]

# What a row's list columns (ingredients, a kit's components, ...) hold, parsed when the row is
# read and written after the instance is saved: kept on the row's instance itself, which lives
# exactly as long as the row's import, as attributes named so they cannot clash with fields.
IMPORT_LISTS = "_import_lists"
CHANGED_LISTS = "_import_changed_lists"  # the list columns the row changes


class WholeTableLoader(BaseInstanceLoader):  # type: ignore[misc]
    """Every row of the model by its import key, read in one query: no `IN` list of 100,000
    keys (SQLite caps them), no query per row."""

    def __init__(self, resource: Any, dataset: Any = None) -> None:
        super().__init__(resource, dataset)
        field = resource.fields[resource.get_import_id_fields()[0]]
        self.field = field
        self.instances = {
            getattr(instance, field.attribute): instance for instance in resource.get_queryset()
        }

    def get_instance(self, row: Any) -> Any:
        key = files.unneutralise(row.get(self.field.column_name))
        return self.instances.get(key) if key else None


class CatalogResource(resources.ModelResource):  # type: ignore[misc]
    """Subclasses declare their fields, `required_columns`, `unique_columns` (column -> model
    attribute) and may add `extra_changes` / `save_extras` for what is not a plain field."""

    required_columns: tuple[str, ...] = ()
    unique_columns: dict[str, str] = {}

    def __init__(
        self, *, progress: Progress | None = None, user: Any = None, name: str = "", **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.progress = progress
        self.user = user
        self.file_name = name
        self.changes: dict[int, list[str]] = {}
        self._last_changes: list[str] = []
        self._seen: dict[str, dict[str, int]] = {}
        self._taken: dict[str, dict[Any, Any]] = {}
        self.row_number = 0  # the row being imported (1 for the first data row)

    class Meta:
        use_transactions = True
        skip_unchanged = True
        report_skipped = True
        skip_html_diff = True
        clean_model_instances = True
        instance_loader_class = WholeTableLoader

    @classmethod
    def columns(cls) -> list[str]:
        return [field.column_name for field in cls().get_export_fields()]

    def check_columns(self, headers: list[str], name: str) -> None:
        known = self.columns()
        missing = [column for column in self.required_columns if column not in headers]
        unknown = [column for column in headers if column not in known]
        doubled = sorted({column for column in headers if headers.count(column) > 1})
        problems = []
        if missing:
            problems.append(f"missing column(s) {', '.join(missing)}")
        if unknown:
            problems.append(f"unknown column(s) {', '.join(repr(c) for c in unknown)}")
        if doubled:
            problems.append(f"column(s) {', '.join(doubled)} appear more than once")
        if problems:
            raise files.FileRefused(
                f"{name}: {'; '.join(problems)}. The columns are: {', '.join(known)}."
            )

    def before_import_row(self, row: Any, **kwargs: Any) -> None:
        errors: dict[str, str] = {}
        for column, value in row.items():
            problem = files.formula_error(value)
            if problem:
                errors[column] = problem
            else:
                row[column] = files.unneutralise(value)
        self.row_number = kwargs["row_number"]
        line = self.row_number + 1
        for column in (*self.get_import_id_fields(), *self.unique_columns):
            value = row.get(column)
            if column in errors or not value:
                continue
            first = self._seen.setdefault(column, {}).setdefault(str(value).lower(), line)
            if first != line:
                errors[column] = f"{value!r} is also on row {first}: each {column} once per file."
        if errors:
            raise ValidationError(errors)

    def validate_instance(
        self, instance: Any, import_validation_errors: Any = None, validate_unique: bool = True
    ) -> None:
        errors = dict(import_validation_errors or {})
        # Uniqueness against the table read once, not a query per row and field; the database's
        # own constraints still guard the write.
        for attribute in self.unique_columns.values():
            taken = self._taken.get(attribute)
            if taken is None:
                model = self._meta.model
                taken = dict(model._default_manager.values_list(attribute, "pk"))
                self._taken[attribute] = taken
            owner = taken.get(getattr(instance, attribute))
            if owner is not None and owner != instance.pk and attribute not in errors:
                errors[attribute] = ValidationError(
                    f"{getattr(instance, attribute)!r} already belongs to another row."
                )
        try:
            instance.full_clean(
                exclude=[*errors, *self.clean_exclude()],
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def clean_exclude(self) -> list[str]:
        """Foreign keys the widgets already resolved: full_clean would query each again."""
        return [
            field.name
            for field in self._meta.model._meta.concrete_fields
            if isinstance(field, models.ForeignKey)
        ]

    def skip_row(
        self, instance: Any, original: Any, row: Any, import_validation_errors: Any = None
    ) -> bool:
        changed = [
            field.column_name
            for field in self.get_import_fields()
            if field.attribute
            and field.column_name in row
            and (original.pk is None or field.get_value(instance) != field.get_value(original))
        ]
        changed += self.extra_changes(instance, row)
        self._last_changes = changed
        return not import_validation_errors and not changed

    def extra_changes(self, instance: Any, row: Any) -> list[str]:
        """Columns beyond plain fields (lists of related rows) that this row changes."""
        return []

    def do_instance_save(self, instance: Any, is_create: bool) -> None:
        """A new row is inserted; a changed one writes only the columns the file changed, so
        whatever else was written since the table was read (a sale's stock) is kept."""
        if is_create:
            self.save_new(instance)
            return
        attributes = {field.column_name: field.attribute for field in self.get_import_fields()}
        changed = [attributes[c] for c in self._last_changes if attributes.get(c)]
        if changed:
            self.save_changed(instance, changed)

    def save_new(self, instance: Any) -> None:
        """Insert a new row. Products leave theirs to `finish`."""
        instance.save()

    def save_changed(self, instance: Any, attributes: list[str]) -> None:
        """Write a changed row's changed attributes. Products leave theirs to `finish`."""
        instance.save(update_fields=[*attributes, "updated_at"])

    def after_import(self, dataset: Any, result: Any, **kwargs: Any) -> None:
        super().after_import(dataset, result, **kwargs)
        if not (result.has_errors() or result.has_validation_errors()):
            self.finish()

    def finish(self) -> None:
        """Write what the rows left for the end: runs once every row is through without an
        error, inside the import's transaction (a dry run's too). An exception raised here is
        the import's error and nothing of the file is kept."""

    def save_m2m(self, instance: Any, row: Any, **kwargs: Any) -> None:
        self.save_extras(instance, row)

    def save_extras(self, instance: Any, row: Any) -> None:
        """Write what `extra_changes` found changed; the instance is saved."""

    def after_import_row(self, row: Any, row_result: Any, **kwargs: Any) -> None:
        number = kwargs["row_number"]
        if row_result.import_type == row_result.IMPORT_TYPE_UPDATE:
            self.changes[number] = self._last_changes
        if self.progress is not None and number % 100 == 0:
            self.progress(number)
