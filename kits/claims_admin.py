"""The kit admin's price history and its refusal to activate a kit whose value claim the
history does not back (kits.claims)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join

from kits import claims
from kits.models import Kit, KitPriceChange
from shop.catalog.price_chart import PriceHistoryAdminMixin


def _checked(form_class: type[forms.ModelForm[Any]]) -> type[forms.ModelForm[Any]]:
    """The form, refusing to switch `active` on for a saved kit whose claim is not backed."""

    class ClaimCheckedForm(form_class):  # type: ignore[valid-type,misc]
        def clean(self) -> dict[str, Any]:
            cleaned: dict[str, Any] = super().clean()
            kit = self.instance  # not yet changed by the form: `active` is the stored value
            if cleaned.get("active") and kit.pk is not None and not kit.active:
                raised = claims.raised_parts_of(kit)
                if raised:
                    self.add_error("active", claims.refusal(raised))
            return cleaned

    return ClaimCheckedForm


class KitClaimAdminMixin(PriceHistoryAdminMixin):
    """Kit admin: the kit's price history (chart and table), saves recorded as "admin", and no
    activation while a part's price is above its 30-day low."""

    history = KitPriceChange
    history_owner = "kit"

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        return _checked(super().get_form(request, obj, change=change, **kwargs))  # type: ignore[misc]

    def get_changelist_form(self, request: HttpRequest, **kwargs: Any) -> Any:
        return _checked(super().get_changelist_form(request, **kwargs))  # type: ignore[misc]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # A new kit (or one whose parts changed as it was activated) is judged with the parts
        # just saved: it stays, inactive, with the reason.
        super().save_related(request, form, formsets, change)  # type: ignore[misc]
        kit = form.instance
        if kit.active and (not change or "active" in form.changed_data):
            raised = claims.raised_parts_of(Kit.objects.get(pk=kit.pk))
            if raised:
                kit.active = False
                kit.save(update_fields=["active"])
                message = f"{kit} was saved inactive. {claims.refusal(raised)}"
                self.message_user(request, message, messages.ERROR)  # type: ignore[attr-defined]

    @admin.display(description="Value claim")
    def value_claim(self, kit: Kit | None) -> str:
        if kit is None or kit.pk is None:
            return "Save the kit with its components to check its value claim."
        raised = claims.raised_parts_of(kit)
        if not raised:
            return "Backed: no part costs more than its lowest price of the last 30 days."
        items = format_html_join("", "<li>{}</li>", ((part.describe(),) for part in raised))
        return format_html(
            "<strong>Not backed</strong>: the storefront shows no value, savings or gift-worth "
            "claim for this kit, and it cannot be activated, until these raises are 30 days "
            "old or the prices are back at their 30-day low.<ul>{}</ul>",
            items,
        )
