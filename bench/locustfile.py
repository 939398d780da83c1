"""HTTP load mix for `bench/bench_load_http.py`: browse, build a routine kit, fill a cart.

Paths are the contract's (../shared/API.md) plus the storefront pages. Every request that is
not a 2xx counts as an error except the 4xx a scenario expects (e.g. an out-of-stock 409).
"""

from __future__ import annotations

import random

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
        self.client.get(f"/kits/routines/{ROUTINE}/", name="page: kit builder")
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
