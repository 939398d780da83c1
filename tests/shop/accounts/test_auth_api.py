"""The account API's sign-up, login, logout and account endpoints (API.md "Customer accounts")."""

from __future__ import annotations

import re
import smtplib
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import User
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from rest_framework.test import APIClient

from tests.conftest import cache_clear
from tests.shop.race import race

PASSWORD = "plum-velvet-4417"


def signup(
    client: APIClient, email: str, password: str = PASSWORD, name: str = "", **extra: Any
) -> Any:
    body = {"email": email, "password": password, **({"name": name} if name else {})}
    return client.post("/api/account/signup/", body, format="json", **extra)


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


@pytest.mark.django_db
def test_an_address_with_an_account_gets_201_and_a_someone_tried_email_no_second_one() -> None:
    assert signup(APIClient(), "ana@example.com").status_code == 201
    mail.outbox.clear()
    cache_clear()  # allauth mails one address at most once in 3 minutes: let them pass
    again = signup(APIClient(), "Ana@Example.com", password="another-long-pass-99")
    assert again.status_code == 201
    assert again.json() == {"email": "ana@example.com", "verified": False}
    assert User.objects.filter(email__iexact="ana@example.com").count() == 1
    assert EmailAddress.objects.filter(email="ana@example.com").count() == 1
    assert [m.to for m in mail.outbox] == [["ana@example.com"]]
    assert "already" in mail.outbox[0].subject.lower() + mail.outbox[0].body.lower()
    assert "/account/confirm-email/" not in mail.outbox[0].body
    # The first password still signs in, the second does not.
    assert login(APIClient(), "ana@example.com").status_code == 200
    assert login(APIClient(), "ana@example.com", "another-long-pass-99").status_code == 400
    # Within the 3 minutes, more attempts answer the same and mail the address no more.
    assert signup(APIClient(), "ana@example.com").status_code == 201
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_one_mailbox_is_one_account_however_the_address_is_spelled() -> None:
    first = signup(APIClient(), "Jane.Doe+shop@GoogleMail.com")
    assert first.json()["email"] == "janedoe@gmail.com"
    assert signup(APIClient(), "janedoe@gmail.com").status_code == 201
    assert User.objects.count() == 1
    assert login(APIClient(), "JANE.DOE@gmail.com").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("password", ["short1", "password123", "12345678901234"])
def test_a_weak_password_is_400_invalid_password_with_the_reasons(password: str) -> None:
    response = signup(APIClient(), "ana@example.com", password=password)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "invalid_password"
    assert body["errors"]["password"] and body["detail"] == " ".join(body["errors"]["password"])
    assert not User.objects.exists() and not mail.outbox


@pytest.mark.django_db
def test_a_password_like_the_address_is_refused() -> None:
    response = signup(APIClient(), "plumvelvet@example.com", password="plumvelvet")
    assert response.json()["code"] == "invalid_password"
    assert "similar" in response.json()["detail"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [{}, {"email": "not-an-address", "password": PASSWORD}, {"email": "a@example.com"}],
)
def test_a_malformed_signup_is_400_validation_error(body: dict[str, str]) -> None:
    response = APIClient().post("/api/account/signup/", body, format="json")
    assert response.status_code == 400 and response.json()["code"] == "validation_error"
    assert not User.objects.exists()


@pytest.mark.django_db
def test_login_answers_wrong_password_and_unknown_address_the_same() -> None:
    signup(APIClient(), "ana@example.com", name="Ana")
    wrong = login(APIClient(), "ana@example.com", "not-the-password")
    unknown = login(APIClient(), "nobody@example.com", "not-the-password")
    assert (wrong.status_code, wrong["Content-Type"], wrong.content) == (
        unknown.status_code,
        unknown["Content-Type"],
        unknown.content,
    )
    assert wrong.status_code == 400 and wrong.json()["code"] == "invalid_credentials"
    assert "sessionid" not in wrong.cookies and "sessionid" not in unknown.cookies
    right = login(APIClient(), "ana@example.com")
    assert right.status_code == 200
    assert right.json() == {"email": "ana@example.com", "name": "Ana", "verified": False}


@pytest.mark.django_db
def test_an_account_is_locked_after_10_failures_from_any_clients() -> None:
    signup(APIClient(), "ana@example.com")
    for i in range(9):
        client = APIClient(REMOTE_ADDR=f"203.0.113.{i + 1}")
        assert login(client, "ana@example.com", "wrong").status_code == 400
    locked = login(APIClient(REMOTE_ADDR="198.51.100.1"), "ANA@example.com", "wrong")
    assert locked.status_code == 429 and locked.json()["code"] == "too_many_attempts"
    assert locked["Content-Type"] == "application/problem+json"
    # Locked: the right password is refused too, from a fresh client; others may still sign in.
    assert login(APIClient(REMOTE_ADDR="198.51.100.2"), "ana@example.com").status_code == 429
    signup(APIClient(), "bo@example.com")
    assert login(APIClient(REMOTE_ADDR="198.51.100.2"), "bo@example.com").status_code == 200


