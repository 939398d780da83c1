"""HTTP load mix for `bench/bench_load_http.py`: browse, product pages, build a routine kit,
fill a cart, check out.

Paths are the contract's (../shared/API.md) plus the storefront pages, which are driven as a
browser drives them: the builder's live re-pricing POST (builder.js) and the add-to-cart form,
each with the CSRF token from the page it was on, and the checkout form with the test
gateway's card (the harness gives every product stock enough for the run). Every request that is
not a 2xx counts as an error, and so does a checkout that does not end on its confirmation page.
"""

from __future__ import annotations

import random
import re

from locust import HttpUser, between, task

PRODUCTS = [
    "citrus-facial-wash",
    "pore-refining-acne-cleanser",
    "face-firming-toner",
    "skin-clear-toner",
    "advanced-face-firming",
    "ceramic-skin-smoother",
    "enlarged-pore-treatment",
    "foundation-primer",
    "no-foundation-foundation",
    "finishing-powder",
]
ROUTINE = "three-steps-to-refined-pores"
SELECTIONS = [
    ["citrus-facial-wash", "face-firming-toner", "advanced-face-firming"],
    [
        "pore-refining-acne-cleanser",
        "skin-clear-toner",
        "enlarged-pore-treatment",
        "foundation-primer",
        "finishing-powder",
    ],
    ["citrus-facial-wash", "skin-clear-toner", "ceramic-skin-smoother", "foundation-primer"],
]


# The storefront checkout form (shop/checkout/forms.py) with the test gateway's accepted card.
CHECKOUT_FORM = {
    "email": "load@example.com",
    "name": "Load Shopper",
    "line1": "1 Loop St",
    "city": "Localhost",
    "postal_code": "97201",
    "country": "US",
    "region": "US-OR",
    "card_number": "4242 4242 4242 4242",
    "card_expiry": "12/34",
    "card_cvc": "123",
}

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def csrf_token(html: str) -> str:
    found = CSRF.search(html)
    return found.group(1) if found else ""


class Shopper(HttpUser):
    wait_time = between(0.1, 0.5)

    @task(5)
    def browse(self) -> None:
        self.client.get("/", name="page: home")
        self.client.get(
            "/shop/?step=" + random.choice(["cleanse", "tone", "renew"]), name="page: shop filtered"
        )
        self.client.get(f"/products/{random.choice(PRODUCTS)}/", name="page: product")
        self.client.get("/api/products/?q=firming", name="api: products search")

    @task(3)
    def build_a_routine(self) -> None:
        page = self.client.get(f"/kits/routines/{ROUTINE}/", name="page: kit builder")
        # What builder.js sends on every change: the form, answered with JSON.
        chosen = random.choice(SELECTIONS)
        self.client.post(
            f"/kits/routines/{ROUTINE}/",
            data={
                "csrfmiddlewaretoken": csrf_token(page.text),
                "step-cleanse": chosen[0],
                "step-tone": chosen[1],
                "step-renew": chosen[2],
            },
            headers={"X-Requested-With": "fetch", "Accept": "application/json"},
            name="page: kit builder live price",
        )
        body = {
            "items": [{"routine": ROUTINE, "selections": random.choice(SELECTIONS), "quantity": 1}]
        }
        self.client.post("/api/quote/", json=body, name="api: quote routine")

    @task(2)
    def fill_a_cart(self) -> None:
        response = self.client.post("/api/carts/", json={}, name="api: cart create")
        if response.status_code != 201:
            return
        cart = response.json()["id"]
        self.client.post(
            f"/api/carts/{cart}/items/",
            json={"kit": "seven-piece-collection", "quantity": 1},
            name="api: cart add kit",
        )
        self.client.post(
            f"/api/carts/{cart}/items/",
            json={"routine": ROUTINE, "selections": random.choice(SELECTIONS), "quantity": 1},
            name="api: cart add routine",
        )
        self.client.get(f"/api/carts/{cart}/", name="api: cart get")

    def new_visitor_adds_the_collection(self) -> None:
        """A new visitor (no cookies) adds the collection from its page with the form."""
        self.client.cookies.clear()
        page = self.client.get("/kits/seven-piece-collection/", name="page: kit")
        self.client.post(
            "/cart/add/",
            data={
                "csrfmiddlewaretoken": csrf_token(page.text),
                "kit": "seven-piece-collection",
                "quantity": "1",
            },
            name="page: cart add (redirects to the cart)",
        )

    @task(2)
    def storefront_cart(self) -> None:
        """A new visitor adds the collection from its page and opens the cart."""
        self.new_visitor_adds_the_collection()
        self.client.get("/cart/", name="page: cart")

    @task(1)
    def storefront_checkout(self) -> None:
        """A new visitor adds the collection, opens the checkout form and places the order."""
        self.new_visitor_adds_the_collection()
        form = self.client.get("/checkout/", name="page: checkout form")
        with self.client.post(
            "/checkout/",
            data={"csrfmiddlewaretoken": csrf_token(form.text), **CHECKOUT_FORM},
            name="page: checkout (redirects to the confirmation)",
            catch_response=True,
        ) as placed:
            if "/checkout/confirmation/" not in placed.url:
                placed.failure(f"ended on {placed.url} ({placed.status_code}), not a confirmation")
