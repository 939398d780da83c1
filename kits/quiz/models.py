"""The routine quiz as data: questions, their options, the rules an answer brings, completions.

Merchants change all of it in the admin: a new question or option, a rule's weight or reason,
which optional steps an answer adds (makeup: primer, foundation, powder), which products are
featured. The recommendation (`kits.quiz.recommend`) reads it as plain data.
"""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

MAX_WEIGHT = 10


class Quiz(models.Model):
    """The quiz: the routine template it recommends from, and products to prefer on a tie."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    intro = models.TextField(blank=True)
    routine = models.ForeignKey(
        "kits.Routine",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The routine template the quiz fills in.",
    )
    featured = models.ManyToManyField(
        "shop.Product",
        blank=True,
        related_name="+",
        help_text="Between two equally good products the featured one is chosen, then the "
        "cheaper one.",
    )
    active = models.BooleanField(
        default=True, help_text="The storefront and the API use the first active quiz."
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name_plural = "quizzes"

    def __str__(self) -> str:
        return self.name


class QuizQuestion(models.Model):
    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="questions")
    slug = models.SlugField(
        max_length=40, help_text="The key of the answer in the API: skin_type, concerns, ..."
    )
    text = models.CharField(max_length=200)
    help_text = models.CharField(max_length=200, blank=True)
    multiple = models.BooleanField(
        default=False, help_text="Several options may be chosen, or none."
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["quiz", "slug"], name="quiz_question_slug_once")
        ]

    def __str__(self) -> str:
        return self.text


class QuizOption(models.Model):
    """An answer. `phrase` names it in explanations ("For oily skin: ...")."""

    question = models.ForeignKey(QuizQuestion, on_delete=models.CASCADE, related_name="options")
    slug = models.SlugField(max_length=40)
    label = models.CharField(max_length=120)
    phrase = models.CharField(
        max_length=120,
        blank=True,
        help_text='How explanations name this answer: "oily skin" gives "For oily skin: ...". '
        "Empty: the label.",
    )
    steps = models.ManyToManyField(
        "shop.Step",
        blank=True,
        related_name="+",
        help_text="Optional steps this answer adds to the routine (one product each). Optional "
        "steps no answer adds stay empty.",
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["question", "slug"], name="quiz_option_slug_once")
        ]

    def __str__(self) -> str:
        return f"{self.question.slug}: {self.label}"


class QuizRule(models.Model):
    """What an answer prefers or avoids: products of a step, holding an ingredient, or made for
    a concern (every target given must match). Preferred products gain `weight`; avoided ones
    are chosen only when no alternative is left, the lightest avoidance first."""

    class Effect(models.TextChoices):
        PREFER = "prefer", "prefer"
        AVOID = "avoid", "avoid"

    option = models.ForeignKey(QuizOption, on_delete=models.CASCADE, related_name="rules")
    effect = models.CharField(max_length=6, choices=Effect.choices, default=Effect.PREFER)
    ingredient = models.ForeignKey(
        "shop.Ingredient", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    concern = models.ForeignKey(
        "shop.Concern", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    step = models.ForeignKey(
        "shop.Step", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    weight = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(MAX_WEIGHT)]
    )
    reason = models.CharField(
        max_length=200,
        help_text='Prefer: why it helps ("salicylic acid clears pores" gives "For oily skin: '
        'salicylic acid clears pores"). Avoid: why ("you said your skin is sensitive" gives '
        '"No retinol: you said your skin is sensitive").',
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ingredient__isnull=False)
                | Q(concern__isnull=False)
                | Q(step__isnull=False),
                name="quiz_rule_has_a_target",
            ),
            models.CheckConstraint(
                condition=Q(weight__gte=1) & Q(weight__lte=MAX_WEIGHT),
                name="quiz_rule_weight_1_10",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.option}: {self.effect} {self.target_name}"

    @property
    def target_name(self) -> str:
        parts = [str(part).lower() for part in (self.ingredient, self.concern, self.step) if part]
        return " ".join(parts) or "nothing"

    def clean(self) -> None:
        if self.ingredient_id is None and self.concern_id is None and self.step_id is None:
            raise ValidationError(
                "Choose what the rule is about: an ingredient, a concern or a step."
            )


class QuizCompletion(models.Model):
    """One answered quiz: the answers and what was recommended. `cart` is set when the result
    was added to a cart, so completions that became orders are those whose cart has one."""

    ref = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    quiz = models.ForeignKey(Quiz, on_delete=models.SET_NULL, null=True, related_name="+")
    answers = models.JSONField()
    routine = models.CharField(max_length=120)
    selections = models.JSONField()
    reasons = models.JSONField(default=list)
    avoided = models.JSONField(default=list)
    cart = models.ForeignKey(
        "shop.Cart", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Quiz completion {self.ref}"
