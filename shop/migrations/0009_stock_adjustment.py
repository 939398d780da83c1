"""Stock adjustments: the history of deliveries, counts, damage and other stock changes."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("shop", "0008_import_job"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="StockAdjustment",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "reason",
                    models.CharField(
                        choices=[
                            ("delivery", "delivery (adds)"),
                            ("count", "count (sets the stock to the number counted)"),
                            ("damage", "damage (removes)"),
                            ("other", "other (adds or removes; say why in the note)"),
                        ],
                        max_length=10,
                    ),
                ),
                ("note", models.CharField(blank=True, max_length=200)),
                (
                    "delta",
                    models.IntegerField(help_text="Units added (positive) or removed (negative)."),
                ),
                ("stock_after", models.IntegerField(verbose_name="resulting stock")),
                ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                (
                    "product",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="adjustments",
                        to="shop.product",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at", "-id"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("stock_after__gte", 0)),
                        name="stock_adjustment_after_gte_0",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("reason", "other"), _negated=True),
                            models.Q(("note", ""), _negated=True),
                            _connector="OR",
                        ),
                        name="stock_adjustment_other_has_note",
                    ),
                ],
            },
        ),
    ]
