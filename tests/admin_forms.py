"""Post an admin change form back as a browser would, with only the fields a test changes."""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from django.test import Client


def _value(value: Any) -> Any:
    if isinstance(value, bool):
        return "on" if value else None
    if isinstance(value, Model):
        return value.pk
    if isinstance(value, list | tuple):
        return [_value(item) for item in value]
    return "" if value is None else value


def change_form_data(client: Client, url: str, **changes: Any) -> dict[str, Any]:
    """The admin change form at `url` as it would be posted unchanged (inline rows left out:
    their formsets say none were sent, so the saved ones stay), then `changes` on top."""
    response = client.get(url)
    assert response.status_code == 200, url
    form = response.context["adminform"].form
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        if field.disabled or name == "image":
            continue
        value = _value(form.initial.get(name, field.initial))
        if value is not None:
            data[name] = value
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for key in ("MIN_NUM_FORMS", "MAX_NUM_FORMS"):
            data[f"{formset.prefix}-{key}"] = management.initial.get(key, "")
        data[f"{formset.prefix}-TOTAL_FORMS"] = "0"
        data[f"{formset.prefix}-INITIAL_FORMS"] = "0"
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data
