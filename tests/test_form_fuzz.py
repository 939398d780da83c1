"""Storefront form fuzzing: Hypothesis posts hostile values to every storefront form.

Each form gets odd digits (`²`, Arabic-Indic, fullwidth), NUL, RTL overrides, combining marks,
huge text, numbers that are not numbers (1e999, NaN, -1, 5000 digits), lists where one value
is expected and fields left out, through the Django test client (CSRF checks off: the CSRF test
is tests/test_security.py). Every answer must be below 500, and every error a form carries must
be on the page next to its field (or, for the forms that redirect, in the page's messages).
Invalid UTF-8 and bodies over the size limit are sent to every form too.

The counts (forms, examples, requests, run time) are in docs/OPERATIONS.md, "Fuzzing".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import pytest
from django.forms import BaseForm
from django.test import Client
from django.utils import timezone
from django.utils.html import conditional_escape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from promotions.reminders.links import manage_token
from shop.cart.models import CartItem
from tests.conftest import cache_clear
from tests.factories import EntryFactory, GiveawayFactory, SubscriptionFactory
from tests.shop.checkout_helpers import checkout_form, make_catalog

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

EXAMPLES = 60  # per form; 15 forms → 900 generated requests, plus the fixed ones below

# Values no form expects, each a past or plausible cause of a 500.
HOSTILE = [
    "²",  # isdigit() is true, int() fails
    "٣",  # Arabic-Indic three: int() takes it, the form should not
    "１２",  # fullwidth
    "-1",
    "0",
    "1.5",
    "1e999",
    "NaN",
    "Infinity",
    "99999999999999999999",
    "1" * 5000,  # int() refuses over 4300 digits
    "",
    " ",
    "\x00",
    "a\x00b",
    "\u202eevil",  # right-to-left override
    "e\u0301\u0301\u0301",  # combining marks
    "\ufeff",
    "\U0001f600",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "x" * 100_000,
    '"jane.doe"@gmail.com',
    "a@b",
    "25:61",
    "Mars/Olympus",
    "../../etc/passwd",
]


def fuzz_settings(examples: int) -> settings:
    """Hypothesis settings of every fuzz here: the same examples on every run (derandomize, no
    example database), no deadline (a request may be slow on a busy machine)."""
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )


value = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=40))
values = st.one_of(value, st.lists(value, min_size=2, max_size=3))  # a list: repeated fields


@dataclass
class Form:
    """A storefront form: where it posts, its fields, and the valid values to start from."""

    name: str
    url: Callable[[Site], str]
    fields: dict[str, str]
    method: str = "post"
    setup: Callable[[Site, Client], None] = field(default=lambda site, client: None)


@dataclass
class Site:
    item_id: int
    giveaway: str
    claim_token: str
    manage_token: str
    subscription_id: int
    confirm_token: str


def _with_cart(site: Site, client: Client) -> None:
    response = client.post("/cart/add/", {"product": "wash", "quantity": "1"})
    assert response.status_code == 302


CHECKOUT = checkout_form()

FORMS = [
    Form(
        "cart add",
        lambda s: "/cart/add/",
        {"product": "wash", "quantity": "1", "kit": "duo", "routine": "basic", "next": "/cart/"},
    ),
    Form(
        "cart add routine",
        lambda s: "/cart/add/",
        {"routine": "basic", "selections": "wash", "step-tone": "toner", "quantity": "1"},
    ),
    Form(
        "cart line change",
        lambda s: f"/cart/items/{s.item_id}/",
        {"quantity": "2", "remove": ""},
        setup=_with_cart,
    ),
    Form("promo code box", lambda s: "/cart/promo/", {"code": "PORES15"}, setup=_with_cart),
    Form("checkout", lambda s: "/checkout/", CHECKOUT, setup=_with_cart),
    Form(
        "kit builder",
        lambda s: "/kits/routines/basic/",
        {"step-cleanse": "wash", "step-tone": "toner", "step-renew": "serum"},
    ),
    Form("kit builder preselect", lambda s: "/kits/routines/basic/", {"select": "wash"}, "get"),
    Form(
        "giveaway entry",
        lambda s: f"/giveaways/{s.giveaway}/",
        {
            "name": "Ana",
            "email": "ana@example.com",
            "comment": "Hi",
            "country": "US",
            "age_confirmed": "on",
            "news": "on",
        },
    ),
    Form(
        "prize claim",
        lambda s: f"/giveaways/claim/{s.claim_token}/",
        {
            "full_name": "Ana Lima",
            "line1": "12 Rose Street",
            "city": "Portland",
            "postal_code": "97201",
            "country": "US",
            "age_confirmed": "on",
        },
    ),
    Form(
        "reminder sign-up",
        lambda s: "/reminders/",
        {
            "email": "ana@example.com",
            "kind": "routine_evening",
            "local_time": "21:00",
            "timezone": "Europe/Paris",
        },
    ),
    Form(
        "reminder manage",
        lambda s: f"/reminders/manage/{s.manage_token}/",
        {
            "subscription": "{subscription_id}",
            "action": "save",
            "local_time": "08:00",
            "timezone": "UTC",
        },
    ),
    Form("reminder confirm", lambda s: f"/reminders/confirm/{s.confirm_token}/", {"x": "1"}),
    Form(
        "account sign-in",
        lambda s: "/account/login/",
        {"login": "ana@example.com", "password": "not-the-password", "remember": "on"},
    ),
    Form(
        "account sign-up",
        lambda s: "/account/signup/",
        {"email": "new@example.com", "password1": "a-long-passphrase-9", "name": "Ana"},
    ),
    Form("password reset", lambda s: "/account/password/reset/", {"email": "ana@example.com"}),
    Form("order lookup", lambda s: "/orders/", {"number": "RP-1", "token": "abc"}, "get"),
    Form(
        "product filter",
        lambda s: "/shop/",
        {"q": "serum", "step": "renew", "concern": "", "ingredient": "", "page": "1"},
        "get",
    ),
]

# Links that carry a signed token or an id in the path (restock, manage, confirm, claim,
# unsubscribe, order pages): a forged or garbled one is a page, not a 500.
TOKEN_PATHS = [
    "/reminders/restock/{}/",
    "/reminders/manage/{}/",
    "/reminders/confirm/{}/",
    "/giveaways/claim/{}/",
    "/giveaways/confirm/{}/",
    "/email/unsubscribe/{}/",
    "/orders/{}/",
    "/cart/items/{}/",
    "/checkout/confirmation/{}/",
    "/quiz/{}/",
    "/quiz/{}/cart/",
]


@pytest.fixture
def site(db: Any) -> Site:
    make_catalog()
    giveaway = GiveawayFactory(slug="glow", countries=["US", "FR"], min_age=18)
    winner = EntryFactory(
        giveaway=GiveawayFactory(slug="done", countries=["US"]),
        status="winner",
        claim="awaiting",
        claim_deadline=timezone.now() + timedelta(days=7),
    )
    subscription = SubscriptionFactory(email="ana@example.com")
    pending = SubscriptionFactory(email="bo@example.com", confirmed_at=None)
    return Site(
        item_id=0,
        giveaway=giveaway.slug,
        claim_token=winner.claim_token,
        manage_token=manage_token("ana@example.com"),
        subscription_id=subscription.pk,
        confirm_token=pending.confirm_token,
    )


def _rendered_errors_are_shown(response: Any) -> None:
    """Every error of every form in the page's context, and every message, is on the page."""
    if response.status_code >= 300 or not response.context:
        return
    page = response.content.decode()
    names = response.context.keys()  # a ContextList: iterating it yields contexts, not names
    for name in names:
        form = response.context.get(name)
        if isinstance(form, BaseForm) and form.is_bound:
            for messages in form.errors.values():
                for message in messages:
                    assert conditional_escape(message) in page, f"{message!r} is not on the page"
    for message in response.context.get("messages") or []:
        assert conditional_escape(message.message) in page, f"{message!r} is not on the page"
    for question in response.context.get("questions") or []:  # the quiz: errors per question
        for message in question.get("errors", []):
            assert conditional_escape(message) in page, f"{message!r} is not on the page"


