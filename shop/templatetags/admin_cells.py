"""Names for the admin's inputs that Django renders without a label, in the HTML the server
sends (so axe passes before, or without, any script): table cells of tabular inlines named
after their column and row, and the date and time halves of a split date-time field."""

from __future__ import annotations

from typing import Any

from django import template
from django.forms import BoundField
from django.utils.safestring import SafeString
from django.utils.text import capfirst

register = template.Library()


@register.filter
def cell_named(bound: BoundField, inline_admin_form: Any) -> SafeString:
    """`{{ field.field|cell_named:inline_admin_form }}`: the cell's input named "Quantity
    (Citrus Facial Wash)" (its column, then its row: the saved object, or "new"); its help text,
    which the table shows only in the column's header, is referenced there
    (`<prefix>-<field>-help`) instead of at an element Django never renders."""
    original = getattr(inline_admin_form, "original", None)
    row = str(original)[:60] if original else "new"
    attrs: dict[str, str | bool] = {"aria-label": f"{capfirst(bound.label)} ({row})"}
    if bound.help_text:
        formset_prefix = (bound.form.prefix or "").rsplit("-", 1)[0]
        attrs["aria-describedby"] = f"{formset_prefix}-{bound.name}-help"
    return bound.as_widget(attrs=attrs)


@register.filter
def field_title(name: str) -> str:
    """ "starts_at" (or an inline's "codes-0-starts_at") as "Starts at"."""
    return capfirst(name.rsplit("-", 1)[-1].replace("_", " "))


@register.filter
def with_label(subwidget: dict[str, Any], label: str) -> dict[str, Any]:
    """A multi-widget's part (a widget template's context) with `aria-label` added."""
    return {**subwidget, "attrs": {**subwidget.get("attrs", {}), "aria-label": label}}
