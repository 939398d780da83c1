"""Kits and routines change the catalog version's token too (see shop.catalog_version)."""

from django.db import migrations

from shop.catalog.version import unwatch, watch

# Frozen here: a later change to what is watched gets a migration of its own.
TABLES = [
    ("kits_kit", ()),
    ("kits_kitcomponent", ()),
    ("kits_kitgift", ()),
    ("kits_routine", ()),
    ("kits_routineslot", ()),
    ("kits_routineslot_products", ()),
    ("kits_routinetier", ()),
]


def install(apps, schema_editor):
    watch(schema_editor.connection, TABLES)


def uninstall(apps, schema_editor):
    unwatch(schema_editor.connection, TABLES)


class Migration(migrations.Migration):
    dependencies = [
        ("kits", "0001_kits_routines_conflicts"),
        ("shop", "0003_catalog_version"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
