"""Demo kits: the seven-piece collection, the "Three steps to refined pores" routine, and the
ingredient pairs the builder warns about. Creates only what is missing, never overwrites."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO

from kits.models import (
    IngredientConflict,
    Kit,
    KitComponent,
    KitGift,
    Routine,
    RoutineSlot,
    RoutineTier,
)
from shop.catalog import demo_images, images
from shop.catalog.models import Ingredient, Product, Step

SEVEN_PIECE_SLUG = "seven-piece-collection"
SEVEN_PIECE_COMPONENTS = [
    "citrus-facial-wash",
    "pore-refining-acne-cleanser",
    "face-firming-toner",
    "skin-clear-toner",
    "advanced-face-firming",
    "ceramic-skin-smoother",
    "enlarged-pore-treatment",
]
SEVEN_PIECE_GIFTS = ["serum-prep", "high-potency-eye-treatment"]

ROUTINE_SLUG = "three-steps-to-refined-pores"
# (step, required, min, max, label, label plural)
ROUTINE_SLOTS = [
    ("cleanse", True, 1, 1, "cleanser", ""),
    ("tone", True, 1, 1, "toner", ""),
    ("renew", True, 1, 2, "renew treatment", ""),
    ("prime", False, 0, 1, "primer", ""),
    ("foundation", False, 0, 1, "foundation", ""),
    ("powder", False, 0, 1, "powder", ""),
]
ROUTINE_TIERS = [(3, Decimal("10")), (5, Decimal("15"))]

CONFLICTS = [
    (
        "salicylic-acid",
        "glycolic-acid",
        "Two exfoliating acids",
        "Layering a BHA and an AHA in one routine can over-exfoliate and irritate. Use them on "
        "alternate days, or keep one of them.",
    ),
    (
        "retinol",
        "benzoyl-peroxide",
        "Retinol with benzoyl peroxide",
        "Benzoyl peroxide can break retinol down and the pair dries the skin. Use benzoyl "
        "peroxide in the morning and retinol in the evening.",
    ),
    (
        "retinol",
        "glycolic-acid",
        "Retinol with an exfoliating acid",
        "Both renew the skin's surface; together they often cause redness and peeling. "
        "Alternate evenings instead.",
    ),
]


def load() -> dict[str, int]:
    """Create the demo kits, routine and conflicts where missing; returns what was created."""
    created = {"kits": 0, "routines": 0, "ingredient conflicts": 0}
    products = {p.slug: p for p in Product.objects.all()}

    if not Kit.objects.filter(slug=SEVEN_PIECE_SLUG).exists() and all(
        slug in products for slug in SEVEN_PIECE_COMPONENTS + SEVEN_PIECE_GIFTS
    ):
        kit = Kit.objects.create(
            name="The seven-piece collection",
            slug=SEVEN_PIECE_SLUG,
            price_amount=Decimal("95.00"),
            summary="Every product of the wrinkle and pore refining kits, with two bonus "
            "treatments.",
            description="The whole pore refining and firming line: two cleansers, two toners "
            "and three renew treatments, with Serum Prep and the High Potency Eye treatment "
            "as bonus gifts.",
        )
        KitComponent.objects.bulk_create(
            KitComponent(kit=kit, product=products[slug], quantity=1, position=i)
            for i, slug in enumerate(SEVEN_PIECE_COMPONENTS)
        )
        KitGift.objects.bulk_create(
            KitGift(kit=kit, product=products[slug], quantity=1, position=i)
            for i, slug in enumerate(SEVEN_PIECE_GIFTS)
        )
        created["kits"] += 1
    for kit in Kit.objects.filter(image=""):
        pieces = kit.components.count() + kit.gifts.count()
        picture = demo_images.draw(kit.name, "kit", f"Kit · {pieces} pieces")
        images.attach(kit, BytesIO(picture), folder="kits")

    steps = {s.slug: s for s in Step.objects.all()}
    if not Routine.objects.filter(slug=ROUTINE_SLUG).exists() and all(
        slot[0] in steps for slot in ROUTINE_SLOTS
    ):
        routine = Routine.objects.create(
            name="Three steps to refined pores",
            slug=ROUTINE_SLUG,
            summary="Cleanse, tone, renew, then primer, foundation and powder if you like.",
            description="Choose a cleanser, a toner and one or two renew treatments; add the "
            "makeup steps if you wear makeup. Three products take 10% off, five take 15% off.",
        )
        for position, (step, required, low, high, label, plural) in enumerate(ROUTINE_SLOTS):
            RoutineSlot.objects.create(
                routine=routine,
                step=steps[step],
                position=position,
                required=required,
                min_items=low,
                max_items=high,
                label=label,
                label_plural=plural,
            )
        RoutineTier.objects.bulk_create(
            RoutineTier(routine=routine, min_items=count, percent_off=percent)
            for count, percent in ROUTINE_TIERS
        )
        created["routines"] += 1

    ingredients = {i.slug: i for i in Ingredient.objects.all()}
    for first, second, title, explanation in CONFLICTS:
        if first not in ingredients or second not in ingredients:
            continue
        a, b = ingredients[first], ingredients[second]
        exists = IngredientConflict.objects.filter(first=a, second=b).exists()
        if not exists and not IngredientConflict.objects.filter(first=b, second=a).exists():
            IngredientConflict.objects.create(
                first=a, second=b, title=title, explanation=explanation
            )
            created["ingredient conflicts"] += 1
    return created
