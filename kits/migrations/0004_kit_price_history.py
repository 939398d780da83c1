"""Kit price history: one row per price change; every existing kit starts with its current
price, in effect since it was created."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def seed(apps, schema_editor):
    Kit = apps.get_model("kits", "Kit")
    KitPriceChange = apps.get_model("kits", "KitPriceChange")
    KitPriceChange.objects.bulk_create(
        KitPriceChange(kit_id=pk, price_amount=price, effective_at=created_at, source="system")
        for pk, price, created_at in Kit.objects.order_by("pk")
        .values_list("pk", "price_amount", "created_at")
        .iterator()
    )


class Migration(migrations.Migration):
    dependencies = [
        ("kits", "0003_quiz"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="KitPriceChange",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "price_amount",
                    models.DecimalField(decimal_places=2, max_digits=10, verbose_name="price"),
                ),
                ("effective_at", models.DateTimeField(verbose_name="from")),
                (
                    "source",
                    models.CharField(
                        choices=[
                            ("admin", "Admin"),
                            ("api", "API"),
                            ("import", "Import"),
                            ("bulk", "Bulk edit"),
                            ("demo", "Demo data"),
                            ("system", "System"),
                        ],
                        default="system",
                        max_length=10,
                    ),
                ),
                (
                    "lowest_30d_amount",
                    models.DecimalField(
                        blank=True,
                        decimal_places=2,
                        max_digits=10,
                        null=True,
                        verbose_name="lowest price in the 30 days before",
                    ),
                ),
                (
                    "changed_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "kit",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="prices",
                        to="kits.kit",
                    ),
                ),
            ],
            options={
                "ordering": ["effective_at", "id"],
                "abstract": False,
                "indexes": [
                    models.Index(fields=["kit", "effective_at"], name="kit_price_change_kit_at")
                ],
            },
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