@pytest.mark.django_db
def test_a_client_is_locked_after_30_failures_over_any_accounts() -> None:
    signup(APIClient(), "ana@example.com")
    client = APIClient(REMOTE_ADDR="203.0.113.9")
    for i in range(29):
        assert login(client, f"guess{i}@example.com", "wrong").status_code == 400
    assert login(client, "guess-last@example.com", "wrong").status_code == 429
    assert login(client, "ana@example.com").status_code == 429
    assert login(APIClient(REMOTE_ADDR="203.0.113.10"), "ana@example.com").status_code == 200


@pytest.mark.django_db
def test_login_rotates_the_session_key_and_logout_ends_the_session() -> None:
    signup(APIClient(), "ana@example.com")
    client = APIClient()
    client.get("/api/account/")  # no session yet: give the client one
    session = client.session
    session["cart_id"] = "kept"
    session.save()
    before = session.session_key
    assert login(client, "ana@example.com").status_code == 200
    after = client.cookies["sessionid"].value
    assert after != before
    assert client.session["cart_id"] == "kept"  # the session's contents come along
    assert client.get("/api/account/").status_code == 200

    assert client.post("/api/account/logout/").status_code == 204
    signed_out = client.get("/api/account/")
    assert signed_out.status_code in {401, 403}
    assert signed_out["Content-Type"] == "application/problem+json"


@pytest.mark.django_db
def test_the_account_signed_out_is_a_problem() -> None:
    response = APIClient().get("/api/account/")
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.django_db
def test_unsafe_methods_need_the_csrf_token_signed_in_or_not() -> None:
    client = APIClient(enforce_csrf_checks=True)
    refused = signup(client, "ana@example.com")
    assert refused.status_code == 403 and not User.objects.exists()
    assert login(client, "ana@example.com").status_code == 403

    client.get("/account/login/")  # the page sets the csrftoken cookie
    token = client.cookies["csrftoken"].value
    created = signup(client, "ana@example.com", HTTP_X_CSRFTOKEN=token)
    assert created.status_code == 201, created.content
    assert login(client, "ana@example.com", HTTP_X_CSRFTOKEN=token).status_code == 200
    assert client.post("/api/account/logout/").status_code == 403
    token = client.cookies["csrftoken"].value  # rotated at login
    assert client.post("/api/account/logout/", HTTP_X_CSRFTOKEN=token).status_code == 204


@pytest.mark.postgres
@pytest.mark.xdist_group("postgres-races")  # 20-50 connections at once: tests/conftest.py
@pytest.mark.django_db(transaction=True)
def test_sign_ups_for_one_mailbox_at_once_make_one_account() -> None:
    spellings = ["jane.doe@gmail.com", "JaneDoe@gmail.com", "janedoe+shop@googlemail.com"]
    answers = race(12, lambda i: signup(APIClient(), spellings[i % 3]))
    assert [a.status_code for a in answers] == [201] * 12
    assert User.objects.count() == 1
    assert list(EmailAddress.objects.values_list("email", flat=True)) == ["janedoe@gmail.com"]


@pytest.mark.django_db
def test_allauths_sign_up_and_sign_in_limits_apply_to_the_api(settings: Any) -> None:
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": None, "signup": "2/m/ip", "login": "2/m/ip"}
    client = APIClient(REMOTE_ADDR="203.0.113.20")
    assert signup(client, "a@example.com").status_code == 201
    assert signup(client, "b@example.com").status_code == 201
    refused = signup(client, "c@example.com")
    assert refused.status_code == 429 and refused.json()["code"] == "too_many_attempts"
    assert "Retry-After" in refused and not User.objects.filter(email="c@example.com").exists()
    assert signup(APIClient(REMOTE_ADDR="203.0.113.21"), "c@example.com").status_code == 201
    for _ in range(2):
        assert login(client, "a@example.com").status_code == 200
    assert login(client, "a@example.com").status_code == 429


class RefusingBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Any) -> int:
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


@pytest.mark.django_db
def test_a_mail_server_outage_leaves_the_account_made_and_the_answer_201(
    settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    response = signup(APIClient(), "ana@example.com")
    assert response.status_code == 201
    assert User.objects.filter(email="ana@example.com").exists()
    assert "account/email/email_confirmation_signup to ana@example.com not sent" in caplog.text
