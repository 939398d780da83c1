"""The kit and routine rules on plain data: stock, selection messages, ingredient conflicts."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kits.rules import (
    ConflictInfo,
    KitInfo,
    PartInfo,
    RoutineInfo,
    SlotInfo,
    TierInfo,
    conflict_warnings,
    kit_available,
    kit_problem,
    kit_stock,
    selection_check,
)
from shop.catalog.selectors import ProductInfo

_ids = iter(range(1, 10_000))


def product(slug: str, step: str, price: str = "20.00", *, stock: int = 10, active: bool = True):
    name = slug.replace("-", " ").title()
    return ProductInfo(next(_ids), slug, name, Decimal(price), step, active, stock)


def kit(components, gifts=(), *, active: bool = True) -> KitInfo:
    return KitInfo(
        1,
        "kit",
        "The kit",
        Decimal("50.00"),
        active,
        tuple(PartInfo(p, q) for p, q in components),
        tuple(PartInfo(p, q) for p, q in gifts),
    )


# -- kits ------------------------------------------------------------------------------------


def test_kit_stock_is_whole_kits_the_scarcest_component_allows() -> None:
    wash = product("wash", "cleanse", stock=10)
    toner = product("toner", "tone", stock=7)
    assert kit_stock(kit([(wash, 1), (toner, 1)])) == 7
    assert kit_stock(kit([(wash, 3), (toner, 1)])) == 3  # 10 // 3
    assert kit_stock(kit([(wash, 11)])) == 0


def test_gifts_never_block_a_kit() -> None:
    wash = product("wash", "cleanse", stock=10)
    gift_gone = product("serum", "extra", stock=0)
    gift_retired = product("eye", "extra", stock=5, active=False)
    item = kit([(wash, 2)], [(gift_gone, 1), (gift_retired, 4)])
    assert kit_stock(item) == 5
    assert kit_problem(item) is None
    assert kit_available(item)


def test_an_inactive_or_missing_component_makes_the_kit_unavailable() -> None:
    wash = product("wash", "cleanse", stock=10)
    retired = product("old-toner", "tone", stock=50, active=False)
    item = kit([(wash, 1), (retired, 1)])
    assert kit_stock(item) == 0
    assert kit_problem(item) == "The kit is not available: Old Toner is no longer sold."
    assert not kit_available(item)
    empty = kit([])
    assert kit_stock(empty) == 0
    assert kit_problem(empty) == "The kit has no products yet."
    assert kit_problem(kit([(wash, 1)], active=False)) == "The kit is no longer sold."


def test_an_out_of_stock_kit_is_sellable_later_but_not_available_now() -> None:
    item = kit([(product("wash", "cleanse", stock=0), 1)])
    assert kit_problem(item) is None
    assert kit_stock(item) == 0
    assert not kit_available(item)


# -- routine selections -------------------------------------------------------------------------

WASH = product("citrus-facial-wash", "cleanse", "22.00")
ACNE_WASH = product("pore-refining-acne-cleanser", "cleanse", "20.00")
TONER = product("face-firming-toner", "tone", "24.00")
CLEAR_TONER = product("skin-clear-toner", "tone", "22.00")
SMOOTHER = product("ceramic-skin-smoother", "renew", "28.00")
FIRMING = product("advanced-face-firming", "renew", "38.00")
PORE = product("enlarged-pore-treatment", "renew", "26.00")
PRIMER = product("foundation-primer", "prime", "24.00")
RETIRED = product("retired-wash", "cleanse", active=False)
SERUM = product("serum-prep", "extra", "30.00")
PRODUCTS = {
    p.slug: p
    for p in (WASH, ACNE_WASH, TONER, CLEAR_TONER, SMOOTHER, FIRMING, PORE, PRIMER, RETIRED, SERUM)
}


def slot(step, name, *, required=True, low=1, high=1, label="", plural="", products=None):
    return SlotInfo(step, name, 0, required, low, high, label, plural, products)


ROUTINE = RoutineInfo(
    1,
    "three-steps",
    "Three steps",
    True,
    (
        slot("cleanse", "Cleanse", label="cleanser"),
        slot("tone", "Tone", label="toner", products=frozenset({"face-firming-toner"})),
        slot("renew", "Renew", low=2, high=3, label="renew product"),
        slot("prime", "Primer", required=False, low=0, high=1, label="primer"),
    ),
    (TierInfo(3, Decimal("10")), TierInfo(5, Decimal("15"))),
)


def messages(selections=(), by_slot=None, routine=ROUTINE):
    result = selection_check(
        routine=routine, products=PRODUCTS, selections=selections, by_slot=by_slot
    )
    return [(p.slot, p.message) for p in result.problems]


VALID = [
    "citrus-facial-wash",
    "face-firming-toner",
    "ceramic-skin-smoother",
    "enlarged-pore-treatment",
]


@pytest.mark.parametrize(
    ("selections", "expected"),
    [
        (VALID, []),
        ([*VALID, "foundation-primer"], []),
        (
            VALID[1:],
            [("cleanse", "Choose one cleanser.")],
        ),
        (
            ["citrus-facial-wash", "face-firming-toner", "ceramic-skin-smoother"],
            [("renew", "Choose at least 2 renew products.")],
        ),
        (
            [*VALID, "advanced-face-firming", "ceramic-skin-smoother"],
            [("renew", "Ceramic Skin Smoother is chosen twice.")],
        ),
        (
            [*VALID, "pore-refining-acne-cleanser"],
            [("cleanse", "Cleanser allows at most 1 product.")],
        ),
        (
            [
                "citrus-facial-wash",
                "skin-clear-toner",
                "ceramic-skin-smoother",
                "advanced-face-firming",
            ],
            [
                ("tone", "Skin Clear Toner is not one of the toners in Three steps."),
                ("tone", "Choose one toner."),
            ],
        ),
        (
            [*VALID, "serum-prep"],
            [(None, "Serum Prep is not part of Three steps.")],
        ),
        (
            [*VALID, "no-such-thing"],
            [(None, 'No product is called "no-such-thing".')],
        ),
        (
            ["retired-wash", *VALID[1:]],
            [
                ("cleanse", "Retired Wash is no longer sold."),
                ("cleanse", "Choose one cleanser."),
            ],
        ),
        (
            [],
            [
                ("cleanse", "Choose one cleanser."),
                ("tone", "Choose one toner."),
                ("renew", "Choose at least 2 renew products."),
            ],
        ),
    ],
    ids=[
        "valid",
        "valid-with-optional",
        "missing-cleanser",
        "too-few-renew",
        "duplicate",
        "too-many",
        "narrowed-out",
        "no-slot",
        "unknown",
        "inactive",
        "empty",
    ],
)
def test_selection_messages_name_the_slot_and_the_rule(selections, expected) -> None:
    assert messages(selections) == expected


def test_a_product_chosen_for_another_step_is_not_that_kind_of_product() -> None:
    by_slot = {
        "cleanse": ["citrus-facial-wash"],
        "tone": ["ceramic-skin-smoother"],
        "renew": ["advanced-face-firming", "enlarged-pore-treatment"],
    }
    assert messages(by_slot=by_slot) == [
        ("tone", "Ceramic Skin Smoother is not a toner."),
        ("tone", "Choose one toner."),
    ]


def test_optional_slots_may_be_empty_but_not_half_filled() -> None:
    routine = RoutineInfo(
        2,
        "r",
        "R",
        True,
        (
            slot("cleanse", "Cleanse", label="cleanser"),
            slot("renew", "Renew", required=False, low=2, high=2, label="treatment"),
        ),
        (),
    )
    assert messages(["citrus-facial-wash"], routine=routine) == []
    assert messages(["citrus-facial-wash", "ceramic-skin-smoother"], routine=routine) == [
        ("renew", "Choose 2 treatments, or none.")
    ]


@pytest.mark.parametrize(
    ("low", "high", "label", "plural", "message"),
    [
        (1, 1, "cleanser", "", "Choose one cleanser."),
        (1, 3, "cleanser", "", "Choose at least one cleanser."),
        (2, 2, "serum", "", "Choose 2 serums."),
        (2, 4, "renew product", "", "Choose at least 2 renew products."),
        (2, 4, "eye treatment", "eye treatments", "Choose at least 2 eye treatments."),
        (1, 1, "", "", "Choose one cleanse."),  # no label: the step name
    ],
)
def test_missing_messages_follow_min_and_max(low, high, label, plural, message) -> None:
    routine = RoutineInfo(
        3,
        "r",
        "R",
        True,
        (slot("cleanse", "Cleanse", low=low, high=high, label=label, plural=plural),),
        (),
    )
    assert messages([], routine=routine) == [("cleanse", message)]


def test_valid_selection_is_sorted_into_slots_in_routine_order() -> None:
    result = selection_check(
        routine=ROUTINE,
        products=PRODUCTS,
        selections=[
            "enlarged-pore-treatment",
            "face-firming-toner",
            "citrus-facial-wash",
            "ceramic-skin-smoother",
        ],
    )
    assert result.valid
    assert [p.slug for p in result.products] == [
        "citrus-facial-wash",
        "face-firming-toner",
        "enlarged-pore-treatment",
        "ceramic-skin-smoother",
    ]
    assert result.chosen["prime"] == ()


def test_an_empty_narrowed_list_offers_every_active_product_of_the_step() -> None:
    open_slot = slot("cleanse", "Cleanse")
    assert open_slot.offers(WASH) and open_slot.offers(ACNE_WASH)
    assert not open_slot.offers(RETIRED)
    assert not open_slot.offers(TONER)
    narrowed = slot("cleanse", "Cleanse", products=frozenset({"citrus-facial-wash"}))
    assert narrowed.offers(WASH) and not narrowed.offers(ACNE_WASH)


# -- ingredient conflicts -------------------------------------------------------------------

CONFLICTS = [
    ConflictInfo(
        "salicylic-acid",
        "Salicylic acid",
        "glycolic-acid",
        "Glycolic acid",
        "Two exfoliating acids",
        "Alternate them.",
    ),
    ConflictInfo(
        "retinol", "Retinol", "benzoyl-peroxide", "Benzoyl peroxide", "Retinol with BP", "No."
    ),
]
INGREDIENTS = {
    "face-firming-toner": ["salicylic-acid", "dmae"],
    "ceramic-skin-smoother": ["glycolic-acid"],
    "enlarged-pore-treatment": ["retinol"],
    "pore-refining-acne-cleanser": ["benzoyl-peroxide"],
    "citrus-facial-wash": ["dmae"],
    "both-in-one": ["retinol", "benzoyl-peroxide"],
}


def test_conflicting_ingredients_in_two_products_are_warned_about() -> None:
    warnings = conflict_warnings(
        products=[TONER, SMOOTHER, WASH], ingredients=INGREDIENTS, conflicts=CONFLICTS
    )
    assert [(w.title, w.products, w.ingredients) for w in warnings] == [
        (
            "Two exfoliating acids",
            ("Face Firming Toner", "Ceramic Skin Smoother"),
            ("Salicylic acid", "Glycolic acid"),
        )
    ]
    assert warnings[0].message == (
        "Two exfoliating acids: Face Firming Toner (Salicylic acid) and Ceramic Skin Smoother "
        "(Glycolic acid). Alternate them."
    )


def test_conflicts_match_whichever_way_round_the_pair_was_entered() -> None:
    warnings = conflict_warnings(
        products=[ACNE_WASH, PORE], ingredients=INGREDIENTS, conflicts=CONFLICTS
    )
    assert [(w.products, w.ingredients) for w in warnings] == [
        (
            ("Enlarged Pore Treatment", "Pore Refining Acne Cleanser"),
            ("Retinol", "Benzoyl peroxide"),
        )
    ]


def test_one_product_holding_both_ingredients_is_not_layering() -> None:
    both = product("both-in-one", "renew")
    assert conflict_warnings(products=[both], ingredients=INGREDIENTS, conflicts=CONFLICTS) == []
    assert (
        conflict_warnings(products=[WASH, TONER], ingredients=INGREDIENTS, conflicts=CONFLICTS)
        == []
    )


def test_warnings_never_change_the_selection() -> None:
    chosen = [TONER, SMOOTHER]
    conflict_warnings(products=chosen, ingredients=INGREDIENTS, conflicts=CONFLICTS)
    assert chosen == [TONER, SMOOTHER]
