"""Forms of the account pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import AbstractUser
from django.http import HttpRequest

NAME_MAX_LENGTH = 150  # auth.User.first_name: the account's name is kept there, whole


class SignupDetailsForm(forms.Form):
    """ACCOUNT_SIGNUP_FORM_CLASS: what allauth's sign-up form asks besides email and password."""

    name = forms.CharField(max_length=NAME_MAX_LENGTH, required=False, label="Your name")

    def signup(self, request: HttpRequest, user: AbstractUser) -> None:
        user.first_name = self.cleaned_data.get("name", "").strip()
        user.save(update_fields=["first_name"])


class NameForm(forms.Form):
    """The overview page's small form: the name we greet the customer by."""

    name = forms.CharField(max_length=NAME_MAX_LENGTH, required=False, label="Your name")

    def clean_name(self) -> Any:
        return self.cleaned_data["name"].strip()
