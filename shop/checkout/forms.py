"""The storefront's checkout form: contact, an address laid out and checked by country
(shop/checkout/addresses.py), and the payment fields the configured gateway asks for.

Without JavaScript the form lists every country's regions grouped by country and the server
checks the pair; with it (static/shop/checkout.js) the region list follows the country and the
city, region and postal code fields take the country's order (`data-layouts`).
"""

from __future__ import annotations

import json
import re
from typing import Any

from django import forms
from django.utils import timezone
from django_countries import countries

from config.errors import InvalidInput
from shop.checkout import addresses, inputs, payments

DEFAULT_COUNTRY = "US"
CARD_NUMBER_MESSAGE = "Enter the card number: 12 to 19 digits, as printed on the card."
CARD_EXPIRY_MESSAGE = "Enter the expiry date as MM/YY, e.g. 08/29."
CARD_EXPIRED_MESSAGE = "This card has expired."
CARD_CVC_MESSAGE = "Enter the 3 or 4 digit security code from the back of the card."
EXPIRY_RE = re.compile(r"^(0[1-9]|1[0-2]) ?/ ?(\d{2})$")


def luhn_valid(digits: str) -> bool:
    """The card number's check digit (ISO/IEC 7812) is right."""
    total = 0
    for position, digit in enumerate(int(ch) for ch in reversed(digits)):
        if position % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def region_choices() -> list[tuple[str, Any]]:
    """Every listed region as "<country>-<code>", grouped under its country's name."""
    groups: list[tuple[str, Any]] = [("", "—")]
    for country, regions in addresses.REGIONS.items():
        options = [(f"{country}-{code}", name) for code, name in regions.items()]
        groups.append((addresses.country_name(country), sorted(options, key=lambda o: o[1])))
    return groups


def client_layouts() -> str:
    """What checkout.js needs: each listed country's region label, and who puts the postal
    code first."""
    return json.dumps(
        {
            "labels": addresses.REGION_LABELS,
            "postal_first": sorted(addresses.POSTAL_FIRST_COUNTRIES),
        }
    )


class CountryChoiceField(forms.ChoiceField):
    """A country from django-countries' list, its code read in any case ("us" is US)."""

    def to_python(self, value: Any) -> str:
        return str(super().to_python(value)).strip().upper()


