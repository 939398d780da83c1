"""Demo catalog from the brand's domain (see DOMAIN.md): steps, concerns, ingredients, products.

Loading only creates what is missing and never overwrites, so a merchandiser's edits survive
`make run` and running it twice changes nothing.
"""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO

from shop.catalog import demo_images, gallery, images
from shop.catalog.models import Concern, Ingredient, Product, ProductIngredient, Step
from shop.catalog.price_history import price_changes_by

STEPS = [
    (
        "cleanse",
        "Cleanse",
        1,
        False,
        "A gentle wash once or twice a day.",
        "Wash once or twice a day, no more: over-washing strips the skin's protective oil and it "
        "answers with more oil.",
    ),
    (
        "tone",
        "Tone",
        2,
        False,
        "Lifts the last traces of dirt and makeup.",
        "Toner removes what the cleanser left behind; its active ingredients firm the skin and "
        "make pores more elastic.",
    ),
    (
        "renew",
        "Renew",
        3,
        False,
        "Smoother, firmer skin and balanced oil.",
        "A treatment that smooths and firms the skin and balances oil production.",
    ),
    ("prime", "Primer", 4, True, "A barrier that keeps makeup out of your pores.", ""),
    ("foundation", "Foundation", 5, True, "Water-based and oil-free, used sparingly.", ""),
    ("powder", "Powder", 6, True, "A light dusting to set it all.", ""),
    ("extra", "Extra treatments", 7, True, "Serums and eye care between the steps.", ""),
]

CONCERNS = [
    ("enlarged-pores", "Enlarged pores"),
    ("oily-skin", "Oily skin"),
    ("acne", "Acne"),
    ("acne-scars", "Acne scars"),
    ("blackheads", "Blackheads"),
    ("whiteheads", "Whiteheads"),
    ("fine-lines", "Fine lines"),
    ("uneven-tone", "Uneven tone"),
    ("dryness", "Dryness"),
    ("combination-skin", "Combination skin"),
    ("puffiness", "Puffiness"),
]

INGREDIENTS = [
    ("dmae", "DMAE", "Tightens skin\nMore elastic skin and smaller-looking pores"),
    ("vitamin-c-ester", "Vitamin C ester", "Evens skin tone\nRefines texture"),
    ("salicylic-acid", "Salicylic acid", "Clears pores\nRefines texture"),
    (
        "alpha-lipoic-acid",
        "Alpha lipoic acid",
        "Protects cells\nReduces inflammation\nReduces lines and wrinkles",
    ),
    ("sodium-hyaluronate", "Sodium hyaluronate", "Hydrates"),
    ("microspheres", "Microspheres", "Fill pores and lines for an instantly smoother look"),
    ("glycolic-acid", "Glycolic acid", "Refines texture\nEvens skin tone"),
    ("benzoyl-peroxide", "Benzoyl peroxide", "Reduces acne-causing bacteria"),
    ("retinol", "Retinol", "Reduces lines and wrinkles\nRefines texture"),
    ("niacinamide", "Niacinamide", "Balances oil\nSmaller-looking pores"),
    ("zinc-pca", "Zinc PCA", "Reduces excess sebum"),
    ("caffeine", "Caffeine", "Less puffiness"),
    ("peptides", "Peptides", "Firmer skin\nReduces lines and wrinkles"),
    ("silica", "Silica", "Absorbs shine"),
    ("dimethicone", "Dimethicone", "Smooths the surface\nHelps makeup last"),
]

