"""The routine quiz's tables; writes to them, and to what the quiz reads of the catalog, change
the catalog version's token, which keys the quiz's in-memory setup (kits.quiz.selectors)."""

import django.core.validators
import django.db.models.deletion
import uuid
from django.db import migrations, models

from shop.catalog.version import unwatch, watch

# Frozen here: a later change to what is watched gets a migration of its own.
TABLES = [
    ("kits_quiz", ()),
    ("kits_quiz_featured", ()),
    ("kits_quizquestion", ()),
    ("kits_quizoption", ()),
    ("kits_quizoption_steps", ()),
    ("kits_quizrule", ()),
    ("kits_ingredientconflict", ()),
    ("shop_ingredient", ()),
    ("shop_concern", ()),
    ("shop_productingredient", ()),
    ("shop_product_concerns", ()),
]


def install(apps, schema_editor):
    watch(schema_editor.connection, TABLES)


def uninstall(apps, schema_editor):
    unwatch(schema_editor.connection, TABLES)


class Migration(migrations.Migration):
    dependencies = [
        ("kits", "0002_catalog_version_triggers"),
        ("shop", "0003_catalog_version"),
    ]

    operations = [
        migrations.CreateModel(
            name="Quiz",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=120)),
                ("slug", models.SlugField(max_length=60, unique=True)),
                ("intro", models.TextField(blank=True)),
                (
                    "active",
                    models.BooleanField(
                        default=True,
                        help_text="The storefront and the API use the first active quiz.",
                    ),
                ),
                ("position", models.PositiveSmallIntegerField(default=0)),
                (
                    "featured",
                    models.ManyToManyField(
                        blank=True,
                        help_text="Between two equally good products the featured one is chosen, then the cheaper one.",
                        related_name="+",
                        to="shop.product",
                    ),
                ),
                (
                    "routine",
                    models.ForeignKey(
                        help_text="The routine template the quiz fills in.",
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="kits.routine",
                    ),
                ),
            ],
            options={
                "verbose_name_plural": "quizzes",
                "ordering": ["position", "pk"],
            },
        ),
        migrations.CreateModel(
            name="QuizCompletion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("ref", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ("answers", models.JSONField()),
                ("routine", models.CharField(max_length=120)),
                ("selections", models.JSONField()),
                ("reasons", models.JSONField(default=list)),
                ("avoided", models.JSONField(default=list)),
                ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                (
                    "cart",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="shop.cart",
                    ),
                ),
                (
                    "quiz",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="kits.quiz",
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at", "-pk"],
            },
        ),
        migrations.CreateModel(
            name="QuizQuestion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "slug",
                    models.SlugField(
                        help_text="The key of the answer in the API: skin_type, concerns, ...",
                        max_length=40,
                    ),
                ),
                ("text", models.CharField(max_length=200)),
                ("help_text", models.CharField(blank=True, max_length=200)),
                (
                    "multiple",
                    models.BooleanField(
                        default=False, help_text="Several options may be chosen, or none."
                    ),
                ),
                ("position", models.PositiveSmallIntegerField(default=0)),
                (
                    "quiz",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="questions",
                        to="kits.quiz",
                    ),
                ),
            ],
            options={
                "ordering": ["position", "pk"],
            },
        ),
        migrations.CreateModel(
            name="QuizOption",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("slug", models.SlugField(max_length=40)),
                ("label", models.CharField(max_length=120)),
                (
                    "phrase",
                    models.CharField(
                        blank=True,
                        help_text='How explanations name this answer: "oily skin" gives "For oily skin: ...". Empty: the label.',
                        max_length=120,
                    ),
                ),
                ("position", models.PositiveSmallIntegerField(default=0)),
                (
                    "steps",
                    models.ManyToManyField(
                        blank=True,
                        help_text="Optional steps this answer adds to the routine (one product each). Optional steps no answer adds stay empty.",
                        related_name="+",
                        to="shop.step",
                    ),
                ),
                (
                    "question",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="options",
                        to="kits.quizquestion",
                    ),
                ),
            ],
            options={
                "ordering": ["position", "pk"],
            },
        ),
        migrations.CreateModel(
            name="QuizRule",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "effect",
                    models.CharField(
                        choices=[("prefer", "prefer"), ("avoid", "avoid")],
                        default="prefer",
                        max_length=6,
                    ),
                ),
                (
                    "weight",
                    models.PositiveSmallIntegerField(
                        default=1,
                        validators=[
                            django.core.validators.MinValueValidator(1),
                            django.core.validators.MaxValueValidator(10),
                        ],
                    ),
                ),
                (
                    "reason",
                    models.CharField(
                        help_text='Prefer: why it helps ("salicylic acid clears pores" gives "For oily skin: salicylic acid clears pores"). Avoid: why ("you said your skin is sensitive" gives "No retinol: you said your skin is sensitive").',
                        max_length=200,
                    ),
                ),
                ("position", models.PositiveSmallIntegerField(default=0)),
                (
                    "concern",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="shop.concern",
                    ),
                ),
                (
                    "ingredient",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="shop.ingredient",
                    ),
                ),
                (
                    "option",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="rules",
                        to="kits.quizoption",
                    ),
                ),
                (
                    "step",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="shop.step",
                    ),
                ),
            ],
            options={
                "ordering": ["position", "pk"],
            },
        ),
        migrations.AddConstraint(
            model_name="quizquestion",
            constraint=models.UniqueConstraint(
                fields=("quiz", "slug"), name="quiz_question_slug_once"
            ),
        ),
        migrations.AddConstraint(
            model_name="quizoption",
            constraint=models.UniqueConstraint(
                fields=("question", "slug"), name="quiz_option_slug_once"
            ),
        ),
        migrations.AddConstraint(
            model_name="quizrule",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("ingredient__isnull", False),
                    ("concern__isnull", False),
                    ("step__isnull", False),
                    _connector="OR",
                ),
                name="quiz_rule_has_a_target",
            ),
        ),
        migrations.AddConstraint(
            model_name="quizrule",
            constraint=models.CheckConstraint(
                condition=models.Q(("weight__gte", 1), ("weight__lte", 10)),
                name="quiz_rule_weight_1_10",
            ),
        ),
        migrations.RunPython(install, uninstall),
    ]
