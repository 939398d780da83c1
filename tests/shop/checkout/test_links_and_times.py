"""Links in emails lead to the address the shop runs on (SHOP_BASE_URL, else the runserver
address or PORT), never to a request's Host; times on pages and emails are in the shop's time
zone (SHOP_TIME_ZONE), not UTC."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime

import pytest
from django.conf import settings
from django.test import Client, override_settings
from rest_framework.test import APIClient

from config.base_url import base_url
from shop.checkout.models import Order
from tests.shop.checkout_helpers import Catalog, check_out, confirmation_sent, new_cart
from tests.test_config import ROOT, _deploy_env


@pytest.mark.parametrize(
    ("environ", "argv", "expected"),
    [
        ({}, ["manage.py", "runserver", "127.0.0.1:8001"], "http://127.0.0.1:8001"),
        ({}, ["manage.py", "runserver", "9000"], "http://127.0.0.1:9000"),
        ({}, ["manage.py", "runserver", "0.0.0.0:8080"], "http://127.0.0.1:8080"),
        ({}, ["manage.py", "runserver", "--noreload", "[::1]:8002"], "http://[::1]:8002"),
        ({}, ["manage.py", "runserver", "localhost:8003"], "http://localhost:8003"),
        ({"PORT": "5000"}, ["gunicorn", "config.wsgi"], "http://127.0.0.1:5000"),
        ({}, ["manage.py", "runserver"], "http://127.0.0.1:8000"),
        ({}, ["manage.py", "migrate"], "http://127.0.0.1:8000"),
        (
            {"SHOP_BASE_URL": "https://shop.example.com/"},
            ["manage.py", "runserver", "8001"],
            "https://shop.example.com",
        ),
    ],
)
def test_the_base_url_defaults_to_the_address_the_shop_was_started_on(
    environ: dict[str, str], argv: list[str], expected: str
) -> None:
    assert base_url(environ, argv) == expected


def test_settings_read_the_runserver_address() -> None:
    """`make run PORT=8001` runs `manage.py runserver 127.0.0.1:8001`: settings see it."""
    code = (
        "import sys; sys.argv = ['manage.py', 'runserver', '127.0.0.1:8001'];"
        "import django; from django.conf import settings; django.setup();"
        "print(settings.SHOP_BASE_URL)"
    )
    env = {**_deploy_env(), "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "config.settings"}
    env.pop("SHOP_BASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.stdout.strip() == "http://127.0.0.1:8001", result.stderr


@pytest.mark.django_db
def test_order_email_links_use_the_base_url_not_the_requests_host(
    catalog: Catalog, api_client: APIClient
) -> None:
    started_on = base_url({}, ["manage.py", "runserver", "127.0.0.1:8765"])
    with override_settings(SHOP_BASE_URL=started_on, ALLOWED_HOSTS=["*"]):
        cart_id = new_cart(api_client, {"kit": "duo"})
        response = api_client.post(
            f"/api/carts/{cart_id}/checkout/",
            {
                "email": "ana@example.com",
                "name": "Ana Lima",
                "address": {
                    "line1": "1 A St",
                    "city": "X",
                    "postal_code": "97201",
                    "country": "US",
                },
                "payment": {"method": "test", "token": "tok_ok"},
            },
            format="json",
            HTTP_HOST="evil.example",
            HTTP_IDEMPOTENCY_KEY="k-1",
        )
        # Composed by the worker, whose settings name the same base URL (one deployment).
        email = confirmation_sent()
    assert response.status_code == 201, response.content
    order = Order.objects.get()
    link = f"http://127.0.0.1:8765/orders/{order.number}/?token={order.access_token}"
    assert link in email.body_text and link in email.body_html
    assert "evil.example" not in email.body_text + email.body_html
    assert ":8000" not in email.body_text


def test_the_shop_time_zone_is_the_brands_unless_configured() -> None:
    assert settings.TIME_ZONE == "America/Los_Angeles"
    env = {
        **_deploy_env(),
        "DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SHOP_TIME_ZONE": "Mars/Olympus",
    }
    code = "import django; django.setup()"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0 and "SHOP_TIME_ZONE must be an IANA time zone" in result.stderr


@pytest.mark.django_db
def test_the_order_page_and_email_show_the_shops_local_time(
    catalog: Catalog, api_client: APIClient, client: Client
) -> None:
    placed = check_out(api_client, new_cart(api_client, {"kit": "duo"}))
    order = Order.objects.get(number=placed.json()["number"])
    # 03:30 UTC on 2 December is 19:30 the evening before in Los Angeles (PST).
    Order.objects.filter(pk=order.pk).update(created_at=datetime(2026, 12, 2, 3, 30, tzinfo=UTC))
    page = client.get(f"/orders/{order.number}/?token={order.access_token}").content.decode()
    assert "Placed Dec. 1, 2026 19:30 PST" in page and "UTC" not in page
    with override_settings(TIME_ZONE="Europe/Berlin"):
        page = client.get(f"/orders/{order.number}/?token={order.access_token}").content.decode()
    assert "Placed Dec. 2, 2026 04:30 CET" in page
