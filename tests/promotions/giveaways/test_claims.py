"""Claiming: a deadline, the next alternate promoted when it passes, thanks once final."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from promotions.giveaways import draw, prizes, sweep
from promotions.giveaways.models import Entry, Giveaway
from promotions.messaging.models import OutboxMessage
from tests.factories import EntryFactory, GiveawayFactory

pytestmark = pytest.mark.django_db


def drawn(entries: int = 6, **kwargs: Any) -> tuple[Giveaway, draw.DrawResult]:
    giveaway = GiveawayFactory(
        opens_at=timezone.now() - timedelta(days=10),
        closes_at=timezone.now() - timedelta(minutes=1),
        claim_days=7,
        **kwargs,
    )
    EntryFactory.create_batch(entries, giveaway=giveaway)
    return giveaway, draw.giveaway_draw(giveaway=giveaway)


CLAIM = {
    "full_name": "Jane Doe",
    "line1": "1 Main St",
    "city": "Springfield",
    "postal_code": "12345",
    "country": "US",
    "age_confirmed": "on",
}


def test_expiry_promotes_the_next_alternate_in_published_order_and_emails_them(
    django_capture_on_commit_callbacks: Any,
) -> None:
    giveaway, result = drawn(entries=6, alternates_count=3)
    winner = result.winners[0]
    first_alt, second_alt = result.alternates[0], result.alternates[1]
    deadline = winner.claim_deadline
    assert deadline is not None
    # Not yet: a minute before the deadline nothing happens.
    assert prizes.claims_expire(now=deadline - timedelta(minutes=1)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert prizes.claims_expire(now=deadline + timedelta(seconds=1)) == 1
    winner.refresh_from_db()
    first_alt.refresh_from_db()
    second_alt.refresh_from_db()
    assert winner.claim == "expired"
    assert first_alt.status == "winner" and first_alt.claim == "awaiting"
    assert first_alt.claim_deadline == deadline + timedelta(seconds=1) + timedelta(days=7)
    assert second_alt.status == "alternate"
    message = OutboxMessage.objects.get(purpose="giveaway_alternate")
    assert message.recipient == first_alt.email
    assert [m.to for m in mail.outbox] == [[first_alt.email]]
    assert first_alt.claim_token in mail.outbox[0].body
    # Safe to run twice: nothing more expires, nobody else is promoted.
    assert prizes.claims_expire(now=deadline + timedelta(seconds=2)) == 0
    assert Entry.objects.filter(giveaway=giveaway, status="winner").count() == 2


def test_claim_before_the_deadline(client: Client) -> None:
    _, result = drawn()
    winner = result.winners[0]
    response = client.get(f"/giveaways/claim/{winner.claim_token}/")
    assert response.status_code == 200 and b"Claim your prize" in response.content
    assert '<option value="FR">France</option>' in response.content.decode()
    response = client.post(f"/giveaways/claim/{winner.claim_token}/", CLAIM)
    assert response.status_code == 200 and b"on its way" in response.content
    assert "Springfield, United States of America." in response.content.decode()
    winner.refresh_from_db()
    assert winner.claim == "claimed" and winner.claim_details["city"] == "Springfield"
    again = client.post(f"/giveaways/claim/{winner.claim_token}/", CLAIM)
    assert again.status_code == 409 and b"already claimed" in again.content
    assert prizes.claims_expire(now=timezone.now() + timedelta(days=30)) == 0


def test_claim_after_the_deadline_is_refused(client: Client) -> None:
    _, result = drawn()
    winner = result.winners[0]
    Entry.objects.filter(pk=winner.pk).update(claim_deadline=timezone.now() - timedelta(seconds=1))
    response = client.post(f"/giveaways/claim/{winner.claim_token}/", CLAIM)
    assert response.status_code == 409 and b"run out" in response.content
    assert Entry.objects.get(pk=winner.pk).claim == "awaiting"  # the sweep expires it


def test_claim_checks_eligibility_and_fields(client: Client) -> None:
    _, result = drawn(countries=["US", "CA"], min_age=21)
    token = result.winners[0].claim_token
    response = client.post(f"/giveaways/claim/{token}/", {**CLAIM, "country": "FR"})
    assert (
        response.status_code == 400 and b"This giveaway is open to US, CA only." in response.content
    )
    response = client.post(
        f"/giveaways/claim/{token}/", {k: v for k, v in CLAIM.items() if k != "age_confirmed"}
    )
    assert response.status_code == 400 and b"21 or older" in response.content
    response = client.post(f"/giveaways/claim/{token}/", {**CLAIM, "city": ""})
    assert response.status_code == 400 and b"This field is required" in response.content
    assert client.get("/giveaways/claim/not-a-token/").status_code == 404


def test_alternates_and_losers_cannot_claim(client: Client) -> None:
    _, result = drawn()
    alternate = result.alternates[0]
    response = client.post(f"/giveaways/claim/{alternate.claim_token}/", CLAIM)
    assert response.status_code == 409 and b"no longer valid" in response.content


def test_thanks_go_to_everyone_else_once_the_prize_is_claimed_and_only_once(
    django_capture_on_commit_callbacks: Any,
) -> None:
    giveaway, result = drawn(entries=5, alternates_count=2)
    EntryFactory(giveaway=giveaway, status="held")  # held and unconfirmed get no thanks
    EntryFactory(giveaway=giveaway, status="pending", confirmed_at=None)
    assert prizes.giveaway_finalise(giveaway=giveaway) is None  # a prize is still waiting
    prizes.prize_claim(
        token=result.winners[0].claim_token,
        details=prizes.ClaimDetails("Jane", "1 Main", "Town", "1", "US", True),
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        queued = sweep.giveaways_sweep()["finalised"]
    assert queued == 1
    thanked = sorted(m.to[0] for m in mail.outbox)
    expected = sorted(
        Entry.objects.filter(giveaway=giveaway, status__in=["confirmed", "alternate"]).values_list(
            "email", flat=True
        )
    )
    assert thanked == expected and len(thanked) == 4
    message = mail.outbox[0]
    assert "List-Unsubscribe" in message.extra_headers
    # No consolation promotion is configured: the email simply has no code.
    assert "code for your next order" not in message.body
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep.giveaways_sweep()["finalised"] == 0
    assert len(mail.outbox) == 4


def test_thanks_carry_the_consolation_code_when_one_is_issued(
    monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    giveaway, result = drawn(entries=3, alternates_count=0)
    issued: list[int] = []

    def issue(*, promotion_id: int | None, issued_to: str) -> str:
        entry_pk = int(issued_to.rpartition(":")[2])
        issued.append(entry_pk)
        return f"THANKS-{entry_pk}"

    monkeypatch.setattr(prizes, "consolation_code_issue", issue)
    Entry.objects.filter(pk=result.winners[0].pk).update(claim="claimed")
    with django_capture_on_commit_callbacks(execute=True):
        prizes.giveaway_finalise(giveaway=giveaway)
    assert len(issued) == 2
    for message in mail.outbox:
        entry = Entry.objects.get(email=message.to[0])
        assert entry.consolation_code == f"THANKS-{entry.pk}"
        assert entry.consolation_code in message.body
        assert entry.consolation_code in message.alternatives[0][0]


def test_when_alternates_run_out_the_giveaway_is_final() -> None:
    _, result = drawn(entries=1, alternates_count=3)
    deadline = result.winners[0].claim_deadline
    assert deadline is not None
    report = sweep.giveaways_sweep(now=deadline + timedelta(seconds=1))
    assert report["expired"] == 1 and report["finalised"] == 1


def test_the_entry_form_names_the_countries_a_giveaway_is_open_to(client: Client) -> None:
    giveaway = GiveawayFactory(countries=["US", "CA"])
    page = client.get(f"/giveaways/{giveaway.slug}/").content.decode()
    assert '<option value="CA">Canada</option>' in page
    assert '<option value="US">United States of America</option>' in page