# (name, sku, step, price, stock, days_of_use, summary, ingredient slugs, concern slugs)
# The first seven are the seven-piece collection: their prices add up to exactly 180.00.
PRODUCTS = [
    (
        "Citrus Facial Wash",
        "CLN-CITRUS",
        "cleanse",
        "22.00",
        120,
        60,
        "Cleans without drying.",
        ["dmae", "vitamin-c-ester"],
        ["enlarged-pores", "uneven-tone", "combination-skin"],
    ),
    (
        "Pore Refining Acne Cleanser",
        "CLN-ACNE",
        "cleanse",
        "20.00",
        110,
        60,
        "Reduces excess sebum.",
        ["benzoyl-peroxide", "zinc-pca"],
        ["acne", "oily-skin", "blackheads", "whiteheads"],
    ),
    (
        "Face Firming Toner",
        "TON-FIRM",
        "tone",
        "24.00",
        90,
        60,
        "Firms skin and makes pores more elastic.",
        ["salicylic-acid", "dmae", "alpha-lipoic-acid"],
        ["enlarged-pores", "fine-lines"],
    ),
    (
        "Skin Clear Toner",
        "TON-CLEAR",
        "tone",
        "22.00",
        95,
        60,
        "Clears what the cleanser left behind.",
        ["salicylic-acid"],
        ["acne", "blackheads", "oily-skin"],
    ),
    (
        "Advanced Face Firming",
        "REN-FIRM",
        "renew",
        "38.00",
        70,
        45,
        "Smoother, firmer skin; balances oil.",
        ["dmae", "alpha-lipoic-acid", "sodium-hyaluronate"],
        ["fine-lines", "oily-skin", "enlarged-pores"],
    ),
    (
        "Ceramic Skin Smoother",
        "REN-SMOOTH",
        "renew",
        "28.00",
        80,
        45,
        "Microspheres fill pores and lines for an instantly smoother look.",
        ["microspheres", "glycolic-acid"],
        ["acne", "acne-scars", "enlarged-pores"],
    ),
    (
        "Enlarged Pore treatment",
        "REN-PORE",
        "renew",
        "26.00",
        85,
        45,
        "For pores dilated with excess oil.",
        ["retinol", "niacinamide"],
        ["enlarged-pores", "oily-skin"],
    ),
    (
        "Foundation Primer",
        "MKP-PRIMER",
        "prime",
        "24.00",
        60,
        90,
        "Keeps makeup out of pores.",
        ["dimethicone"],
        ["enlarged-pores"],
    ),
    (
        "No Foundation Foundation",
        "MKP-FOUND",
        "foundation",
        "32.00",
        60,
        90,
        "Water-based, oil-free coverage, used sparingly.",
        ["sodium-hyaluronate"],
        ["uneven-tone", "oily-skin"],
    ),
    (
        "Finishing Powder",
        "MKP-POWDER",
        "powder",
        "22.00",
        75,
        120,
        "A light dusting that sets without clogging.",
        ["silica"],
        ["oily-skin"],
    ),
    (
        "Serum Prep",
        "EXT-SERUM",
        "extra",
        "30.00",
        150,
        45,
        "Preps skin for the treatment step.",
        ["sodium-hyaluronate", "peptides"],
        ["dryness", "fine-lines"],
    ),
    (
        "High Potency Eye treatment",
        "EXT-EYE",
        "extra",
        "34.00",
        150,
        60,
        "Less puffiness and fine lines around the eyes.",
        ["caffeine", "peptides"],
        ["puffiness", "fine-lines"],
    ),
]


def _slug(name: str) -> str:
    from django.utils.text import slugify

    return slugify(name)


def load() -> dict[str, int]:
    """Create the demo catalog where missing; returns how many rows of each kind were created."""
    created = {"steps": 0, "concerns": 0, "ingredients": 0, "products": 0}
    steps = {}
    for slug, name, position, optional, summary, description in STEPS:
        steps[slug], new = Step.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "position": position,
                "optional": optional,
                "summary": summary,
                "description": description,
            },
        )
        created["steps"] += new
    for slug, name in CONCERNS:
        created["concerns"] += Concern.objects.get_or_create(slug=slug, defaults={"name": name})[1]
    ingredients = {}
    for slug, name, benefits in INGREDIENTS:
        ingredients[slug], new = Ingredient.objects.get_or_create(
            slug=slug, defaults={"name": name, "benefits": benefits}
        )
        created["ingredients"] += new
    concerns = {c.slug: c for c in Concern.objects.all()}
    for name, sku, step, price, stock, days, summary, ingr, conc in PRODUCTS:
        with price_changes_by(source="demo"):
            product, new = Product.objects.get_or_create(
                sku=sku,
                defaults={
                    "name": name,
                    "slug": _slug(name),
                    "step": steps[step],
                    "price_amount": Decimal(price),
                    "stock": stock,
                    "days_of_use": days,
                    "summary": summary,
                    "description": summary,
                },
            )
        if new:
            created["products"] += 1
            ProductIngredient.objects.bulk_create(
                ProductIngredient(product=product, ingredient=ingredients[slug], position=i)
                for i, slug in enumerate(ingr)
            )
            product.concerns.set([concerns[slug] for slug in conc])
        if not product.image:
            picture = demo_images.draw(product.name, product.step.slug, product.step.name)
            images.attach(product, BytesIO(picture), folder="products")
        gallery.demo_gallery_load(product)
    return created
