"""Accounts for the account tests: a person with a verified (or not) address, signed in."""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

PASSWORD = "a-long-pass-123"


def person(email: str, *, verified: bool = True, also: tuple[str, ...] = ()) -> Any:
    """A customer whose primary address is `email` and, verified too, the `also` ones."""
    user = get_user_model().objects.create_user(username=email, email=email, password=PASSWORD)
    EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
    for other in also:
        EmailAddress.objects.create(user=user, email=other, verified=True, primary=False)
    return user


def as_user(user: Any, *, csrf: bool = False) -> APIClient:
    client = APIClient(enforce_csrf_checks=csrf)
    client.force_login(user)
    return client
