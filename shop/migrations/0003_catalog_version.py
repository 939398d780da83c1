"""The catalog version row and the triggers that change its token (see shop.catalog_version)."""

import secrets

from django.db import migrations, models

from shop.catalog.version import unwatch, watch

# Frozen here: a later change to what is watched gets a migration of its own.
TABLES = [
    ("shop_product", ("name", "slug", "price_amount", "step_id", "active")),
    ("shop_step", ()),
]


def install(apps, schema_editor):
    CatalogVersion = apps.get_model("shop", "CatalogVersion")
    CatalogVersion.objects.using(schema_editor.connection.alias).update_or_create(
        id=1, defaults={"token": secrets.token_hex(16)}
    )
    watch(schema_editor.connection, TABLES)


def uninstall(apps, schema_editor):
    unwatch(schema_editor.connection, TABLES)


class Migration(migrations.Migration):
    dependencies = [
        ("shop", "0002_carts_orders"),
    ]

    operations = [
        migrations.CreateModel(
            name="CatalogVersion",
            fields=[
                (
                    "id",
                    models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False),
                ),
                ("token", models.CharField(max_length=40)),
            ],
            options={
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("id", 1)), name="catalog_version_one_row"
                    )
                ],
            },
        ),
        migrations.RunPython(install, uninstall),
    ]
