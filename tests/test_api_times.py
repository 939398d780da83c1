"""The API speaks UTC (`...Z`) whatever SHOP_TIME_ZONE the pages use, so every time it returns
is a valid RFC 3339 date-time, even one from before railway time (Los Angeles was -07:52:58).
Pages in the shop's zone: tests/shop/checkout/test_links_and_times.py."""

from __future__ import annotations

import datetime

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from promotions.giveaways.models import Giveaway
from tests.factories import GiveawayFactory

pytestmark = pytest.mark.django_db


@override_settings(TIME_ZONE="America/Los_Angeles")
def test_api_times_are_utc_in_a_shop_that_shows_los_angeles_time() -> None:
    giveaway = GiveawayFactory()
    opens = datetime.datetime(2026, 12, 1, 18, 30, tzinfo=datetime.UTC)
    Giveaway.objects.filter(pk=giveaway.pk).update(opens_at=opens)
    body = APIClient().get(f"/api/giveaways/{giveaway.slug}/").json()
    assert body["opens_at"] == "2026-12-01T18:30:00Z"


@override_settings(TIME_ZONE="America/Los_Angeles")
def test_a_time_before_railway_time_is_still_a_valid_offset() -> None:
    giveaway = GiveawayFactory()
    long_ago = datetime.datetime(1246, 3, 28, 14, 0, tzinfo=datetime.UTC)
    Giveaway.objects.filter(pk=giveaway.pk).update(opens_at=long_ago)
    body = APIClient().get(f"/api/giveaways/{giveaway.slug}/").json()
    assert body["opens_at"] == "1246-03-28T14:00:00Z"
