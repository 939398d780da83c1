"""The product list's bulk actions, each behind a confirmation page (a plain form: CSRF, no JS).

Choosing an action on the list shows its page for the selected products; the page posts back
to the list with the same action and selection, first to preview (prices: old → new per product
and every affected kit's figures), then to apply. Bad input comes back next to its field and
nothing is written; applying is all or nothing (`shop.catalog.bulk`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse

from shop.catalog import bulk
from shop.catalog.models import Concern, Ingredient, Product, Step

ADD, REMOVE = "add", "remove"


class PriceForm(forms.Form):
    mode = forms.ChoiceField(
        label="Change",
        choices=[(bulk.BY_PERCENT, "by a percentage"), (bulk.TO_VALUE, "to a new price")],
        widget=forms.RadioSelect,
        initial=bulk.BY_PERCENT,
    )
    amount = forms.DecimalField(
        label="Percentage or new price",
        max_digits=10,
        decimal_places=2,
        help_text="A percentage: -20 for 20% off, 10 for 10% more. A new price: 24.50.",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        amount = data.get("amount")
        if data.get("mode") == bulk.TO_VALUE and amount is not None and amount < 0:
            self.add_error("amount", "A price cannot be negative.")
        return data


class StepForm(forms.Form):
    step = forms.ModelChoiceField(queryset=Step.objects.all(), label="Move to step")


class _AddRemoveForm(forms.Form):
    operation = forms.ChoiceField(
        choices=[(ADD, "add to"), (REMOVE, "remove from")],
        widget=forms.RadioSelect,
        label="Operation",
    )


class IngredientForm(_AddRemoveForm):
    ingredient = forms.ModelChoiceField(queryset=Ingredient.objects.all())
    key = forms.BooleanField(
        required=False, label="Key ingredient", help_text="When adding: highlight it."
    )


class ConcernForm(_AddRemoveForm):
    concern = forms.ModelChoiceField(queryset=Concern.objects.all(), label="Skin concern")


class ConfirmForm(forms.Form):
    """Publish and hide ask nothing but a yes."""


def _page(
    modeladmin: admin.ModelAdmin[Product],
    request: HttpRequest,
    queryset: QuerySet[Product],
    *,
    action: str,
    title: str,
    form: forms.Form,
    **context: Any,
) -> TemplateResponse:
    return TemplateResponse(
        request,
        "admin/shop/product/bulk.html",
        {
            **modeladmin.admin_site.each_context(request),
            "opts": Product._meta,
            "title": title,
            "action": action,
            "form": form,
            "products": queryset.select_related("step").order_by("step__position", "name"),
            "selected": list(queryset.values_list("pk", flat=True)),
            **context,
        },
    )


def _stage(request: HttpRequest) -> str:
    return str(request.POST.get("stage", ""))


def _refused(form: forms.Form, refused: bulk.BulkEditRefused) -> None:
    for field, errors in (refused.errors or {}).items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)


@admin.action(description="Change prices of selected products…")
def change_prices(
    modeladmin: admin.ModelAdmin[Product], request: HttpRequest, queryset: QuerySet[Product]
) -> TemplateResponse | None:
    stage = _stage(request)
    form = PriceForm(request.POST if stage else None)
    context: dict[str, Any] = {"rounding_rule": bulk.ROUNDING_RULE}
    if stage and form.is_valid():
        mode, amount = form.cleaned_data["mode"], form.cleaned_data["amount"]
        signature = f"{mode}:{amount.quantize(bulk.CENT)}"
        try:
            if stage == "apply" and request.POST.get("previewed") == signature:
                plan = bulk.products_reprice(
                    products=queryset, mode=mode, amount=amount, user=request.user
                )
                changed = sum(1 for item in plan if item.new != item.old)
                modeladmin.message_user(
                    request, f"New prices for {changed} product(s).", messages.SUCCESS
                )
                return None
            plan = bulk.price_plan(products=queryset.order_by("pk"), mode=mode, amount=amount)
        except bulk.BulkEditRefused as refused:
            _refused(form, refused)
        else:
            context.update(plan=plan, kits=bulk.kit_effects(plan), previewed=signature)
            if stage == "apply":  # the figures changed after the preview: show them first
                context["stale"] = True
    return _page(
        modeladmin,
        request,
        queryset,
        action="change_prices",
        title="Change prices",
        form=form,
        **context,
    )


# What an action says once applied: (messages level, text), in order.
Said = list[tuple[int, str]]


def _simple(
    *,
    name: str,
    description: str,
    title: str,
    form_class: type[forms.Form],
    apply: Callable[[QuerySet[Product], dict[str, Any]], Said],
) -> Callable[..., TemplateResponse | None]:
    """An action whose page asks its form's fields and applies them on "apply"."""

    def action(
        modeladmin: admin.ModelAdmin[Product], request: HttpRequest, queryset: QuerySet[Product]
    ) -> TemplateResponse | None:
        form = form_class(request.POST if _stage(request) == "apply" else None)
        if _stage(request) == "apply" and form.is_valid():
            for level, message in apply(queryset, form.cleaned_data):
                modeladmin.message_user(request, message, level)
            return None
        return _page(modeladmin, request, queryset, action=name, title=title, form=form)

    action.__name__ = name
    return admin.action(description=description)(action)


