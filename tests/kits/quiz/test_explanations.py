"""The reasons the quiz gives, table-driven: one sentence per product from the rule that chose
it, and what it left out and why."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

SENSITIVE = [
    "No retinol: you said your skin is sensitive.",
    "No glycolic acid: you said your skin is sensitive.",
    "No benzoyl peroxide: you said your skin is sensitive.",
]

CASES: list[tuple[dict[str, Any], dict[str, str], list[str]]] = [
    (
        {"skin_type": "oily", "concerns": [], "sensitive": "no", "makeup": "no"},
        {
            "pore-refining-acne-cleanser": "For oily skin: zinc PCA reduces excess sebum.",
            "skin-clear-toner": "For oily skin: salicylic acid clears pores.",
            "advanced-face-firming": "For oily skin: it balances oil production.",
        },
        [],
    ),
    (
        {
            "skin_type": "dry",
            "concerns": ["fine_lines", "firmness"],
            "sensitive": "yes",
            "makeup": "no",
        },
        {
            "citrus-facial-wash": "For firmness: DMAE tightens skin and makes it more elastic.",
            "face-firming-toner": "For fine lines: alpha lipoic acid reduces lines and wrinkles.",
            "advanced-face-firming": "For dry skin: sodium hyaluronate hydrates.",
        },
        SENSITIVE,
    ),
    (
        {"skin_type": "combination", "concerns": ["breakouts"], "sensitive": "yes", "makeup": "no"},
        {
            "citrus-facial-wash": "For combination skin: it cleans the T-zone without drying "
            "the cheeks.",
            "skin-clear-toner": "For breakouts: it is made for acne-prone skin.",
            "advanced-face-firming": "Your renew treatment: smoother, firmer skin and balanced "
            "oil.",
        },
        SENSITIVE,
    ),
    (
        {"skin_type": "normal", "concerns": ["dullness"], "sensitive": "no", "makeup": "yes"},
        {
            "citrus-facial-wash": "For dull skin: vitamin C ester evens skin tone.",
            "face-firming-toner": "For normal skin: DMAE keeps skin firm and elastic.",
            "advanced-face-firming": "For normal skin: DMAE keeps skin firm and elastic.",
            "foundation-primer": "For makeup: a primer keeps makeup out of your pores.",
            "no-foundation-foundation": "For makeup: a water-based, oil-free foundation, used "
            "sparingly.",
            "finishing-powder": "For makeup: a light dusting of powder sets it.",
        },
        [],
    ),
]


@pytest.mark.parametrize(("answers", "reasons", "avoided"), CASES)
def test_each_product_comes_with_the_sentence_of_the_rule_that_chose_it(
    demo: None, answers: dict[str, Any], reasons: dict[str, str], avoided: list[str]
) -> None:
    body = APIClient().post("/api/quiz/", {"answers": answers}, format="json").json()
    assert {r["product"]: r["why"] for r in body["reasons"]} == reasons
    assert body["selections"] == list(reasons)
    assert body["avoided"] == avoided
