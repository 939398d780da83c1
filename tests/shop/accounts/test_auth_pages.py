"""allauth's pages in the shop's layout: sign-up, verification, sign-in (password and emailed
code), password reset, sign-out, and the /account/ overview. Plain form posts: no JavaScript."""

from __future__ import annotations

import re
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client

from tests.conftest import cache_clear

PASSWORD = "plum-velvet-4417"

pytestmark = pytest.mark.django_db


def account(email: str = "ana@example.com", *, verified: bool = False, name: str = "") -> Any:
    user = User.objects.create_user(username=email, email=email, password=PASSWORD, first_name=name)
    EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
    return user


def page_login(client: Client, email: str, password: str = PASSWORD, **extra: Any) -> Any:
    return client.post("/account/login/", {"login": email, "password": password}, **extra)


def main_of(response: Any) -> str:
    html = response.content.decode()
    main = html[html.index("<main") : html.index("</main>")]
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", main)


def link(message: Any, path: str) -> str:
    found = re.search(r"https?://[^/\s]+(" + re.escape(path) + r"[^\s]*)", message.body)
    assert found, message.body
    return found.group(1)


@pytest.mark.parametrize(
    "path",
    [
        "/account/login/",
        "/account/signup/",
        "/account/password/reset/",
        "/account/login/code/",
        "/account/confirm-email/not-a-key/",
    ],
)
def test_the_pages_render_in_the_shop_layout_without_inline_script_or_style(path: str) -> None:
    response = Client().get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="site-header"' in html and "shop/account.css" in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)  # scripts are files (the CSP)
    assert "<style" not in html and " style=" not in html
    assert "csrfmiddlewaretoken" in html or path.startswith("/account/confirm-email/")


def test_the_header_says_sign_in_or_account() -> None:
    assert 'href="/account/login/">Sign in</a>' in Client().get("/").content.decode()
    client = Client()
    client.force_login(account())
    assert 'href="/account/">Account</a>' in client.get("/").content.decode()


def test_signup_shows_errors_next_to_the_fields_and_makes_nothing() -> None:
    response = Client().post("/account/signup/", {"email": "not-an-address", "password1": "short"})
    assert response.status_code == 200
    main = main_of(response)
    assert re.search(r'id="id_email_error"><p>Enter a valid email address', main)
    assert re.search(r'id="id_password1_error"><p>This password is too short', main)
    assert not User.objects.exists() and not mail.outbox


