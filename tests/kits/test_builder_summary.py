"""The builder's summary is the cart's and checkout's price summary (shop/_breakdown.html over
shop.pricing.summary): the same rows, the same "You save", with shipping left to the cart; the
page and the JSON answer builder.js swaps in render it alike."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.test import Client

from tests.kits.test_storefront import BUILDER, post, summary

pytestmark = pytest.mark.django_db

FIVE = {
    "cleanse": "citrus-facial-wash",
    "tone": "face-firming-toner",
    "renew": ["advanced-face-firming", "enlarged-pore-treatment"],
    "powder": "finishing-powder",
}


def rows(html: str) -> list[tuple[str, str]]:
    """The summary's <dl class="breakdown"> as (term, amount) pairs."""
    start = html.index('id="builder-summary"')
    block = html[start:]
    block = block[block.index('<dl class="breakdown">') : block.index("</dl>")]
    pairs = re.findall(r"<dt[^>]*>(.*?)</dt>\s*<dd[^>]*>(.*?)</dd>", block, re.S)
    return [(re.sub(r"<[^>]+>|\s+", " ", t).strip(), re.sub(r"<[^>]+>", "", a)) for t, a in pairs]


def amount(shown: str) -> Decimal:
    return Decimal(shown.replace("−", "-").replace("$", "").replace(",", ""))


def test_the_builder_shows_the_shared_rows_and_they_add_up(demo: None, client: Client) -> None:
    html = post(client, **FIVE).content.decode()
    shown = dict(rows(html))
    assert list(shown) == [
        "Regular price (5 products)",
        "Routine 15% off (5+ products)",
        "Your routine",
        "You save",
    ]
    regular, discount, total, saved = (amount(v) for v in shown.values())
    assert regular + discount == total == Decimal("112.20")
    assert saved == -discount == Decimal("19.80")
    # Shipping is the cart's to work out: no "Free" row the cart might contradict.
    assert "Shipping" not in shown and "Shipping is worked out in your cart." in summary(html)


def test_the_json_answer_carries_the_same_rows(demo: None, client: Client) -> None:
    data = {f"step-{step}": value for step, value in FIVE.items()}
    page = client.post(BUILDER, data).content.decode()
    answer = client.post(BUILDER, data, headers={"X-Requested-With": "fetch"}).json()
    wrapped = f'<div id="builder-summary">{answer["summary_html"]}</div>'
    assert rows(wrapped) == rows(page)


def test_an_incomplete_routine_is_a_price_so_far_without_savings(
    demo: None, client: Client
) -> None:
    html = post(client, tone="face-firming-toner", renew="advanced-face-firming").content.decode()
    assert rows(html) == [("Regular price (2 products)", "$62.00"), ("Price so far", "$62.00")]
