"""The admin's inputs are named in the HTML the server sends (no script needed): tabular inline
cells after their column and row, with their help text referenced in the column's header;
editable changelist cells; the halves of a split date-time; the search box and theme toggle."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from kits.models import Kit
from promotions.codes.models import Promotion

pytestmark = pytest.mark.django_db


def inputs(html: str) -> dict[str, str]:
    """Each visible input or select's id and its aria-label ("" when it has none)."""
    found = {}
    for tag in re.findall(r"<(?:input|select)\b[^>]*>", html):
        if 'type="hidden"' in tag or "__prefix__" in tag:
            continue
        ident = re.search(r'id="([^"]+)"', tag)
        label = re.search(r'aria-label="([^"]*)"', tag)
        if ident:
            found[ident[1]] = label[1] if label else ""
    return found


def test_inline_cells_are_named_after_column_and_row(demo: None, admin_client: Client) -> None:
    kit = Kit.objects.get(slug="seven-piece-collection")
    html = admin_client.get(f"/admin/kits/kit/{kit.pk}/change/").content.decode()
    names = inputs(html)
    first = kit.components.order_by("position", "id").first()
    assert first is not None
    assert names["id_components-0-quantity"] == f"Quantity ({first})"
    assert names["id_components-0-DELETE"] == f"Delete ({first})"
    for ident, name in names.items():
        if re.match(r"id_(components|gifts)-\d+-", ident):
            assert name, ident
    # A described cell points at its column's help, which is on the page.
    for ref in re.findall(r'aria-describedby="([^"]+)"', html):
        for one in ref.split():
            assert f'id="{one}"' in html, one


def test_changelist_cells_split_datetimes_search_and_theme_are_named(
    demo: None, admin_client: Client
) -> None:
    kits = admin_client.get("/admin/kits/kit/").content.decode()
    kit = Kit.objects.order_by("pk").first()
    assert any(name.startswith("Position (") for name in inputs(kits).values())
    assert 'id="searchbar" aria-label="Search"' in kits
    assert '<button class="theme-toggle" aria-label="Toggle theme">' in kits
    assert kit is not None and 'aria-describedby="id_form-0-position_helptext"' not in kits
    promotion = Promotion.objects.order_by("pk").first()
    assert promotion is not None
    page = admin_client.get(f"/admin/promotions/promotion/{promotion.pk}/change/")
    names = inputs(page.content.decode())
    assert names["id_starts_at_0"] == "Starts at (date)"
    assert names["id_starts_at_1"] == "Starts at (time)"