class CheckoutForm(forms.Form):
    email = forms.EmailField(
        max_length=254,
        help_text="Your order confirmation goes here.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    name = forms.CharField(
        label="Full name", max_length=120, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    phone = forms.CharField(
        label="Phone (optional)",
        max_length=30,
        required=False,
        help_text="Only for the courier, if they cannot find you.",
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    )
    country = CountryChoiceField(
        choices=[("", "Choose a country"), *countries],
        initial=DEFAULT_COUNTRY,
        error_messages={"invalid_choice": inputs.COUNTRY_MESSAGE},
        widget=forms.Select(attrs={"autocomplete": "country"}),
    )
    line1 = forms.CharField(
        label="Address",
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "address-line1"}),
    )
    city = forms.CharField(
        max_length=100, widget=forms.TextInput(attrs={"autocomplete": "address-level2"})
    )
    # Checked against the country in clean(), not as a choice of its own: one error, and
    # the one that names the country.
    region = forms.CharField(
        label="State, province or nation",
        max_length=10,
        required=False,
        help_text="For the United States, Canada, the United Kingdom and Australia.",
        widget=forms.Select(choices=region_choices(), attrs={"autocomplete": "address-level1"}),
    )
    postal_code = forms.RegexField(
        label="Postal code",
        regex=inputs.POSTAL_CODE_RE,
        max_length=20,
        error_messages={"invalid": inputs.POSTAL_CODE_MESSAGE},
        widget=forms.TextInput(attrs={"autocomplete": "postal-code"}),
    )
    card_token = forms.CharField(label="Card", max_length=200)
    replenishment_reminders = forms.BooleanField(
        label="Remind me when this runs out",
        required=False,
        help_text="One email a week before each product runs out, with a cart ready to go. "
        "We ask you to confirm by email first; stop any time.",
    )

    # The total on the button the shopper pressed, written by the page (not the shopper's
    # input): checkout refuses to charge more (errors.TotalChanged). Missing: not checked.
    shown_total = forms.DecimalField(
        required=False, max_digits=12, decimal_places=2, min_value=0, widget=forms.HiddenInput
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """The payment fields follow the configured gateways (SHOP_PAYMENT_METHODS): the first
        one's card fields (the test gateway's card form) or token field, and a choice of
        method when there are several. With none, the help text says so and submitting
        answers PaymentsNotConfigured."""
        super().__init__(*args, **kwargs)
        self.methods = payments.payment_methods()
        self.gateway: payments.PaymentGateway | None = None
        token = self.fields["card_token"]
        if not self.methods:
            token.help_text = "This shop is not taking payments at the moment."
            token.required = False  # submitting answers PaymentsNotConfigured
            return
        self.gateway = payments.gateway_for(self.methods[0])
        if isinstance(self.gateway, payments.CardFormGateway):
            del self.fields["card_token"]
            self.fields.update(card_fields(self.gateway.card_help))
        else:
            token.label, token.help_text = self.gateway.label, self.gateway.form_help
            token.initial = self.gateway.form_initial
        if len(self.methods) > 1:
            self.fields["payment_method"] = forms.ChoiceField(
                label="Pay with",
                choices=[(method, payments.gateway_for(method).label) for method in self.methods],
                initial=self.methods[0],
                widget=forms.RadioSelect,
            )

    @property
    def payment_field(self) -> str:
        """The field a declined payment is shown next to."""
        return "card_number" if "card_number" in self.fields else "card_token"

    @property
    def address_fields(self) -> list[forms.BoundField]:
        """City, region and postal code in the order the chosen (or default) country uses."""
        country = str(self.data.get("country") or self.initial.get("country") or "")
        order = addresses.layout(country or DEFAULT_COUNTRY)
        return [self[name] for name in order]

    def clean_phone(self) -> str:
        try:
            return addresses.phone_clean(self.cleaned_data["phone"])
        except InvalidInput as error:
            raise forms.ValidationError(error.detail) from error

    def clean_card_number(self) -> str:
        digits = re.sub(r"[ -]", "", self.cleaned_data["card_number"])
        if not (digits.isdigit() and 12 <= len(digits) <= 19 and luhn_valid(digits)):
            raise forms.ValidationError(CARD_NUMBER_MESSAGE)
        return digits

    def clean_card_expiry(self) -> str:
        raw = self.cleaned_data["card_expiry"].strip()
        match = EXPIRY_RE.match(raw)
        if match is None:
            raise forms.ValidationError(CARD_EXPIRY_MESSAGE)
        month, year = int(match[1]), 2000 + int(match[2])
        today = timezone.localdate()
        if (year, month) < (today.year, today.month):
            raise forms.ValidationError(CARD_EXPIRED_MESSAGE)
        return f"{month:02d}/{year % 100:02d}"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or self.cleaned_data
        country = data.get("country")
        if country:
            # "US-OR" from the list (or a bare "OR"); another country's "CA-ON" stays whole,
            # so it matches none of this country's codes.
            value = str(data.get("region") or "")
            prefix, dash, code = value.partition("-")
            try:
                data["region"] = addresses.region_clean(
                    country, code if dash and prefix == country else value
                )
            except InvalidInput as error:
                self.add_error("region", error.detail)
            if data.get("postal_code"):
                try:
                    data["postal_code"] = addresses.postal_code_clean(country, data["postal_code"])
                except InvalidInput as error:
                    self.add_error("postal_code", error.detail)
        return data

    def payment_token(self) -> str:
        data = self.cleaned_data
        if isinstance(self.gateway, payments.CardFormGateway) and "card_number" in data:
            return self.gateway.card_token(data["card_number"])
        return str(data.get("card_token", "")).strip()

    def details(self) -> inputs.CheckoutDetails:
        data = self.cleaned_data
        return inputs.CheckoutDetails(
            email=data["email"],
            name=data["name"],
            address_line1=data["line1"],
            city=data["city"],
            postal_code=data["postal_code"].upper(),
            country=data["country"],
            region=data["region"],
            phone=data["phone"],
            payment_method=data.get("payment_method") or (self.methods or [""])[0],
            payment_token=self.payment_token(),
            replenishment_reminders=data["replenishment_reminders"],
            shown_total=data.get("shown_total"),
        )


def card_fields(help_text: str) -> dict[str, forms.Field]:
    """A card form like a provider's hosted fields: number, expiry and security code."""
    return {
        "card_number": forms.CharField(
            label="Card number",
            max_length=23,
            help_text=help_text,
            error_messages={"required": CARD_NUMBER_MESSAGE},
            widget=forms.TextInput(
                attrs={"autocomplete": "cc-number", "inputmode": "numeric", "size": "20"}
            ),
        ),
        "card_expiry": forms.CharField(
            label="Expiry (MM/YY)",
            max_length=7,
            error_messages={"required": CARD_EXPIRY_MESSAGE},
            widget=forms.TextInput(
                attrs={"autocomplete": "cc-exp", "inputmode": "numeric", "size": "6"}
            ),
        ),
        "card_cvc": forms.RegexField(
            label="CVC",
            regex=r"^\d{3,4}$",
            error_messages={"required": CARD_CVC_MESSAGE, "invalid": CARD_CVC_MESSAGE},
            widget=forms.TextInput(
                attrs={"autocomplete": "cc-csc", "inputmode": "numeric", "size": "5"}
            ),
        ),
    }
