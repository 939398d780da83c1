"""Login limits (config/login_limits.py, django-axes): 30 failed logins per client and 10 per
account in each 15 minutes, for the admin's login and `/api/auth/token/`."""

from __future__ import annotations

import time
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

ADMIN_LOGIN = "/admin/login/"
TOKEN = "/api/auth/token/"


def admin_login(client: Client, username: str, password: str, **extra: Any) -> Any:
    return client.post(ADMIN_LOGIN, {"username": username, "password": password}, **extra)


def logged_in(response: Any) -> bool:
    return bool(response.status_code == 302 and response.wsgi_request.user.is_authenticated)


def token(client: APIClient, username: str, password: str, **extra: Any) -> Any:
    body = {"username": username, "password": password}
    return client.post(TOKEN, body, format="json", **extra)


def test_the_admin_locks_a_client_out_after_30_failures(staff_user: Any) -> None:
    client = Client(REMOTE_ADDR="203.0.113.5")
    for n in range(29):
        # 29 different names, each with a new X-Forwarded-For: still one client.
        response = admin_login(client, f"guess{n}", "nope", HTTP_X_FORWARDED_FOR=f"10.1.0.{n}")
        assert response.status_code == 200 and b"errornote" in response.content
    locked = admin_login(client, "guess29", "nope")
    assert locked.status_code == 429
    assert b"Too many failed logins" in locked.content and int(locked["Retry-After"]) == 900
    # The right password is refused now, and no session is made.
    refused = admin_login(client, "staff", "staff-pass-123")
    assert refused.status_code == 429 and not refused.wsgi_request.user.is_authenticated
    assert "_auth_user_id" not in client.session
    # The account itself is not locked: from another client it logs in.
    assert logged_in(admin_login(Client(REMOTE_ADDR="203.0.113.6"), "staff", "staff-pass-123"))


def test_an_account_is_locked_after_10_failures_from_any_clients(staff_user: Any) -> None:
    for n in range(9):
        response = admin_login(Client(REMOTE_ADDR=f"198.51.100.{n}"), "staff", "wrong")
        assert response.status_code == 200
    assert token(APIClient(REMOTE_ADDR="198.51.100.9"), "staff", "wrong").status_code == 429
    fresh = Client(REMOTE_ADDR="192.0.2.1")
    assert admin_login(fresh, "staff", "staff-pass-123").status_code == 429
    assert token(APIClient(REMOTE_ADDR="192.0.2.2"), "staff", "staff-pass-123").status_code == 429
    # Another account from the same fresh client is not affected.
    get_user_model().objects.create_user("other", password="other-pass-123", is_staff=True)
    assert logged_in(admin_login(fresh, "other", "other-pass-123"))


def test_the_token_endpoint_answers_429_problem_json(staff_user: Any) -> None:
    client = APIClient(REMOTE_ADDR="203.0.113.5")
    for _ in range(9):
        assert token(client, "staff", "wrong").status_code == 400
    # The 10th failure, then the right password (from another client: this one has spent the
    # endpoint's 10 requests a minute).
    for sender, password in [(client, "wrong"), (APIClient(), "staff-pass-123")]:
        response = token(sender, "staff", password)
        assert response.status_code == 429
        assert response["Content-Type"] == "application/problem+json"
        body = response.json()
        assert (body["code"], body["status"]) == ("too_many_attempts", 429)
        assert int(response["Retry-After"]) == 900 and "token" not in body


def test_a_non_staff_password_is_answered_as_a_wrong_one_and_counted(
    shopper_user: Any, settings: Any
) -> None:
    client = APIClient(REMOTE_ADDR="203.0.113.5")
    right = token(client, "shopper", "shop-pass-123")
    wrong = token(client, "shopper", "not-the-password")
    assert (right.status_code, right["Content-Type"], right.content) == (
        wrong.status_code,
        wrong["Content-Type"],
        wrong.content,
    )
    assert right.json()["code"] == "invalid_credentials" and right.status_code == 400
    # Each right password counted as a failure: 2 so far, the 10th locks the account.
    for _ in range(7):
        assert token(client, "shopper", "shop-pass-123").status_code == 400
    assert token(client, "shopper", "shop-pass-123").json()["code"] == "too_many_attempts"


def test_logins_work_again_when_the_window_has_passed(staff_user: Any, settings: Any) -> None:
    settings.LOGIN_FAILURE_WINDOW = 1
    client = Client(REMOTE_ADDR="203.0.113.5")
    for _ in range(10):
        admin_login(client, "staff", "wrong")
    assert admin_login(client, "staff", "staff-pass-123").status_code == 429
    time.sleep(1.2)
    assert logged_in(admin_login(client, "staff", "staff-pass-123"))


def test_behind_a_trusted_proxy_clients_are_counted_apart(staff_user: Any, settings: Any) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    client = Client(REMOTE_ADDR="10.0.0.1")  # the proxy
    for n in range(30):
        admin_login(client, f"guess{n}", "nope", HTTP_X_FORWARDED_FOR="198.51.100.1")
    spoofed = {"HTTP_X_FORWARDED_FOR": "192.0.2.9, 198.51.100.1"}
    assert admin_login(client, "staff", "staff-pass-123", **spoofed).status_code == 429
    neighbour = {"HTTP_X_FORWARDED_FOR": "198.51.100.2"}
    assert logged_in(admin_login(client, "staff", "staff-pass-123", **neighbour))


def test_a_successful_login_does_not_reset_the_count(staff_user: Any) -> None:
    client = Client(REMOTE_ADDR="203.0.113.5")
    for _ in range(9):
        admin_login(client, "staff", "wrong")
    assert logged_in(admin_login(client, "staff", "staff-pass-123"))
    assert admin_login(Client(REMOTE_ADDR="203.0.113.6"), "staff", "wrong").status_code == 429


def test_staff_can_lift_a_lock_early(staff_user: Any) -> None:
    client = Client(REMOTE_ADDR="203.0.113.5")
    for _ in range(10):
        admin_login(client, "staff", "wrong")
    assert admin_login(client, "staff", "staff-pass-123").status_code == 429
    call_command("axes_reset_username", "staff", stdout=StringIO())
    assert logged_in(admin_login(client, "staff", "staff-pass-123"))