def _publish(active: bool) -> Callable[[QuerySet[Product], dict[str, Any]], Said]:
    def apply(products: QuerySet[Product], data: dict[str, Any]) -> Said:
        changed = bulk.products_publish(products=products, active=active)
        return [(messages.SUCCESS, f"{'Published' if active else 'Hid'} {changed} product(s).")]

    return apply


def _move(products: QuerySet[Product], data: dict[str, Any]) -> Said:
    moved = bulk.products_move(products=products, step=data["step"])
    said = [(messages.SUCCESS, f"Moved {moved.changed} product(s) to {data['step']}.")]
    return said + [(messages.WARNING, warning) for warning in moved.warnings]


def _ingredient(products: QuerySet[Product], data: dict[str, Any]) -> Said:
    ingredient = data["ingredient"]
    if data["operation"] == ADD:
        added = bulk.products_ingredient_add(
            products=products, ingredient=ingredient, key=data["key"]
        )
        return [(messages.SUCCESS, f"Added {ingredient} to {added} product(s).")]
    removed = bulk.products_ingredient_remove(products=products, ingredient=ingredient)
    return [(messages.SUCCESS, f"Removed {ingredient} from {removed} product(s).")]


def _concern(products: QuerySet[Product], data: dict[str, Any]) -> Said:
    concern = data["concern"]
    if data["operation"] == ADD:
        added = bulk.products_concern_add(products=products, concern=concern)
        return [(messages.SUCCESS, f"Added {concern} to {added} product(s).")]
    removed = bulk.products_concern_remove(products=products, concern=concern)
    return [(messages.SUCCESS, f"Removed {concern} from {removed} product(s).")]


publish = _simple(
    name="publish",
    description="Publish selected products…",
    title="Publish these products?",
    form_class=ConfirmForm,
    apply=_publish(True),
)
hide = _simple(
    name="hide",
    description="Hide selected products…",
    title="Hide these products?",
    form_class=ConfirmForm,
    apply=_publish(False),
)
move_to_step = _simple(
    name="move_to_step",
    description="Move selected products to a step…",
    title="Move products to a step",
    form_class=StepForm,
    apply=_move,
)
change_ingredient = _simple(
    name="change_ingredient",
    description="Add or remove an ingredient…",
    title="Add or remove an ingredient",
    form_class=IngredientForm,
    apply=_ingredient,
)
change_concern = _simple(
    name="change_concern",
    description="Add or remove a skin concern…",
    title="Add or remove a skin concern",
    form_class=ConcernForm,
    apply=_concern,
)

ACTIONS = [change_prices, publish, hide, move_to_step, change_ingredient, change_concern]
