"""The account API's sign-up, login, logout and account endpoints (API.md "Customer accounts")."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from rest_framework.test import APIClient

PASSWORD = "plum-velvet-4417"


def signup(client: APIClient, email: str, password: str = PASSWORD, **extra: Any) -> Any:
    return client.post(
        "/api/account/signup/", {"email": email, "password": password, **extra}, format="json"
    )


def login(client: APIClient, email: str, password: str = PASSWORD, **extra: Any) -> Any:
    return client.post(
        "/api/account/login/", {"email": email, "password": password}, format="json", **extra
    )


def link_in(message: Any) -> str:
    found = re.search(r"https?://[^/\s]+(/account/confirm-email/[^\s]+/)", message.body)
    assert found, message.body
    return found.group(1)


@pytest.mark.django_db
def test_signup_sends_a_link_that_verifies_the_address() -> None:
    client = APIClient()
    response = signup(client, "ana@example.com", name="Ana")
    assert response.status_code == 201, response.content
    assert response.json() == {"email": "ana@example.com", "verified": False}
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ana@example.com"]
    url = link_in(mail.outbox[0])

    assert login(client, "ana@example.com").json()["verified"] is False
    page = client.get(url)
    assert page.status_code == 200
    assert client.post(url).status_code == 302
    assert client.get("/api/account/").json() == {
        "email": "ana@example.com",
        "name": "Ana",
        "verified": True,
    }
