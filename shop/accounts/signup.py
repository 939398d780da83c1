"""allauth's sign-up form, made safe against two sign-ups for one address at once.

allauth checks whether an address is taken while validating the form and creates the account
later; nothing in the database stops two requests that both passed the check (auth.User.email
is not unique, and allauth's unique index covers verified addresses only). Here the check is
made again, and the account created, while holding a lock on the address: a PostgreSQL
transaction-scoped advisory lock; on SQLite the IMMEDIATE transaction takes the database's
write lock at BEGIN. The loser of the race is answered like any existing address.
"""

from __future__ import annotations

import hashlib
from typing import Any

from allauth.account.adapter import get_adapter
from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.account.internal.flows.email_verification import (
    send_verification_email_to_address,
)
from allauth.account.internal.flows.manage_email import assess_unique_email
from allauth.account.models import EmailAddress
from django import forms
from django.db import connection, transaction
from django.http import HttpRequest


def lock_address(email: str) -> None:
    """Until the transaction ends, no one else holds the lock for `email` (PostgreSQL)."""
    if connection.vendor != "postgresql":
        return
    digest = hashlib.sha256(f"account-email:{email}".encode()).digest()
    key = int.from_bytes(digest[:8], "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


class SignupForm(AllauthSignupForm):  # type: ignore[misc]
    """ACCOUNT_FORMS["signup"]: allauth's form, its account created under the address's lock."""

    def create_account(self, request: HttpRequest) -> Any:
        """The new account, or None when the address has one (`account_already_exists`)."""
        email = self.cleaned_data.get("email") or ""
        with transaction.atomic():
            lock_address(email)
            exists = bool(getattr(self, "account_already_exists", False))
            exists = exists or assess_unique_email(email) is not True
            self.account_already_exists = exists
            if exists:
                return None
            return self.save(request)

    def validate_unique_email(self, value: str) -> str:
        """A taken address is not a form error (allauth's, with optional verification): the
        form is valid, no account is made and the address is told someone tried."""
        try:
            return str(super().validate_unique_email(value))
        except forms.ValidationError:
            self.account_already_exists = True
            return value

    def try_save(self, request: HttpRequest) -> tuple[Any, Any]:
        """allauth's sign-up view. Every sign-up, new address or not, ends on the same "check
        your email" page and signs no one in: a new account is sent its verification link, an
        address that has one the "someone tried" email. So the page, like the API, never tells
        whether an address has an account (allauth with optional verification would sign a new
        account in at once and so reveal it); the shopper signs in once the mail arrives."""
        user = self.create_account(request)
        email = str(self.cleaned_data.get("email") or "")
        if user is None:
            send_already_exists_mail(request, email)
        else:
            address = EmailAddress.objects.get(user=user, email=email)
            send_verification_email_to_address(request, address, signup=True)
        return None, get_adapter(request).respond_email_verification_sent(request, None)


def send_already_exists_mail(request: HttpRequest, email: str) -> None:
    """allauth's "account already exists" email (an address without a user), under its
    per-address limit on verification mails."""
    send_verification_email_to_address(request, EmailAddress(email=email), signup=True)
