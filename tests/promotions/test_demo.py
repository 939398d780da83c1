"""The demo giveaway: the seven-piece collection with a realistic comment list."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from promotions.giveaways.models import Entry, Giveaway
from promotions.messaging.models import OutboxMessage

pytestmark = pytest.mark.django_db


def test_demo_giveaway_is_loaded_once_with_realistic_entries() -> None:
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    assert "promotions.demo: created 1 giveaways, 20 entries" in out.getvalue()
    call_command("load_demo", stdout=out)
    assert "promotions.demo: created 0 giveaways, 0 entries" in out.getvalue()
    giveaway = Giveaway.objects.get(slug="seven-piece-collection")
    assert giveaway.prize_kit is not None and giveaway.prize_kit.slug == "seven-piece-collection"
    assert giveaway.is_open()
    entries = Entry.objects.filter(giveaway=giveaway)
    assert entries.count() == 20
    held = entries.filter(status="held")
    rules = {r["rule"] for e in held for r in e.spam_reasons}
    assert {"pingback", "bbcode_link", "random_letters", "generic_praise", "off_topic"} <= rules
    misspelt = entries.get(name="Tanya Brooks")
    assert misspelt.status == "confirmed" and misspelt.spam_score == 0
    assert entries.filter(status="confirmed").count() >= 10
    assert entries.filter(spam_blocked=True).count() == 4  # two pingbacks, two link spam
    assert OutboxMessage.objects.count() == 0  # demo data sends no email
