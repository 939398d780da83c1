"""POST /api/quote/ through the whole Django stack, against a trivial DRF POST (the floor).

Two cart shapes at 1, 7, 50 and 200 lines: products only, and mixed carts of products, the
seven-piece kit and the three-step routine (every loader runs). Every quote carries the demo
code PORES15: a real code, because an unknown one counts as a guess and the promo-attempt
throttle answers 429 after 100 of them, which is the throttle working, not a quote.
The floor gets a JSON body of the same size, so parsing costs the same on both sides.
"""

from __future__ import annotations

import json
from typing import Any

from django.test import Client, override_settings

from bench.timing import count_queries, measure, record

ROUTINE = {
    "routine": "three-steps-to-refined-pores",
    "selections": ["citrus-facial-wash", "face-firming-toner", "ceramic-skin-smoother"],
}
KIT = {"kit": "seven-piece-collection"}
CODE = "PORES15"
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
    "serum-prep",
    "high-potency-eye-treatment",
]


def products_cart(lines: int) -> list[dict[str, Any]]:
    return [{"product": PRODUCTS[i % len(PRODUCTS)], "quantity": 1 + i % 3} for i in range(lines)]


def mixed_cart(lines: int) -> list[dict[str, Any]]:
    """One kit and one routine in every seven lines, products for the rest (7 lines: 5+1+1)."""
    items: list[dict[str, Any]] = []
    for i in range(lines):
        slot = i % 7
        if lines > 1 and slot == 5:
            items.append({**KIT, "quantity": 1})
        elif lines > 1 and slot == 6:
            items.append({**ROUTINE, "quantity": 1})
        else:
            items.append({"product": PRODUCTS[i % len(PRODUCTS)], "quantity": 1 + i % 3})
    return items


def run() -> list[dict[str, Any]]:
    rows = []
    with override_settings(ROOT_URLCONF="bench.urls", DEBUG=False):
        client = Client()

        def post(url: str, body: str) -> Any:
            response = client.post(url, body, content_type="application/json")
            assert response.status_code == 200, response.content[:500]
            return response

        for shape, cart in (("products", products_cart), ("mixed", mixed_cart)):
            for lines in (1, 7, 50, 200):
                body = json.dumps({"items": cart(lines), "promo_code": CODE})
                floor = record(
                    f"floor POST {lines} lines ({shape} body)",
                    measure(lambda body=body: post("/bench/floor/", body)),
                )
                queries = count_queries(lambda body=body: post("/api/quote/", body))
                rows.append(floor)
                rows.append(
                    record(
                        f"api.quote {lines} lines ({shape})",
                        measure(lambda body=body: post("/api/quote/", body)),
                        floor=floor,
                        queries=queries,
                    )
                )
    return rows