def test_signup_sends_the_link_and_the_shopper_signs_in_verified() -> None:
    client = Client()
    response = client.post(
        "/account/signup/", {"email": "Ana@Example.com", "name": "Ana", "password1": PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == "/account/confirm-email/"
    assert client.get("/account/").status_code == 302  # not signed in until the mail arrives
    assert "verify your email address" in main_of(client.get("/account/confirm-email/")).lower()
    confirm = link(mail.outbox[0], "/account/confirm-email/")
    page = client.get(confirm)
    assert page.status_code == 200 and "ana@example.com" in main_of(page)
    assert client.post(confirm).status_code == 302
    assert EmailAddress.objects.get(email="ana@example.com").verified
    assert page_login(client, "ana@example.com").status_code == 302
    overview = client.get("/account/").content.decode()
    assert "Hello, Ana" in overview and "not verified" not in overview


def test_signup_answers_a_new_address_and_a_taken_one_alike() -> None:
    """The page never tells whether an address has an account (nor does the API)."""
    account("taken@example.com")
    answers = []
    for email in ("new@example.com", "taken@example.com"):
        client = Client()
        response = client.post("/account/signup/", {"email": email, "password1": PASSWORD})
        following = client.get(response["Location"])
        answers.append(
            (response.status_code, response["Location"], following.status_code, main_of(following))
        )
        assert client.get("/account/").status_code == 302  # neither is signed in
    assert answers[0] == answers[1]
    assert User.objects.count() == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["new@example.com", "taken@example.com"]


def test_signup_for_an_address_with_an_account_emails_it_and_makes_no_second_one() -> None:
    account()
    body = {"email": "ana@example.com", "password1": PASSWORD + "x"}
    response = Client().post("/account/signup/", body)
    assert response.status_code == 302
    assert response["Location"] == "/account/confirm-email/"
    assert User.objects.count() == 1
    assert [m.to for m in mail.outbox] == [["ana@example.com"]]
    assert "/account/confirm-email/" not in mail.outbox[0].body


def test_login_shows_one_error_for_wrong_and_unknown_and_rotates_the_session() -> None:
    account()
    wrong = main_of(page_login(Client(), "ana@example.com", "wrong-password"))
    unknown = main_of(page_login(Client(), "nobody@example.com", "wrong-password"))
    assert wrong == unknown.replace("nobody@example.com", "ana@example.com")
    assert 'class="form-errors"' in wrong

    client = Client()
    client.get("/account/login/")
    session = client.session
    session["cart_id"] = "kept"
    session.save()
    before = session.session_key
    response = page_login(client, "ANA@example.com")
    assert response.status_code == 302 and response["Location"] == "/account/"
    assert client.cookies["sessionid"].value != before
    assert client.session["cart_id"] == "kept"


def test_the_login_page_locks_an_account_after_10_failures() -> None:
    account()
    for i in range(9):
        page_login(Client(REMOTE_ADDR=f"203.0.113.{i + 1}"), "ana@example.com", "wrong")
    locked = page_login(Client(REMOTE_ADDR="198.51.100.7"), "ana@example.com", "wrong")
    assert locked.status_code == 429 and locked["Retry-After"] == "900"
    html = locked.content.decode()
    assert 'class="site-header"' in html and "Too many failed logins" in html  # the shop's page
    assert "/account/password/reset/" in html
    assert page_login(Client(REMOTE_ADDR="198.51.100.8"), "ana@example.com").status_code == 429


def test_sign_in_by_emailed_code() -> None:
    account()
    client = Client()
    response = client.post("/account/login/code/", {"email": "ana@example.com"})
    assert response.status_code == 302
    assert response["Location"] == "/account/login/code/confirm/"
    assert "Refined Pores" in mail.outbox[0].body and "testserver" not in mail.outbox[0].body
    code = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", mail.outbox[0].body, re.MULTILINE)
    assert code, mail.outbox[0].body
    wrong = client.post("/account/login/code/confirm/", {"code": "AAAA-AAAA"})
    assert wrong.status_code == 200 and 'class="field-error"' in main_of(wrong)
    signed_in = client.post("/account/login/code/confirm/", {"code": code.group(1)})
    assert signed_in.status_code == 302 and signed_in["Location"] == "/account/"
    assert client.get("/account/").status_code == 200


def test_a_code_for_an_unknown_address_looks_the_same_and_signs_no_one_in() -> None:
    client = Client()
    response = client.post("/account/login/code/", {"email": "nobody@example.com"})
    assert response["Location"] == "/account/login/code/confirm/"
    assert client.post("/account/login/code/confirm/", {"code": "AAAA-AAAA"}).status_code == 200
    assert client.get("/account/").status_code == 302


def test_password_reset_by_emailed_link() -> None:
    account()
    client = Client()
    response = client.post("/account/password/reset/", {"email": "Ana@Example.com"})
    assert response.status_code == 302
    key_url = link(mail.outbox[0], "/account/password/reset/key/")
    form_url = client.get(key_url)["Location"]  # the key moves from the URL to the session
    new = "lemon-cedar-9921"
    done = client.post(form_url, {"password1": new, "password2": new})
    assert done.status_code == 302
    assert page_login(Client(), "ana@example.com").status_code == 200  # the old one: refused
    assert page_login(Client(), "ana@example.com", new).status_code == 302


def test_logout_is_a_form_and_ends_the_session() -> None:
    client = Client()
    client.force_login(account())
    page = client.get("/account/logout/")
    assert page.status_code == 200 and "csrfmiddlewaretoken" in page.content.decode()
    assert client.post("/account/logout/").status_code == 302
    assert client.get("/account/")["Location"].startswith("/account/login/")


def test_the_overview_edits_the_name_and_resends_the_link() -> None:
    client = Client()
    client.force_login(account(name="Ana"))
    page = client.get("/account/")
    html = page.content.decode()
    assert "ana@example.com" in html and "not verified" in html and "Send the link again" in html
    saved = client.post("/account/", {"name": "  Ana Lima "})
    assert saved.status_code == 302
    assert User.objects.get().first_name == "Ana Lima"
    too_long = client.post("/account/", {"name": "x" * 151})
    assert too_long.status_code == 200 and 'id="id_name_error"' in too_long.content.decode()
    cache_clear()
    resent = client.post("/account/email/", {"email": "ana@example.com", "action_send": ""})
    assert resent.status_code == 302
    assert len(mail.outbox) == 1 and "/account/confirm-email/" in mail.outbox[0].body


def test_the_overview_needs_a_signed_in_customer() -> None:
    response = Client().get("/account/")
    assert response.status_code == 302
    assert response["Location"] == "/account/login/?next=/account/"


def test_password_reset_answers_an_unknown_address_the_same_and_sends_no_link() -> None:
    account()
    known = Client().post("/account/password/reset/", {"email": "ana@example.com"})
    unknown = Client().post("/account/password/reset/", {"email": "nobody@example.com"})
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    to_nobody = [m for m in mail.outbox if m.to == ["nobody@example.com"]]
    assert all("/account/password/reset/key/" not in m.body for m in to_nobody)
    assert User.objects.count() == 1
