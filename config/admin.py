"""Admin building blocks shared by the apps."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib.admin import widgets
from django.core.exceptions import ValidationError
from django.db import connections, models
from django.http import HttpRequest
from django.utils.text import capfirst


class ReadOnlyAdminMixin:
    """For records only the system writes (sent email, redemptions, reminders): staff can look
    and run the admin's actions, never add, edit or delete a row."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class _PostedKeysChecked(widgets.AutocompleteMixin):
    """Django's autocomplete widgets look every posted value up to show it again; one that is
    not a valid key (`²` for an integer id, or one past 64 bits on SQLite) raised while the
    form was shown again with its errors: a 500. Values the key field refuses are left out; the
    field's own validation has already said they are invalid."""

    def optgroups(
        self, name: str, value: Sequence[str], attr: dict[str, Any] | None = None
    ) -> list[tuple[str | None, list[dict[str, Any]], int | None]]:
        remote = self.field.remote_field
        opts = remote.model._meta
        target = opts.get_field(getattr(remote, "field_name", None) or opts.pk.name)

        bounds = None
        if isinstance(target, models.IntegerField):
            bounds = connections[self.db or "default"].ops.integer_field_range(
                target.get_internal_type()
            )

        def valid(raw: Any) -> bool:
            try:
                key = target.to_python(raw)
            except ValidationError:
                return False
            # SQLite raises OverflowError for a key past 64 bits.
            return bounds is None or (bounds[0] or key) <= key <= (bounds[1] or key)

        return super().optgroups(name, [v for v in value if valid(v)], attr)


class AutocompleteSelect(_PostedKeysChecked, widgets.AutocompleteSelect):
    pass


class AutocompleteSelectMultiple(_PostedKeysChecked, widgets.AutocompleteSelectMultiple):
    pass


class CheckedAutocompleteMixin:
    """For a ModelAdmin or inline with `autocomplete_fields`: the widgets above instead of
    Django's, so a tampered or pasted id is a field error, never a 500."""

    admin_site: Any

    def get_autocomplete_fields(self, request: HttpRequest) -> Any:
        return super().get_autocomplete_fields(request)  # type: ignore[misc]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = AutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = AutocompleteSelectMultiple(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)  # type: ignore[misc]


class NamedListCellsMixin:
    """A changelist's editable cells (`list_editable`) named in the HTML after their column and
    row ("Position (The seven-piece collection)"); their help text, which the list does not
    show, is not referenced."""

    def get_changelist_formset(self, request: HttpRequest, **kwargs: Any) -> Any:
        base = super().get_changelist_formset(request, **kwargs)  # type: ignore[misc]

        class NamedCells(base):  # type: ignore[misc, valid-type]
            def _construct_form(self, i: int, **form_kwargs: Any) -> Any:
                form = super()._construct_form(i, **form_kwargs)
                row = str(form.instance)[:60] if form.instance.pk else "new"
                for field in form.fields.values():
                    field.help_text = ""
                    label = capfirst(str(field.label or ""))
                    field.widget.attrs["aria-label"] = f"{label} ({row})"
                return form

        return NamedCells
