"""django-allauth's adapter for the shop: one client identity, one mailbox one person.

- Every allauth limit (sign-ups, login codes, resets) keys on `config.client.client_ip`, the
  address every other limit of the shop uses.
- Every address allauth stores or looks up is `normalize_email`'s: `J.Doe+x@gmail.com` signs
  in to the account of `jdoe@gmail.com`, and cannot open a second one.
"""

from __future__ import annotations

import logging
import smtplib
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from config.client import client_ip
from promotions.messaging.identity import normalize_email

logger = logging.getLogger(__name__)


class AccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]
    def get_client_ip(self, request: HttpRequest) -> str:
        ip = client_ip(request)
        if not ip:
            raise PermissionDenied("Unable to determine the client's address.")
        return ip

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """allauth's mails sign as the shop (SHOP_NAME, SHOP_BASE_URL's host), not as whatever
        host the request named. Sent now, through Django's email backend (EMAIL_BACKEND), not the
        outbox: they carry sign-in codes and reset links (docs/OPERATIONS.md)."""
        shop = SimpleNamespace(
            name=settings.SHOP_NAME, domain=urlsplit(settings.SHOP_BASE_URL).netloc
        )
        try:
            super().send_mail(template_prefix, email, {"current_site": shop, **context})
        except (smtplib.SMTPException, OSError):
            # The mail server is down or refused: the account (or reset) stands, the customer
            # asks again ("Send the link again", another code); the request does not fail.
            logger.exception("Account email %s to %s not sent", template_prefix, email)

    def clean_email(self, email: str) -> str:
        return normalize_email(super().clean_email(email))

    def authenticate(self, request: HttpRequest, **credentials: Any) -> AbstractBaseUser | None:
        if isinstance(credentials.get("email"), str):
            credentials["email"] = normalize_email(credentials["email"])
        user: AbstractBaseUser | None = super().authenticate(request, **credentials)
        return user
