"""Privacy: the export holds exactly the person's data, and deleting the account erases it
(checked in the database) while orders stay for the books, a drawn giveaway's proof still
verifies, the address is free for a new account and every session of it ends."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from promotions.codes.models import Redemption
from promotions.giveaways import draw
from promotions.giveaways.models import Entry
from promotions.messaging.identity import erased_email_key
from promotions.messaging.models import OutboxMessage, Suppression
from promotions.messaging.services import email_enqueue
from promotions.reminders.models import Reminder, Subscription
from promotions.reminders.scheduling import routine_schedule_next
from shop.accounts import privacy
from shop.accounts.routines import SavedRoutine
from shop.checkout.models import Order, OrderLine
from tests.factories import (
    EntryFactory,
    OrderFactory,
    PromoCodeFactory,
    PromotionFactory,
    SubscriptionFactory,
)
from tests.promotions.giveaways.test_draw import closed_giveaway, run_verifier
from tests.shop.accounts.people import PASSWORD, as_user, person
from tests.shop.checkout_helpers import (
    ROUTINE_ITEM,
    check_out,
    checkout_body,
    make_catalog,
    new_cart,
)
from tests.shop.race import race

pytestmark = pytest.mark.django_db
JANE = "jane@example.com"
OTHER = "other@example.com"


def bought(client: APIClient, email: str) -> Order:
    address = {**checkout_body()["address"], "region": "OR", "phone": "+1 503 555 0100"}
    body = checkout_body(email=email, address=address)
    response = check_out(client, new_cart(client, ROUTINE_ITEM), body)
    assert response.status_code == 201, response.content
    return Order.objects.get(number=response.json()["number"])


@pytest.fixture
def world() -> dict[str, Any]:
    """Jane and another person, each with an order, an entry, a reminder and an email."""
    make_catalog()
    jane = person(JANE)
    client = as_user(jane)
    mine = bought(client, JANE)
    theirs = bought(APIClient(), OTHER)
    for email in (JANE, OTHER):
        EntryFactory(email=email, name=f"{email[:5].title()} Person")
        routine_schedule_next(subscription=SubscriptionFactory(email=email), now=timezone.now())
    email_enqueue(
        purpose="test",
        key="jane",
        recipient=JANE,
        template="reminder_manage",
        context={"kind_label": "x", "manage_url": "https://example.com/m"},
    )
    SavedRoutine.objects.create(
        user=jane, name="Night", routine="basic", selections=["wash", "toner"]
    )
    return {"jane": jane, "client": client, "mine": mine, "theirs": theirs}


def test_the_export_holds_the_persons_data_and_nobody_elses(world: dict[str, Any]) -> None:
    response = world["client"].get("/api/account/export/")
    assert response.status_code == 200
    data = response.json()
    assert data["account"]["email"] == JANE
    assert [o["number"] for o in data["orders"]] == [world["mine"].number]
    order = data["orders"][0]
    assert order["total"] == str(world["mine"].total_amount)
    assert order["lines"] and order["lines"][0]["total"]
    assert data["addresses"][0]["line1"] == "12 Rose Street"
    assert data["addresses"][0] | {"line1": ""} == {
        "name": "Ana Lima",
        "line1": "",
        "city": "Portland",
        "region": "OR",
        "postal_code": "97201",
        "country": "US",
        "phone": "+1 503 555 0100",
    }
    assert [e["email"] for e in data["giveaway_entries"]] == [JANE]
    assert [s["email"] for s in data["reminder_subscriptions"]] == [JANE]
    assert {m["to"] for m in data["emails_sent"]} == {JANE}
    assert [(r["name"], r["selections"]) for r in data["saved_routines"]] == [
        ("Night", ["wash", "toner"])
    ]
    assert {"consent", "replenishment"} <= set(data)
    assert OTHER not in response.content.decode()
    assert world["theirs"].number not in response.content.decode()


def test_the_privacy_page_downloads_the_same_export(world: dict[str, Any]) -> None:
    client = Client()
    client.force_login(world["jane"])
    page = client.get("/account/privacy/")
    assert page.status_code == 200 and "Download my data" in page.content.decode()
    download = client.get("/account/privacy/export/")
    assert download["Content-Disposition"].startswith("attachment")
    data = json.loads(download.content)
    assert [o["number"] for o in data["orders"]] == [world["mine"].number]
    assert OTHER not in download.content.decode()


def test_signed_out_gets_neither_export_nor_deletion() -> None:
    assert APIClient().get("/api/account/export/").status_code in (401, 403)
    assert APIClient().delete("/api/account/").status_code in (401, 403)
    assert Client().get("/account/privacy/").status_code == 302


def test_deletion_erases_the_person_and_keeps_the_orders_for_the_books(
    world: dict[str, Any],
) -> None:
    jane, mine = world["jane"], world["mine"]
    lines = list(OrderLine.objects.filter(order=mine).values_list("name", "total_amount"))
    other = Client()
    other.force_login(jane)  # a second session of the same account
    assert world["client"].delete("/api/account/").status_code == 204
    assert not get_user_model().objects.filter(pk=jane.pk).exists()
    assert not EmailAddress.objects.filter(email__iexact=JANE).exists()
    kept = Order.objects.get(pk=mine.pk)
    assert (kept.email, kept.customer_email, kept.address_line1, kept.city) == ("", "", "", "")
    assert (kept.phone, kept.region, kept.country) == ("", "OR", "US")
    assert kept.name == privacy.ERASED_NAME and kept.user is None
    assert (kept.total_amount, kept.created_at) == (mine.total_amount, mine.created_at)
    assert list(OrderLine.objects.filter(order=mine).values_list("name", "total_amount")) == lines
    assert not kept.token_matches(mine.access_token)
    assert not Entry.objects.filter(email_normalized=JANE).exists()
    assert not Subscription.objects.filter(email_normalized=JANE).exists()
    assert not Reminder.objects.filter(email_normalized=JANE).exists()
    assert not SavedRoutine.objects.exists()
    assert not OutboxMessage.objects.filter(recipient__iexact=JANE).exists()
    # Nobody else's data moved.
    theirs = Order.objects.get(pk=world["theirs"].pk)
    assert (theirs.email, theirs.address_line1) == (OTHER, "12 Rose Street")
    assert Entry.objects.filter(email_normalized=OTHER).count() == 1
    assert Subscription.objects.filter(email_normalized=OTHER).count() == 1
    # Every session of the account is over, and the address is free for a new account.
    assert world["client"].get("/api/account/").status_code in (401, 403)
    assert other.get("/account/").status_code == 302
    signup = APIClient().post(
        "/api/account/signup/", {"email": JANE, "password": "another-long-pass-456"}, format="json"
    )
    assert signup.status_code == 201
    assert get_user_model().objects.filter(email__iexact=JANE).exists()


def test_deletion_anonymises_the_promo_code_use_of_its_orders() -> None:
    jane = person(JANE)
    placed = OrderFactory(email=JANE, customer_email=JANE, user=jane)
    code = PromoCodeFactory()
    Redemption.objects.create(
        code=code, promotion=code.promotion, order=placed, customer_email=JANE, user=jane
    )
    privacy.account_erase(user=jane)
    used = Redemption.objects.get(order=placed)
    assert (used.customer_email, used.user_id) == (erased_email_key(JANE), None)
    assert JANE not in used.customer_email and "jane" not in used.customer_email


def coded_cart(client: APIClient) -> str:
    cart_id = new_cart(client, ROUTINE_ITEM)
    applied = client.post(f"/api/carts/{cart_id}/promo/", {"code": "ONCE"}, format="json")
    assert applied.status_code == 200, applied.content
    return cart_id


def test_closing_the_account_does_not_buy_the_mailbox_a_one_per_customer_code_again() -> None:
    """Use the code, close the account, come back as a guest (or a new account) with the same
    mailbox, however spelled: the erased use still counts."""
    make_catalog()
    PromoCodeFactory(code="ONCE", promotion=PromotionFactory(per_customer_limit=1))
    jane = person(JANE)
    client = as_user(jane)
    body = checkout_body(email=JANE)
    first = check_out(client, coded_cart(client), body)
    assert first.status_code == 201, first.content
    privacy.account_erase(user=jane)
    assert not Redemption.objects.filter(customer_email=JANE).exists()

    guest = APIClient()
    again = check_out(guest, coded_cart(guest), checkout_body(email="JANE@example.com"))
    assert again.status_code == 409, again.content
    assert again.json()["code"] == "promo_customer_limit"
    stranger = APIClient()
    other = check_out(stranger, coded_cart(stranger), checkout_body(email=OTHER))
    assert other.status_code == 201, other.content


def test_an_entrant_of_a_drawn_giveaway_is_anonymised_and_the_draw_still_verifies(
    tmp_path: Path,
) -> None:
    jane = person(JANE)
    giveaway = closed_giveaway(entries=6, alternates_count=2)
    entry = EntryFactory(giveaway=giveaway, email=JANE, name="Jane Doe", comment="Love it")
    result = draw.giveaway_draw(giveaway=giveaway)
    published = APIClient().get(f"/api/giveaways/{giveaway.slug}/draw/").json()
    assert any(row["id"] == entry.pk for row in published["entries"])
    privacy.account_erase(user=jane)
    entry.refresh_from_db()
    assert (entry.email, entry.comment, entry.name) == ("", "", privacy.ERASED_NAME)
    assert entry.email_normalized != JANE
    assert entry.status in (Entry.Status.WINNER, Entry.Status.ALTERNATE, Entry.Status.CONFIRMED)
    after = APIClient().get(f"/api/giveaways/{giveaway.slug}/draw/").json()
    assert after == published == result.proof
    done = run_verifier(after, tmp_path)
    assert done.returncode == 0, done.stderr


def test_the_suppression_list_keeps_honouring_an_unsubscribe() -> None:
    jane = person(JANE)
    Suppression.objects.create(email=JANE, reason=Suppression.Reason.UNSUBSCRIBED)
    privacy.account_erase(user=jane)
    assert Suppression.objects.filter(email=JANE).exists()


def test_a_failure_half_way_writes_nothing(
    world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(emails: list[str]) -> int:
        raise RuntimeError("disk full")

    monkeypatch.setattr(privacy, "_entries_erase", broken)
    with pytest.raises(RuntimeError):
        privacy.account_erase(user=world["jane"])
    kept = Order.objects.get(pk=world["mine"].pk)
    assert (kept.email, kept.address_line1) == (JANE, "12 Rose Street")
    assert kept.user_id == world["jane"].pk
    assert OutboxMessage.objects.filter(recipient__iexact=JANE).exists()
    assert get_user_model().objects.filter(pk=world["jane"].pk).exists()


def test_the_page_asks_for_the_password_before_deleting(world: dict[str, Any]) -> None:
    client = Client()
    client.force_login(world["jane"])
    wrong = client.post("/account/privacy/", {"confirm": "not-my-password"})
    assert wrong.status_code == 400
    assert "That is not your password" in wrong.content.decode()
    assert get_user_model().objects.filter(pk=world["jane"].pk).exists()
    done = client.post("/account/privacy/", {"confirm": PASSWORD})
    assert (done.status_code, done["Location"]) == (302, "/")
    assert not get_user_model().objects.filter(pk=world["jane"].pk).exists()
    assert client.get("/account/privacy/").status_code == 302  # signed out


def test_an_account_without_a_password_confirms_by_typing_delete() -> None:
    jane = person(JANE)
    jane.set_unusable_password()
    jane.save()
    client = Client()
    client.force_login(jane)
    assert client.post("/account/privacy/", {"confirm": "delete it"}).status_code == 400
    assert client.post("/account/privacy/", {"confirm": "DELETE"}).status_code == 302
    assert not get_user_model().objects.filter(pk=jane.pk).exists()


def test_deleting_needs_the_csrf_token() -> None:
    jane = person(JANE)
    assert as_user(jane, csrf=True).delete("/api/account/").status_code == 403
    assert get_user_model().objects.filter(pk=jane.pk).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_deletions_at_once_erase_once_without_an_error() -> None:
    make_catalog()
    jane = person(JANE)
    mine = bought(as_user(jane), JANE)
    EntryFactory(email=JANE)
    clients = [as_user(jane), as_user(jane)]
    results = race(2, lambda i: clients[i].delete("/api/account/").status_code)
    # The later one waits for the first's lock and finds nothing left (204), or, when it
    # starts after the first committed, is no longer signed in (403); never a 500.
    assert results.count(204) >= 1 and set(results) <= {204, 403}, results
    assert not get_user_model().objects.filter(pk=jane.pk).exists()
    kept = Order.objects.get(pk=mine.pk)
    assert (kept.email, kept.total_amount) == ("", mine.total_amount)
    assert not Entry.objects.exists()


def test_erasing_an_account_that_is_already_gone_changes_nothing() -> None:
    jane = person(JANE)
    privacy.account_erase(user=jane)
    assert privacy.account_erase(user=jane) == {}


def test_the_admins_history_of_the_user_no_longer_names_them(staff_user: Any) -> None:
    jane = person(JANE)
    LogEntry.objects.create(
        user=staff_user,
        content_type=ContentType.objects.get_for_model(jane),
        object_id=str(jane.pk),
        object_repr=str(jane),
        action_flag=CHANGE,
        change_message="Changed email.",
    )
    privacy.account_erase(user=jane)
    entry = LogEntry.objects.get()
    assert (entry.object_repr, entry.change_message) == (privacy.ERASED_NAME, "")
