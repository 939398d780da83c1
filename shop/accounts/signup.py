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

from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.account.internal import flows
from allauth.account.internal.flows.manage_email import email_already_exists
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
            exists = exists or email_already_exists(email)[1]
            self.account_already_exists = exists
            if exists:
                return None
            return self.save(request)

    def try_save(self, request: HttpRequest) -> tuple[Any, Any]:
        """allauth's sign-up view: an existing address is answered as allauth does."""
        user = self.create_account(request)
        if user is None:
            email = self.cleaned_data.get("email")
            return None, flows.signup.prevent_enumeration(request, email=email)
        return user, None
