"""The account API's services: thin over allauth's forms and flows and Django's auth, so the
API and the pages sign up, verify and sign in the same way (and the same limits count)."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import get_adapter
from allauth.account.internal.flows.email_verification import (
    send_verification_email_to_address,
)
from allauth.account.models import EmailAddress
from allauth.account.utils import perform_login
from allauth.core import ratelimit
from django.contrib.auth import logout
from django.http import HttpRequest

from config.errors import DomainError, InvalidInput, field_errors_detail
from shop.accounts.signup import SignupForm, send_already_exists_mail


class InvalidPassword(DomainError):
    code = "invalid_password"
    status = 400
    title = "Password not accepted"


class TooManyAttempts(DomainError):
    code = "too_many_attempts"
    status = 429
    title = "Too many attempts"
    retry_after = 60.0


def _within_allauth_limit(request: HttpRequest, action: str) -> None:
    """allauth's limit for `action` (ACCOUNT_RATE_LIMITS), as its pages apply it."""
    if not ratelimit.consume(request, action=action):
        raise TooManyAttempts("Too many attempts from your connection; try again in a minute.")


class InvalidCredentials(DomainError):
    code = "invalid_credentials"
    status = 400
    title = "Wrong email or password"


def _api_errors(form: SignupForm) -> dict[str, list[str]]:
    names = {"password1": "password"}
    return {names.get(field, field): list(messages) for field, messages in form.errors.items()}


def account_signup(request: HttpRequest, *, email: str, password: str, name: str) -> str:
    """Open an account for `email` and send its verification link; an address that has an
    account instead gets an email saying someone tried (the caller's answer is the same).
    Returns the address as the account knows it (normalised)."""
    _within_allauth_limit(request, "signup")
    form = SignupForm(data={"email": email, "password1": password, "name": name})
    if not form.is_valid():
        errors = _api_errors(form)
        if "password" in errors and len(errors) == 1:
            detail = " ".join(errors["password"])
            raise InvalidPassword(detail, errors=errors)
        raise InvalidInput(field_errors_detail(errors), errors=errors)
    address = str(form.cleaned_data["email"])
    user = form.create_account(request)
    if user is None:
        send_already_exists_mail(request, address)
    else:
        verification = EmailAddress.objects.get(user=user, email=address)
        send_verification_email_to_address(request, verification, signup=True)
    return address


def account_login(request: HttpRequest, *, email: str, password: str) -> Any:
    """Sign in with email and password; counted by the login limits (config/login_limits.py)
    through `authenticate`. Wrong password and unknown address are one error."""
    _within_allauth_limit(request, "login")
    user = get_adapter(request).authenticate(request, email=email, password=password)
    if user is None or not user.is_active:
        raise InvalidCredentials("Wrong email or password.")
    perform_login(request, user, email=user.email)
    return user


def account_logout(request: HttpRequest) -> None:
    logout(request)


def account_view(user: Any) -> dict[str, Any]:
    """What the API and the overview page show of an account."""
    return {
        "email": user.email,
        "name": user.first_name,
        "verified": EmailAddress.objects.filter(
            user=user, email=user.email, verified=True
        ).exists(),
    }


def account_rename(user: Any, name: str) -> None:
    user.first_name = name
    user.save(update_fields=["first_name"])
