"""Giveaways and their entries: one entry per person, scored for spam, drawn verifiably."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from shop.catalog.models import Product

# Path segments under /giveaways/ that are not giveaways.
RESERVED_SLUGS = frozenset({"confirm", "claim", "new"})


def new_seed() -> str:
    return secrets.token_hex(32)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def seed_commitment(seed: str) -> str:
    return hashlib.sha256(seed.encode("utf-8")).hexdigest()


def public_name(name: str) -> str:
    """First name and last initial: enough to recognise oneself in a published list."""
    parts = name.split()
    if not parts:
        return "Anonymous"
    first = parts[0][:30]
    return f"{first} {parts[-1][0]}." if len(parts) > 1 else first


class Giveaway(models.Model):
    """A prize, an entry period, and the secret seed whose hash is published from creation."""

    title = models.CharField(max_length=160)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True)
    rules = models.TextField(blank=True, help_text="Shown on the giveaway page, one rule a line.")
    prize_description = models.CharField(max_length=300, blank=True)
    prize_kit = models.ForeignKey(
        "kits.Kit", null=True, blank=True, on_delete=models.PROTECT, related_name="giveaways"
    )
    prize_products = models.ManyToManyField(Product, blank=True, related_name="giveaways")
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    claim_days = models.PositiveSmallIntegerField(
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text="Days a winner has to claim the prize before the next alternate is drawn.",
    )
    winners_count = models.PositiveSmallIntegerField(
        "winners", default=1, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    alternates_count = models.PositiveSmallIntegerField(
        "alternates", default=5, validators=[MaxValueValidator(100)]
    )
    min_age = models.PositiveSmallIntegerField(
        default=18, validators=[MaxValueValidator(120)], help_text="0: no age limit."
    )
    countries = models.JSONField(
        default=list, blank=True, help_text='ISO country codes, e.g. ["US", "CA"]; empty: anywhere.'
    )
    # The seed stays secret until the draw; its SHA-256 is public from the start.
    seed = models.CharField(max_length=64, default=new_seed, editable=False)
    seed_commitment = models.CharField(max_length=64, editable=False)
    drawn_at = models.DateTimeField(null=True, blank=True)
    proof = models.JSONField(null=True, blank=True, editable=False)
    finalised_at = models.DateTimeField(
        null=True, blank=True, help_text="When the thanks emails went out to everyone else."
    )
    consolation_promotion = models.ForeignKey(
        "promotions.Promotion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consolation_giveaways",
        help_text="Everyone who did not win gets one single-use code of it in the thanks email.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-opens_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="giveaway_closes_after_open"
            ),
            models.CheckConstraint(condition=~Q(slug=""), name="giveaway_slug_not_empty"),
        ]
        indexes = [models.Index(fields=["closes_at", "drawn_at"], name="giveaway_due_draw")]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: object, **kwargs: object) -> None:
        if not self.seed_commitment:
            self.seed_commitment = seed_commitment(self.seed)
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def get_absolute_url(self) -> str:
        return reverse("promotions:giveaway_detail", args=[self.slug])

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        if self.slug in RESERVED_SLUGS:
            errors["slug"] = [f"{self.slug!r} is reserved for giveaway links; choose another."]
        if not isinstance(self.countries, list) or not all(
            isinstance(c, str) and len(c.strip()) == 2 and c.strip().isalpha()
            for c in self.countries
        ):
            errors["countries"] = ['A list of two-letter country codes, like ["US", "CA"].']
        else:
            self.countries = sorted({c.strip().upper() for c in self.countries})
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            errors["closes_at"] = ["The giveaway must close after it opens."]
        if errors:
            raise ValidationError(errors)

    def phase(self, now: datetime | None = None) -> str:
        """upcoming, open, closed (not drawn yet), drawn, or final (thanks sent)."""
        now = now or timezone.now()
        if self.finalised_at:
            return "final"
        if self.drawn_at:
            return "drawn"
        if now < self.opens_at:
            return "upcoming"
        if now < self.closes_at:
            return "open"
        return "closed"

    def is_open(self, now: datetime | None = None) -> bool:
        return self.phase(now) == "open"

    @property
    def claim_window(self) -> timedelta:
        return timedelta(days=self.claim_days)

    @property
    def rule_list(self) -> list[str]:
        return [line.strip() for line in self.rules.splitlines() if line.strip()]


class Entry(models.Model):
    """One person's entry. The database, not code, keeps it to one per normalised email."""

    class Status(models.TextChoices):
        PENDING = "pending", "pending confirmation"
        CONFIRMED = "confirmed", "confirmed"
        HELD = "held", "held for review"
        REJECTED = "rejected", "rejected"
        WINNER = "winner", "winner"
        ALTERNATE = "alternate", "alternate"

    class Source(models.TextChoices):
        FORM = "form", "storefront form"
        API = "api", "API"
        IMPORT = "import", "staff import"

    class Claim(models.TextChoices):
        NONE = "", "-"
        AWAITING = "awaiting", "awaiting claim"
        CLAIMED = "claimed", "claimed"
        EXPIRED = "expired", "expired"

    giveaway = models.ForeignKey(Giveaway, on_delete=models.PROTECT, related_name="entries")
    name = models.CharField(max_length=120)
    email = models.EmailField(max_length=254)
    email_normalized = models.CharField(max_length=254)
    comment = models.TextField(blank=True)
    country = models.CharField(max_length=2, blank=True)
    age_confirmed = models.BooleanField(default=False)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.FORM)
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    spam_score = models.PositiveSmallIntegerField(default=0)
    spam_reasons = models.JSONField(default=list, blank=True)
    spam_blocked = models.BooleanField(
        default=False, help_text="Pingback or link markup: can never be approved or win."
    )
    ip_hash = models.CharField(max_length=64, blank=True)
    confirm_token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    draw_position = models.PositiveSmallIntegerField(null=True, blank=True)
    claim = models.CharField(max_length=10, choices=Claim.choices, default="", blank=True)
    claim_token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    claim_deadline = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_details = models.JSONField(default=dict, blank=True)
    consolation_code = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name_plural = "entries"
        ordering = ["giveaway", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["giveaway", "email_normalized"], name="entry_one_per_person"
            ),
        ]
        indexes = [
            models.Index(fields=["giveaway", "status"], name="entry_giveaway_status"),
            models.Index(fields=["giveaway", "ip_hash"], name="entry_giveaway_ip"),
            models.Index(
                fields=["claim_deadline"], condition=Q(claim="awaiting"), name="entry_claim_due"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"

    @property
    def ref(self) -> str:
        return f"promotions.entry:{self.pk}"

    @property
    def public_name(self) -> str:
        return public_name(self.name)


class HeldEntry(Entry):
    """The review queue in admin: entries held by the spam score."""

    class Meta:
        proxy = True
        verbose_name = "held entry (review queue)"
        verbose_name_plural = "held entries (review queue)"
