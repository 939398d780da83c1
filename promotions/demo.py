"""Demo promotions and giveaway.

Promo codes: PORES15 (public, 15% off from a 40.00 merchandise total), SUMMER10 (public,
ended last month), WELCOME-... (a single-use batch of 20 private codes, 10.00 off) and the
giveaway's consolation promotion (20% off, one private single-use code per entrant who did not
win). The automatic offer "Any 3 products: 10% off" (separate products, not kits or routines) is
loaded switched off: many figures the demo is known by (a cart of three products at full price)
would change under it, so a merchant turns it on in the admin (and tries it in the simulator).
The giveaway: the seven-piece collection's products, with entries as real comment lists have
them (genuine and misspelt, pingbacks, greetings, blog praise, link spam).

Only creates what is missing; entries are scored like real ones but no email is queued.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from kits.models import Kit
from promotions.codes import generation, services
from promotions.codes.models import PromoCode, Promotion
from promotions.giveaways import services as giveaways
from promotions.giveaways import spam
from promotions.giveaways.models import Entry, Giveaway
from promotions.messaging.identity import normalize_email

SLUG = "seven-piece-collection"
RULES = """One entry per person; entries are confirmed by email.
Tell us in your comment why you would like to win.
Open to residents of the US and Canada, 18 or older.
The winner is drawn at random when entries close and has 14 days to claim the prize.
Anyone can check the draw: the proof is published on this page."""

# (name, email, comment, confirmed)
ENTRIES = [
    (
        "Maria Gonzales",
        "maria.gonzales@example.com",
        "I have oily skin and my pores on my nose are so big, "
        "I would love to try the whole routine!",
        True,
    ),
    (
        "Tanya Brooks",
        "tanya.b@example.net",
        "I fell as I could bwnifit from this regeim. Ive tried everything for my blackheads and "
        "nothing works for long.",
        True,
    ),
    (
        "Jen K",
        "jenk1980@example.org",
        "Im a waitress and my face is oily two hours after washing it. "
        "Would realy love to win this!",
        True,
    ),
    (
        "Deborah Lane",
        "deb.lane@example.com",
        "Post menopause my skin changed completly, dry cheeks and an oily t-zone. "
        "Id love to try the toner and the firming treatment.",
        True,
    ),
    (
        "Chris Patel",
        "chris.patel@example.com",
        "My wife and I both have combination skin. "
        "Would be great to try products that do what they say for once.",
        True,
    ),
    (
        "Ashley Moore",
        "ashleym@example.net",
        "Busy mom of three, I barely have time for a routine. Three steps sounds doable!",
        True,
    ),
    (
        "Sam Rivera",
        "sam.rivera@example.org",
        "acne scars since high school and enlarged pores on my cheeks. fingers crossed",
        True,
    ),
    (
        "Linda Hart",
        "lindahart@example.com",
        "I always try to remove my makeup before bed but my pores still look huge. Pick me please!",
        False,
    ),
    (
        "Kim Nguyen",
        "kim.nguyen@example.com",
        "Would love to win, I want to try the Ceramic Skin Smoother for my whiteheads",
        True,
    ),
    (
        "Rachel Adams",
        "rachel.adams@example.net",
        "I have tried so many cleansers that dry out my skin. I'd love to try this collection.",
        True,
    ),
    (
        "Beauty Junkie Blog » Weekly giveaway roundup",
        "pingback@beautyjunkie.example",
        "[…] head over to Refined Pores to enter their giveaway of the seven-piece collection, it "
        "ends soon […]",
        False,
    ),
    (
        "Skincare Corner",
        "wordpress@skincarecorner.example",
        "[...] I wrote about this three-step routine last week, and there is a giveaway [...]",
        False,
    ),
    (
        "xkqjvbmw",
        "xkqjvbmw@mailinator.com",
        "qwzxkjhv [url=http://cheap-pills.example]cheap pills[/url] zxcvbnmq [link=http://casino."
        "example]casino[/link]",
        False,
    ),
    (
        "Buy Replica Watches",
        "seo@replicas.example",
        "Great post! [url=http://replica.example]replica watches[/url] http://replica.example/buy "
        "http://replica.example/sale",
        False,
    ),
    ("dfhgjkwer", "dfhgjkwer@yopmail.com", "hjkwqrtz plmnbvcx qwrtzpsd", False),
    ("Anna", "anna.b@example.com", "Hi!", False),
    (
        "Web Design Fan",
        "fan@example.org",
        "Great blog design! Which theme are you using? Bookmarked.",
        False,
    ),
    ("Ella", "ella.m@example.net", "Nice site, keep up the good work", False),
    (
        "Priya Shah",
        "priya.shah@example.com",
        "My 16 year old daughter has acne and we have tried everything from the drugstore. Would "
        "love a routine that actualy works.",
        True,
    ),
    (
        "Tom Becker",
        "tom.becker@example.com",
        "Men have pores too :) the finishing powder is the only thing I would skip.",
        True,
    ),
]


# (code, promotion name, kind, value, min subtotal, days from now it started, ... it ends)
PUBLIC_CODES = [
    ("PORES15", "Pores 15% off", "percent", "15", "40.00", None, None),
    ("SUMMER10", "Summer 10% off", "percent", "10", None, -120, -30),
]
WELCOME_NAME = "Welcome 10.00 off (single-use codes)"
WELCOME_CODES = 20
CONSOLATION_NAME = "Thanks for entering: 20% off"
OFFER_NAME = "Any 3 products: 10% off"


def load() -> dict[str, int]:
    promos = _load_promos()
    created = _load_giveaway()
    created.update(promos)
    giveaway = Giveaway.objects.filter(slug=SLUG, consolation_promotion__isnull=True).first()
    consolation = Promotion.objects.filter(name=CONSOLATION_NAME).first()
    if giveaway is not None and consolation is not None:
        giveaway.consolation_promotion = consolation
        giveaway.save(update_fields=["consolation_promotion"])
    return created


def _load_promos() -> dict[str, int]:
    created = {"promotions": 0, "promo codes": 0}
    now = timezone.now()
    for code, name, kind, value, minimum, starts, ends in PUBLIC_CODES:
        if PromoCode.objects.filter(code=code).exists():
            continue
        services.promotion_create(
            spec=services.PromotionSpec(
                name=name,
                kind=kind,
                value=Decimal(value),
                min_subtotal=None if minimum is None else Decimal(minimum),
                starts_at=None if starts is None else now + timedelta(days=starts),
                ends_at=None if ends is None else now + timedelta(days=ends),
                codes=[code],
            )
        )
        created["promotions"] += 1
        created["promo codes"] += 1
    welcome = Promotion.objects.filter(name=WELCOME_NAME).first()
    if welcome is None:
        welcome = services.promotion_create(
            spec=services.PromotionSpec(
                name=WELCOME_NAME, kind="amount", value=Decimal("10.00"), per_customer_limit=1
            )
        )
        created["promotions"] += 1
    missing = WELCOME_CODES - welcome.codes.count()
    if missing > 0:
        batch = generation.code_batch_create(
            promotion=welcome, count=missing, prefix="WELCOME-", length=10, max_uses=1
        )
        generation.code_batch_run(batch_id=batch.pk)
        created["promo codes"] += missing
    if not Promotion.objects.filter(name=CONSOLATION_NAME).exists():
        services.promotion_create(
            spec=services.PromotionSpec(
                name=CONSOLATION_NAME, kind="percent", value=Decimal("20"), per_customer_limit=1
            )
        )
        created["promotions"] += 1
    if not Promotion.objects.filter(name=OFFER_NAME, automatic=True).exists():
        services.promotion_create(
            spec=services.PromotionSpec(
                name=OFFER_NAME,
                kind="percent",
                value=Decimal("10"),
                applies_to_bundles=False,
                automatic=True,
                min_items=3,
                active=False,
            )
        )
        created["promotions"] += 1
    return created


def _load_giveaway() -> dict[str, int]:
    created = {"giveaways": 0, "entries": 0}
    giveaway = Giveaway.objects.filter(slug=SLUG).first()
    if giveaway is None:
        now = timezone.now()
        giveaway = giveaways.giveaway_create(
            slug=SLUG,
            title="Win the seven-piece collection",
            opens_at=now - timedelta(days=7),
            closes_at=now + timedelta(days=21),
            winners_count=1,
            alternates_count=3,
            description=(
                "Every product of the wrinkle and pore refining kits: cleanse, tone and renew. "
                "Leave a comment telling us why you would like to win."
            ),
            rules=RULES,
            prize_description="The seven-piece collection: two cleansers, two toners and three "
            "renewing treatments, with Serum Prep and the High Potency Eye treatment "
            "as bonus gifts.",
            prize_kit=Kit.objects.filter(slug=SLUG).first(),
            claim_days=14,
            min_age=18,
            countries=["US", "CA"],
        )
        created["giveaways"] += 1
    existing = set(giveaway.entries.values_list("email_normalized", flat=True))
    previous = list(giveaway.entries.values_list("comment", flat=True))
    for offset, (name, email, comment, confirmed) in enumerate(ENTRIES):
        normalized = normalize_email(email)
        if normalized in existing:
            continue
        result = spam.score_entry(
            name=name,
            email=normalized,
            comment=comment,
            context=spam.SpamContext(previous_shingles=spam.shingle_sets(previous)),
        )
        previous.append(comment)
        entered = giveaway.opens_at + timedelta(hours=3 * offset + 1)
        entry = Entry(
            giveaway=giveaway,
            name=name,
            email=email,
            email_normalized=normalized,
            comment=comment,
            source=Entry.Source.IMPORT
            if "pingback" in email or "wordpress" in email
            else Entry.Source.FORM,
            created_at=entered,
            confirmed_at=entered + timedelta(minutes=20) if confirmed else None,
            status=Entry.Status.HELD
            if result.held
            else (Entry.Status.CONFIRMED if confirmed else Entry.Status.PENDING),
            spam_score=result.score,
            spam_reasons=result.reasons_json(),
            spam_blocked=result.blocked,
        )
        entry.save()
        existing.add(normalized)
        created["entries"] += 1
    return created
