"""Promo codes under the catalog token (issue 18): a typed code's rule is kept in memory per
process under the token (promotions.codes.code_cache), so every write to what a lookup reads
of a code changes it. Promotions, their scope and gift products are watched already (0005,
shop 0003).
"""

from django.db import migrations

from shop.catalog.version import unwatch, watch

# Frozen here: a later change to what is watched gets a migration of its own. The columns a
# lookup reads; not `uses` (checkout counts uses without throwing the cache away; the use that
# reaches a limit touches the token itself, promotions.codes.services), nor `batch_id`,
# `issued_to` and `created_at`, which no lookup reads. On PostgreSQL one statement-level
# trigger: generating codes (500 a statement) touches the token once a statement.
CODE_COLUMNS = ("code", "promotion_id", "max_uses", "public")
TABLES = [("promotions_promocode", CODE_COLUMNS)]


def install(apps, schema_editor):
    watch(schema_editor.connection, TABLES)


def uninstall(apps, schema_editor):
    unwatch(schema_editor.connection, TABLES)


class Migration(migrations.Migration):
    dependencies = [
        ("promotions", "0005_automatic_offers"),
    ]

    operations = [
        migrations.RunPython(install, uninstall),
    ]
