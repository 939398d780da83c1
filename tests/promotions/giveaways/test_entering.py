"""Entering a giveaway through the API and the storefront, confirming, importing, reviewing."""

from __future__ import annotations

import re
import threading
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from promotions.giveaways import draw, prizes
from promotions.giveaways import services as giveaways
from promotions.giveaways.models import Entry, Giveaway
from promotions.messaging.models import OutboxMessage
from tests.factories import EntryFactory, GiveawayFactory

pytestmark = pytest.mark.django_db

GOOD = {
    "name": "Maria Gonzales",
    "email": "Maria.Gonzales+giveaway@gmail.com",
    "comment": "I have oily skin and big pores on my nose, I would love to try the routine.",
}


def enter(client: APIClient, giveaway: Giveaway, **fields: Any) -> Any:
    return client.post(
        f"/api/giveaways/{giveaway.slug}/entries/", {**GOOD, **fields}, format="json"
    )


def confirm_link(message: Any) -> str:
    match = re.search(r"https?://[^/\s]+(/giveaways/confirm/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


# -- the API -------------------------------------------------------------------------------


def test_entry_is_accepted_and_a_confirmation_email_is_sent(
    api_client: APIClient, django_capture_on_commit_callbacks: Any
) -> None:
    giveaway = GiveawayFactory()
    with django_capture_on_commit_callbacks(execute=True):
        response = enter(api_client, giveaway)
    assert response.status_code == 202 and response.json() == {"status": "pending"}
    entry = Entry.objects.get()
    assert entry.email_normalized == "mariagonzales@gmail.com"
    assert entry.status == "pending" and entry.confirmed_at is None and entry.spam_score == 0
    assert entry.ip_hash and "127.0.0.1" not in entry.ip_hash
    assert [m.to for m in mail.outbox] == [["Maria.Gonzales+giveaway@gmail.com"]]
    assert mail.outbox[0].alternatives[0][1] == "text/html"


@pytest.mark.parametrize(
    "email",
    ["maria.gonzales@gmail.com", "MARIAGONZALES@googlemail.com", "m.a.r.i.a.gonzales+2@gmail.com"],
)
def test_the_same_person_cannot_enter_twice(api_client: APIClient, email: str) -> None:
    giveaway = GiveawayFactory()
    assert enter(api_client, giveaway).status_code == 202
    response = enter(api_client, giveaway, email=email, comment="again")
    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "already_entered"
    assert Entry.objects.count() == 1


def test_other_providers_keep_plus_tags_apart(api_client: APIClient) -> None:
    giveaway = GiveawayFactory()
    assert enter(api_client, giveaway, email="jo+a@example.com").status_code == 202
    assert enter(api_client, giveaway, email="jo+b@example.com").status_code == 202


def test_closed_upcoming_and_unknown_giveaways(api_client: APIClient) -> None:
    closed = GiveawayFactory(
        opens_at=timezone.now() - timedelta(days=9), closes_at=timezone.now() - timedelta(days=1)
    )
    response = enter(api_client, closed)
    assert response.status_code == 409 and response.json()["code"] == "giveaway_closed"
    upcoming = GiveawayFactory(
        opens_at=timezone.now() + timedelta(days=1), closes_at=timezone.now() + timedelta(days=9)
    )
    response = enter(api_client, upcoming)
    assert response.status_code == 409 and response.json()["code"] == "giveaway_not_open"
    response = api_client.post("/api/giveaways/nope/entries/", GOOD, format="json")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert api_client.get("/api/giveaways/nope/").status_code == 404
    assert Entry.objects.count() == 0


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"email": ""}, "email"),
        ({"email": "not-an-email"}, "email"),
        ({"email": "a@b"}, "email"),
        ({"email": "x" * 250 + "@example.com"}, "email"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "n" * 121}, "name"),
        ({"comment": "a" * 50_000}, "comment"),
        ({"country": "United States"}, "country"),
    ],
)
def test_bad_input_is_a_clear_400_naming_the_field(
    api_client: APIClient, fields: dict[str, str], field: str
) -> None:
    response = enter(api_client, GiveawayFactory(), **fields)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error" and field in body["errors"]
    assert Entry.objects.count() == 0