def _send(client: Client, form: Form, url: str, data: dict[str, Any]) -> Any:
    send = client.get if form.method == "get" else client.post
    response = send(url, data, follow=True)
    assert response.status_code < 500, f"{form.name}: {response.status_code} for {data!r}"
    _rendered_errors_are_shown(response)
    return response


def _prepare(form: Form, site: Site) -> tuple[Client, str]:
    cache_clear()  # throttles and the promo guard start afresh: deeper paths get reached
    client = Client(raise_request_exception=True)
    form.setup(site, client)
    item = CartItem.objects.order_by("-pk").first()
    site.item_id = item.pk if item else 0
    return client, form.url(site)


def _fuzz(form: Form, site: Site) -> None:
    @given(
        data=st.fixed_dictionaries(
            {}, optional={name: values for name in form.fields} | {"unexpected": values}
        ),
        keep=st.sets(st.sampled_from(sorted(form.fields))),
    )
    @fuzz_settings(EXAMPLES)
    def fuzz(data: dict[str, Any], keep: set[str]) -> None:
        client, url = _prepare(form, site)
        # Start from the valid form and spoil some fields: the checks past the first field run.
        sent = {name: form.fields[name].format(**vars(site)) for name in keep} | data
        _send(client, form, url, sent)

    fuzz()


@pytest.mark.parametrize("form", FORMS, ids=lambda f: f.name)
def test_every_form_answers_hostile_values_without_a_server_error(form: Form, site: Site) -> None:
    _fuzz(form, site)


QUIZ = Form(
    "routine quiz",
    lambda s: "/quiz/",
    {"skin_type": "oily", "concerns": "pores", "sensitive": "no", "makeup": "yes"},
)


def test_the_quiz_form_answers_hostile_values_without_a_server_error(
    demo: None, site: Site
) -> None:
    """The quiz needs the demo's questions and products; its errors are per question."""
    _fuzz(QUIZ, site)


@pytest.mark.parametrize("form", FORMS, ids=lambda f: f.name)
def test_every_form_answers_invalid_utf8_and_oversized_bodies(form: Form, site: Site) -> None:
    client, url = _prepare(form, site)
    fields = "&".join(f"{name}=%ED%A0%80%FF%C0%AF" for name in form.fields)  # not UTF-8
    if form.method == "get":
        response = client.get(f"{url}?{fields}", follow=True)
    else:
        response = client.post(
            url, fields, content_type="application/x-www-form-urlencoded", follow=True
        )
    assert response.status_code < 500
    _rendered_errors_are_shown(response)
    if form.method == "post":
        big = client.post(
            url,
            "x=" + "y" * (3 * 1024 * 1024),
            content_type="application/x-www-form-urlencoded",
        )
        assert big.status_code == 413


@given(token=value, path=st.sampled_from(TOKEN_PATHS), post=st.booleans())
@fuzz_settings(EXAMPLES * 2)
def test_links_answer_forged_and_garbled_tokens_without_a_server_error(
    site: Site, token: str, path: str, post: bool
) -> None:
    cache_clear()
    client = Client(raise_request_exception=True)
    url = path.format(quote(token[:2000], safe="") or "x")
    response = (client.post if post else client.get)(url, {"quantity": token[:50]}, follow=True)
    assert response.status_code < 500
    _rendered_errors_are_shown(response)
