"""Forms of the promo-code admin: a code typed by staff, generating a batch, the simulator's
sample cart."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from kits.models import Kit, Routine
from promotions.codes import generation
from promotions.codes.models import (
    BATCH_MAX,
    GENERATED_LENGTH_MAX,
    GENERATED_LENGTH_MIN,
    GENERATED_PREFIX_MAX,
    PromoCode,
)
from promotions.codes.selectors import promo_code_normalise
from shop.catalog.models import Product
from shop.pricing import MAX_QUANTITY


class PromoCodeForm(forms.ModelForm[PromoCode]):
    """Codes are typed in any case and stored normalised; look-alikes and odd characters are
    refused with a message next to the field."""

    class Meta:
        model = PromoCode
        fields = ["code", "promotion", "max_uses", "public"]

    def clean_code(self) -> str:
        code = promo_code_normalise(self.cleaned_data.get("code") or "")
        problem = generation.promo_code_problem(code)
        if problem:
            raise ValidationError(problem)
        return code


class GenerateCodesForm(forms.Form):
    count = forms.IntegerField(
        min_value=1, max_value=BATCH_MAX, initial=100, help_text=f"Up to {BATCH_MAX:,}."
    )
    code_prefix = forms.CharField(
        label="Prefix",
        required=False,
        max_length=GENERATED_PREFIX_MAX,
        help_text="Optional, e.g. SPRING-. Capitals, digits, '-' and '_'.",
    )
    length = forms.IntegerField(
        min_value=GENERATED_LENGTH_MIN,
        max_value=GENERATED_LENGTH_MAX,
        initial=10,
        help_text="Random characters after the prefix, without look-alikes (0/O, 1/I/L). "
        "10 characters: about 50 bits, guessing is hopeless.",
    )
    max_uses = forms.IntegerField(
        min_value=1,
        required=False,
        initial=1,
        help_text="Uses per code: 1 for single-use codes. Empty: only the promotion's limits.",
    )

    def clean_code_prefix(self) -> str:
        prefix = promo_code_normalise(self.cleaned_data.get("code_prefix") or "")
        errors = generation.promo_codes_generate_check(count=1, prefix=prefix, length=10)
        if "prefix" in errors:
            raise ValidationError(errors["prefix"])
        return prefix


PRODUCT_ROWS = 4

KIT_ROWS = 2


class SimulatorForm(forms.Form):
    """A sample cart: a few product and kit lines and one routine, then a code."""

    code = forms.CharField(required=False, max_length=64, help_text="As a shopper would type it.")
    email = forms.EmailField(
        required=False, help_text="Optional: counts this customer's earlier uses."
    )
    at = forms.DateTimeField(
        required=False,
        label="Price as of",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="Empty: now. Pick the launch date to preview a scheduled promotion.",
    )
    treat_as_active = forms.BooleanField(
        required=False,
        label="Preview as if active",
        help_text="Price an inactive promotion as if it were switched on.",
    )
    routine = forms.ModelChoiceField(Routine.objects.filter(active=True), required=False)
    routine_products = forms.ModelMultipleChoiceField(
        Product.objects.filter(active=True),
        required=False,
        label="Routine selections",
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    routine_quantity = forms.IntegerField(
        min_value=1, max_value=MAX_QUANTITY, initial=1, required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        products = Product.objects.filter(active=True).select_related("step")
        kits = Kit.objects.filter(active=True)
        for n in range(1, PRODUCT_ROWS + 1):
            self.fields[f"product_{n}"] = forms.ModelChoiceField(
                products, required=False, label=f"Product {n}"
            )
            self.fields[f"product_{n}_quantity"] = forms.IntegerField(
                min_value=1, max_value=MAX_QUANTITY, initial=1, required=False, label="Quantity"
            )
        for n in range(1, KIT_ROWS + 1):
            self.fields[f"kit_{n}"] = forms.ModelChoiceField(kits, required=False, label=f"Kit {n}")
            self.fields[f"kit_{n}_quantity"] = forms.IntegerField(
                min_value=1, max_value=MAX_QUANTITY, initial=1, required=False, label="Quantity"
            )

    def items(self) -> list[dict[str, Any]]:
        data = self.cleaned_data
        items: list[dict[str, Any]] = []
        for n in range(1, PRODUCT_ROWS + 1):
            if data.get(f"product_{n}"):
                items.append(
                    {
                        "product": data[f"product_{n}"].slug,
                        "quantity": data.get(f"product_{n}_quantity") or 1,
                    }
                )
        for n in range(1, KIT_ROWS + 1):
            if data.get(f"kit_{n}"):
                items.append(
                    {"kit": data[f"kit_{n}"].slug, "quantity": data.get(f"kit_{n}_quantity") or 1}
                )
        if data.get("routine"):
            items.append(
                {
                    "routine": data["routine"].slug,
                    "selections": [p.slug for p in data.get("routine_products") or []],
                    "quantity": data.get("routine_quantity") or 1,
                }
            )
        return items

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and not self.items():
            raise ValidationError("Add at least one product, kit or routine to the sample cart.")
        return data
