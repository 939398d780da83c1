"""Bulk code generation requests and their progress: one row per batch the admin or the API
asked for (`promotions.codes.generation` fills it)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

# Generated codes: no 0/O, 1/I/L look-alikes (31 symbols, about 4.95 bits each).
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
GENERATED_LENGTH_MIN = 8
GENERATED_LENGTH_MAX = 32
GENERATED_PREFIX_MAX = 20
BATCH_MAX = 100_000


class CodeBatch(models.Model):
    """A request to generate codes in bulk, and its progress (the admin progress page reads it)."""

    class Status(models.TextChoices):
        PENDING = "pending", "waiting for a worker"
        RUNNING = "running", "generating"
        DONE = "done", "done"
        FAILED = "failed", "failed"

    promotion = models.ForeignKey(
        "promotions.Promotion", on_delete=models.CASCADE, related_name="batches"
    )
    count = models.PositiveIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(BATCH_MAX)]
    )
    prefix = models.CharField(max_length=GENERATED_PREFIX_MAX, blank=True)
    length = models.PositiveSmallIntegerField(
        default=10,
        validators=[
            MinValueValidator(GENERATED_LENGTH_MIN),
            MaxValueValidator(GENERATED_LENGTH_MAX),
        ],
        help_text="Random characters after the prefix.",
    )
    max_uses = models.PositiveIntegerField(
        null=True,
        blank=True,
        default=1,
        validators=[MinValueValidator(1)],
        help_text="Uses per code (1: single-use). Empty: only the promotion's limits apply.",
    )
    generated = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "code batches"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(count__gte=1) & Q(count__lte=BATCH_MAX), name="batch_count_range"
            ),
            models.CheckConstraint(
                condition=Q(length__gte=GENERATED_LENGTH_MIN) & Q(length__lte=GENERATED_LENGTH_MAX),
                name="batch_length_range",
            ),
            models.CheckConstraint(
                condition=Q(generated__lte=F("count")), name="batch_generated_lte_count"
            ),
            models.CheckConstraint(
                condition=Q(max_uses__isnull=True) | Q(max_uses__gte=1),
                name="batch_max_uses_gte_1",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.count} codes for {self.promotion}"

    @property
    def percent(self) -> int:
        return 100 if not self.count else int(self.generated * 100 / self.count)