def test_missing_fields_and_non_json_bodies(api_client: APIClient) -> None:
    giveaway = GiveawayFactory()
    url = f"/api/giveaways/{giveaway.slug}/entries/"
    response = api_client.post(url, {}, format="json")
    assert response.status_code == 400 and {"name", "email"} <= set(response.json()["errors"])
    response = api_client.post(url, "{not json", content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "parse_error"
    response = api_client.post(url, ["a", "list"], format="json")
    assert response.status_code == 400
    response = api_client.post(url, {**GOOD, "name": ["x"]}, format="json")
    assert response.status_code == 400


def test_ineligible_country_stated_in_the_api_is_refused(api_client: APIClient) -> None:
    giveaway = GiveawayFactory(countries=["US", "CA"])
    response = enter(api_client, giveaway, country="FR")
    assert response.status_code == 422 and response.json()["code"] == "not_eligible"
    assert enter(api_client, giveaway, country="us").status_code == 202


def test_spam_gets_the_same_answer_and_is_held(
    api_client: APIClient, django_capture_on_commit_callbacks: Any
) -> None:
    giveaway = GiveawayFactory()
    with django_capture_on_commit_callbacks(execute=True):
        response = enter(
            api_client,
            giveaway,
            name="Buy Replica Watches",
            email="seo@replicas.example",
            comment="Great post! [url=http://replica.example]replica watches[/url]",
        )
    assert response.status_code == 202 and response.json() == {"status": "pending"}
    entry = Entry.objects.get()
    assert entry.status == "held" and entry.spam_blocked and entry.spam_score >= 50
    assert {r["rule"] for r in entry.spam_reasons} >= {"bbcode_link", "spam_keywords"}
    assert len(mail.outbox) == 1  # a spammer cannot tell from the outside


def test_entering_is_throttled_per_client(api_client: APIClient, settings: Any) -> None:
    giveaway = GiveawayFactory()
    statuses = [
        enter(api_client, giveaway, email=f"person{i}@example.com").status_code for i in range(12)
    ]
    assert statuses[:10] == [202] * 10
    assert statuses[10:] == [429, 429]
    response = enter(api_client, giveaway, email="late@example.com")
    assert response.json()["code"] == "throttled"


def test_entering_runs_a_constant_number_of_queries(
    api_client: APIClient, django_assert_max_num_queries: Any
) -> None:
    giveaway = GiveawayFactory()
    EntryFactory.create_batch(40, giveaway=giveaway)
    with django_assert_max_num_queries(12):
        assert enter(api_client, giveaway).status_code == 202


def test_public_list_and_detail(api_client: APIClient, django_assert_num_queries: Any) -> None:
    giveaway = GiveawayFactory()
    EntryFactory.create_batch(3, giveaway=giveaway)
    EntryFactory(giveaway=giveaway, status="rejected")
    old = GiveawayFactory(
        opens_at=timezone.now() - timedelta(days=90), closes_at=timezone.now() - timedelta(days=60)
    )
    for _ in range(3):
        GiveawayFactory()
    with django_assert_num_queries(3):  # count, page, prize products
        response = api_client.get("/api/giveaways/")
    slugs = [g["slug"] for g in response.json()["results"]]
    assert giveaway.slug in slugs and old.slug not in slugs
    detail = api_client.get(f"/api/giveaways/{giveaway.slug}/").json()
    assert detail["entries"] == 3 and detail["status"] == "open"
    assert detail["prize"]["value"] == "0.00" and detail["winners"] == 1


# -- staff ---------------------------------------------------------------------------------


def test_staff_creates_a_giveaway(staff_api: APIClient, api_client: APIClient) -> None:
    from tests.factories import ProductFactory

    product = ProductFactory(price_amount="95.00")
    body = {
        "slug": "spring",
        "title": "Spring giveaway",
        "opens_at": timezone.now().isoformat(),
        "closes_at": (timezone.now() + timedelta(days=7)).isoformat(),
        "winners": 2,
        "prize_products": [product.slug],
        "countries": ["us"],
    }
    assert api_client.post("/api/giveaways/", body, format="json").status_code == 401
    response = staff_api.post("/api/giveaways/", body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["winners"] == 2 and data["prize"]["value"] == "95.00"
    assert data["countries"] == ["US"] and len(data["commitment"]) == 64
    again = staff_api.post("/api/giveaways/", body, format="json")
    assert again.status_code == 400 and "slug" in again.json()["errors"]
    bad = staff_api.post(
        "/api/giveaways/",
        {**body, "slug": "x2", "closes_at": body["opens_at"], "prize_kit": "seven-piece"},
        format="json",
    )
    assert bad.status_code == 400 and {"closes_at", "prize_kit"} & set(bad.json()["errors"])
    reserved = staff_api.post("/api/giveaways/", {**body, "slug": "confirm"}, format="json")
    assert reserved.status_code == 400


def test_staff_lists_entries_with_scores(
    staff_api: APIClient, api_client: APIClient, django_assert_num_queries: Any
) -> None:
    giveaway = GiveawayFactory()
    EntryFactory.create_batch(5, giveaway=giveaway)
    EntryFactory(giveaway=giveaway, status="held", spam_score=70, spam_reasons=[{"rule": "x"}])
    url = f"/api/giveaways/{giveaway.slug}/entries/"
    assert api_client.get(url).status_code == 401
    with django_assert_num_queries(3):  # giveaway, its prize products, the entries
        response = staff_api.get(url)
    rows = response.json()
    assert len(rows) == 6
    assert set(rows[0]) >= {
        "id",
        "name",
        "email",
        "comment",
        "status",
        "spam_score",
        "spam_reasons",
    }
    held = staff_api.get(url + "?status=held").json()
    assert [r["spam_score"] for r in held] == [70]
    assert staff_api.get(url + "?status=bogus").status_code == 400


def test_staff_import_counts_confirmed_scores_and_skips_duplicates(staff_api: APIClient) -> None:
    giveaway = GiveawayFactory()
    EntryFactory(
        giveaway=giveaway, email="already@example.com", email_normalized="already@example.com"
    )
    rows = [
        {"name": "Blog Reader", "email": "reader@gmail.com", "comment": "Would love to win!"},
        {"name": "Same Reader", "email": "Reader+2@gmail.com", "comment": "twice"},
        {"name": "Already", "email": "ALREADY@example.com", "comment": "x"},
        {
            "name": "Frugal Mama Blog",
            "email": "pingback@frugal.example",
            "comment": "[…] Refined Pores is giving away a collection […]",
        },
    ]
    url = f"/api/giveaways/{giveaway.slug}/entries/import/"
    response = staff_api.post(url, {"entries": rows}, format="json")
    assert response.status_code == 200
    assert response.json()["imported"] == 2 and response.json()["duplicates"] == 2
    reader = Entry.objects.get(email_normalized="reader@gmail.com")
    assert reader.status == "confirmed" and reader.confirmed_at and reader.source == "import"
    assert Entry.objects.get(email="pingback@frugal.example").status == "held"
    assert OutboxMessage.objects.count() == 0  # imported entries are not asked to confirm


def test_import_with_one_bad_row_imports_nothing(
    staff_api: APIClient, api_client: APIClient
) -> None:
    giveaway = GiveawayFactory()
    url = f"/api/giveaways/{giveaway.slug}/entries/import/"
    rows = [{"name": "Ok", "email": "ok@example.com"}, {"name": "Bad", "email": "nope"}]
    response = staff_api.post(url, {"entries": rows}, format="json")
    assert response.status_code == 400 and "entries.1.email" in response.json()["errors"]
    assert Entry.objects.count() == 0
    assert staff_api.post(url, {"entries": []}, format="json").status_code == 400
    assert api_client.post(url, {"entries": rows}, format="json").status_code == 401


# -- the storefront ------------------------------------------------------------------------


def test_giveaway_page_shows_prize_rules_form_and_count(client: Client) -> None:
    from tests.factories import ProductFactory

    giveaway = GiveawayFactory(prize_description="The seven-piece collection")
    giveaway.prize_products.set([ProductFactory(name="Face Firming Toner", price_amount="24.00")])
    EntryFactory.create_batch(2, giveaway=giveaway)
    response = client.get(f"/giveaways/{giveaway.slug}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "The seven-piece collection" in html and "Face Firming Toner" in html
    assert "One entry per person." in html and "<strong>2</strong> entries" in html
    assert 'name="csrfmiddlewaretoken"' in html and '<label for="id_email">' in html
    assert giveaway.seed_commitment in html
    listing = client.get("/giveaways/")
    assert giveaway.title in listing.content.decode()


def test_form_entry_confirmation_and_replayed_link(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    giveaway = GiveawayFactory(min_age=18)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/giveaways/{giveaway.slug}/", {**GOOD, "age_confirmed": "on"}, follow=True
        )
    assert b"Check your email" in response.content
    link = confirm_link(mail.outbox[0])
    page = client.get(link)
    assert page.status_code == 200 and b"Confirm my entry" in page.content
    assert Entry.objects.get().confirmed_at is None  # GET changes nothing
    done = client.post(link)
    assert b"Your entry is confirmed" in done.content
    entry = Entry.objects.get()
    assert entry.status == "confirmed" and entry.confirmed_at
    replay = client.post(link)
    assert replay.status_code == 200 and b"Already confirmed" in replay.content
    assert Entry.objects.get().confirmed_at == entry.confirmed_at
    assert client.get("/giveaways/confirm/forged-token/").status_code == 404


def test_form_errors_appear_next_to_the_fields(client: Client) -> None:
    giveaway = GiveawayFactory(min_age=18, countries=["US"])
    response = client.post(
        f"/giveaways/{giveaway.slug}/", {"name": "", "email": "nope", "comment": "x" * 6000}
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert html.count('class="field-error"') >= 4
    assert "You must be 18 or older to enter." in html
    EntryFactory(giveaway=giveaway, email="taken@example.com", email_normalized="taken@example.com")
    response = client.post(
        f"/giveaways/{giveaway.slug}/",
        {**GOOD, "email": "TAKEN@example.com", "age_confirmed": "on", "country": "US"},
    )
    assert response.status_code == 409
    assert b"already entered" in response.content


def test_closed_giveaway_page_has_no_form_and_refuses_posts(client: Client) -> None:
    giveaway = GiveawayFactory(
        opens_at=timezone.now() - timedelta(days=9), closes_at=timezone.now() - timedelta(days=1)
    )
    page = client.get(f"/giveaways/{giveaway.slug}/")
    assert b"closed to new entries" in page.content and b"<form" not in page.content
    response = client.post(f"/giveaways/{giveaway.slug}/", GOOD)
    assert response.status_code == 409 and Entry.objects.count() == 0


def test_confirming_after_the_draw_is_too_late(client: Client) -> None:
    giveaway = GiveawayFactory(
        opens_at=timezone.now() - timedelta(days=9), closes_at=timezone.now() - timedelta(days=1)
    )
    EntryFactory(giveaway=giveaway)
    late = EntryFactory(giveaway=giveaway, status="pending", confirmed_at=None)
    draw.giveaway_draw(giveaway=giveaway)
    response = client.post(f"/giveaways/confirm/{late.confirm_token}/")
    assert b"Too late to confirm" in response.content
    assert Entry.objects.get(pk=late.pk).status == "pending"


def test_html_and_script_are_escaped_everywhere(
    client: Client, admin_client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    giveaway = GiveawayFactory(min_age=0)
    evil = '<script>alert("x")</script>'
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/giveaways/{giveaway.slug}/",
            {"name": f"Eve {evil}", "email": "eve@example.com", "comment": f"{evil} <b>hi</b>"},
        )
    entry = Entry.objects.get()
    assert entry.name.startswith("Eve <script>")  # stored as typed, escaped when shown
    message = OutboxMessage.objects.get()
    assert evil not in message.body_html and "&lt;script&gt;" in message.body_html
    page = client.get(f"/giveaways/confirm/{entry.confirm_token}/")
    assert evil.encode() not in page.content and b"&lt;script&gt;" in page.content
    giveaways.entry_confirm(token=entry.confirm_token)
    for url in [
        f"/admin/promotions/entry/{entry.pk}/change/",
        "/admin/promotions/entry/",
        f"/admin/promotions/outboxmessage/{message.pk}/change/",
    ]:
        response = admin_client.get(url)
        assert response.status_code == 200, url
        assert evil.encode() not in response.content, url


def test_form_is_throttled_per_client(client: Client) -> None:
    giveaway = GiveawayFactory(min_age=0)
    codes = [
        client.post(
            f"/giveaways/{giveaway.slug}/", {**GOOD, "email": f"p{i}@example.com"}
        ).status_code
        for i in range(11)
    ]
    assert codes[:10] == [302] * 10 and codes[10] == 429


# -- review ----------------------------------------------------------------------------------


def test_review_approves_held_entries_but_never_pingbacks(admin_client: Client) -> None:
    giveaway = GiveawayFactory()
    greeting = EntryFactory(giveaway=giveaway, status="held", comment="Hi!")
    unconfirmed = EntryFactory(giveaway=giveaway, status="held", confirmed_at=None)
    pingback = EntryFactory(giveaway=giveaway, status="held", spam_blocked=True)
    junk = EntryFactory(giveaway=giveaway, status="held")
    response = admin_client.post(
        "/admin/promotions/heldentry/",
        {"action": "approve", "_selected_action": [greeting.pk, unconfirmed.pk, pingback.pk]},
        follow=True,
    )
    assert b"Approved 2 entries" in response.content
    assert b"cannot win" in response.content
    statuses = dict(Entry.objects.values_list("pk", "status"))
    assert statuses[greeting.pk] == "confirmed"
    assert statuses[unconfirmed.pk] == "pending"
    assert statuses[pingback.pk] == "held"
    admin_client.post(
        "/admin/promotions/heldentry/", {"action": "reject", "_selected_action": [junk.pk]}
    )
    assert Entry.objects.get(pk=junk.pk).status == "rejected"
    assert Entry.objects.count() == 4  # never deleted
    queue = admin_client.get("/admin/promotions/heldentry/")
    assert queue.status_code == 200 and pingback.name.encode() in queue.content


def test_admin_giveaway_counts_draw_action_and_proof(admin_client: Client) -> None:
    giveaway = GiveawayFactory(
        opens_at=timezone.now() - timedelta(days=9), closes_at=timezone.now() - timedelta(days=1)
    )
    EntryFactory.create_batch(3, giveaway=giveaway)
    EntryFactory(giveaway=giveaway, status="held")
    listing = admin_client.get("/admin/promotions/giveaway/")
    assert listing.status_code == 200 and b"review queue" in listing.content
    response = admin_client.post(
        "/admin/promotions/giveaway/",
        {"action": "draw_now", "_selected_action": [giveaway.pk]},
        follow=True,
    )
    assert b"drawn. Winners:" in response.content
    again = admin_client.post(
        "/admin/promotions/giveaway/",
        {"action": "draw_now", "_selected_action": [giveaway.pk]},
        follow=True,
    )
    assert b"was drawn at" in again.content
    change = admin_client.get(f"/admin/promotions/giveaway/{giveaway.pk}/change/")
    giveaway.refresh_from_db()
    assert giveaway.proof and giveaway.proof["list_hash"].encode() in change.content
    entry = Entry.objects.filter(giveaway=giveaway, status="winner").get()
    detail = admin_client.get(f"/admin/promotions/entry/{entry.pk}/change/")
    assert b"giveaway_winner" in detail.content  # email state per entry


# -- concurrency ---------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_entry_per_person_under_concurrent_submits() -> None:
    giveaway = GiveawayFactory()
    variants = [
        "Jane.Doe@gmail.com",
        "janedoe@gmail.com",
        "jane.doe+1@gmail.com",
        "JANEDOE@googlemail.com",
    ] * 3
    barrier = threading.Barrier(len(variants))
    outcomes: list[str] = []

    def submit(email: str) -> None:
        try:
            data = giveaways.entry_clean(name="Jane Doe", email=email, comment="Would love to win!")
            barrier.wait()
            giveaways.giveaway_enter(giveaway=giveaway, data=data, client_ip="10.0.0.1")
            outcomes.append("entered")
        except giveaways.AlreadyEntered:
            outcomes.append("already_entered")
        except Exception as exc:
            outcomes.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(email,)) for email in variants]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["already_entered"] * (len(variants) - 1) + ["entered"]
    assert Entry.objects.filter(giveaway=giveaway).count() == 1
    assert OutboxMessage.objects.filter(purpose="giveaway_confirm").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_sweeps_promote_one_alternate_per_expired_claim() -> None:
    giveaway = GiveawayFactory(
        opens_at=timezone.now() - timedelta(days=9), closes_at=timezone.now() - timedelta(days=1)
    )
    EntryFactory.create_batch(6, giveaway=giveaway)
    result = draw.giveaway_draw(giveaway=giveaway)
    later = result.winners[0].claim_deadline + timedelta(seconds=1)
    barrier = threading.Barrier(4)

    def sweep() -> None:
        try:
            barrier.wait()
            prizes.claims_expire(now=later)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Entry.objects.filter(giveaway=giveaway, claim="awaiting").count() == 1
    assert Entry.objects.filter(giveaway=giveaway, claim="expired").count() == 1
    assert OutboxMessage.objects.filter(purpose="giveaway_alternate").count() == 1


def test_giveaway_page_query_count_does_not_grow_with_entries(
    client: Client, django_assert_num_queries: Any
) -> None:
    from tests.factories import ProductFactory

    giveaway = GiveawayFactory()
    giveaway.prize_products.set(ProductFactory.create_batch(7))
    EntryFactory.create_batch(50, giveaway=giveaway)
    # the giveaway with its entry count, its prize products (no session for a visitor)
    with django_assert_num_queries(2):
        assert client.get(f"/giveaways/{giveaway.slug}/").status_code == 200
    with django_assert_num_queries(2):  # giveaways with counts, their prize products
        assert client.get("/giveaways/").status_code == 200


def test_giveaway_validation_in_admin_and_services() -> None:
    from django.core.exceptions import ValidationError

    now = timezone.now()
    bad = Giveaway(
        title="x", slug="claim", opens_at=now, closes_at=now - timedelta(days=1), countries=["USA"]
    )
    with pytest.raises(ValidationError) as caught:
        bad.full_clean()
    assert {"slug", "closes_at", "countries"} <= set(caught.value.message_dict)
    good = Giveaway(
        title="x", slug="ok", opens_at=now, closes_at=now + timedelta(1), countries=["ca", "us"]
    )
    good.full_clean()
    assert good.countries == ["CA", "US"]
