"""Looks at a database through one checkout of the code (not a test module).

tests/test_migrations.py runs it in a subprocess, once with the code of an old commit and once
with today's, so it imports nothing of the project: only Django, DRF and the HTTP API. Run it
from the root of the code to look through, with `python -P` (so that this file's own folder,
where tests/shop would shadow shop, is not on the path; the working directory is put first):

    python -P tests/migration_probe.py snapshot|order|read
    python -P tests/migration_probe.py show_order NUMBER TOKEN

Each command prints one line `PROBE <json>` on stdout; everything else there is noise (emails
of the console backend, log lines).
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

APPS = ("shop", "kits", "promotions")
MARKER = "PROBE "
# The fields of an order (docs/API.md) that must read the same before and after the move.
SHOWN = ("number", "status", "email", "subtotal", "discount_total", "shipping", "total")


def snapshot() -> dict[str, Any]:
    """Row count and column names of every table of the three apps, and applied migrations."""
    from django.db import connection

    tables: dict[str, Any] = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            if not table.startswith(tuple(f"{app}_" for app in APPS)):
                continue
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            rows = cursor.fetchone()[0]
            columns = connection.introspection.get_table_description(cursor, table)
            tables[table] = {"rows": rows, "columns": sorted(column.name for column in columns)}
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        migrations = [f"{app}.{name}" for app, name in cursor.fetchall() if app in APPS]
    return {"tables": tables, "migrations": migrations}


def _ok(response: Any, status: int, what: str) -> dict[str, Any]:
    body: dict[str, Any] = response.json()
    if response.status_code != status:
        raise SystemExit(f"{what}: expected {status}, got {response.status_code}: {body}")
    return body


def order() -> dict[str, Any]:
    """One paid order through the public API: a product, a kit, a routine and a promo code."""
    from rest_framework.test import APIClient

    client = APIClient()
    products = _ok(client.get("/api/products/?page_size=100"), 200, "products")["results"]
    kits = _ok(client.get("/api/kits/"), 200, "kits")["results"]
    routine_slug = _ok(client.get("/api/routines/"), 200, "routines")["results"][0]["slug"]
    routine = _ok(client.get(f"/api/routines/{routine_slug}/"), 200, "routine")
    selections = [slug for slot in routine["slots"] for slug in slot["products"][: slot["min"]]]

    cart = _ok(client.post("/api/carts/", {}, format="json"), 201, "new cart")["id"]
    items = [
        {"product": next(p["slug"] for p in products if p["available"]), "quantity": 2},
        {"kit": kits[0]["slug"]},
        {"routine": routine_slug, "selections": selections},
    ]
    for item in items:
        _ok(client.post(f"/api/carts/{cart}/items/", item, format="json"), 201, f"add {item}")
    # PORES15: 15% off from 40.00, a public code of the demo data of the old commit.
    _ok(client.post(f"/api/carts/{cart}/promo/", {"code": "PORES15"}, format="json"), 200, "promo")
    checkout = {
        "email": "migration@example.com",
        "name": "Mia Gration",
        "address": {
            "line1": "1 Old Road",
            "city": "Lisbon",
            "postal_code": "1000-001",
            "country": "PT",
        },
        "payment": {"method": "test", "token": "tok_ok"},
    }
    placed = _ok(
        client.post(
            f"/api/carts/{cart}/checkout/",
            checkout,
            format="json",
            headers={"Idempotency-Key": "migration-probe-1"},
        ),
        201,
        "checkout",
    )
    return show_order(placed["number"], placed["token"])


def show_order(number: str, token: str) -> dict[str, Any]:
    """An order as its guest link shows it through the API."""
    from rest_framework.test import APIClient

    seen = _ok(APIClient().get(f"/api/orders/{number}/?token={token}"), 200, "order")
    return {key: seen[key] for key in SHOWN} | {"token": token}


def read() -> dict[str, Any]:
    """Every row of every model of the three apps, loaded through the ORM, field by field."""
    from django.apps import apps
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    models: dict[str, Any] = {}
    for label in APPS:
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            meta = model._meta
            if meta.proxy or not meta.managed:
                continue
            rows = 0
            for instance in model._base_manager.all().iterator(chunk_size=500):
                for field in meta.concrete_fields:
                    getattr(instance, field.attname)
                rows += 1
            models[meta.label] = {"table": meta.db_table, "rows": rows}

    # A migration the database has applied but today's code has no file for (renamed, or
    # squashed without `replaces`) would be applied again under its new name.
    loader = MigrationLoader(connection)
    known = set(loader.disk_migrations)
    for migration in loader.disk_migrations.values():
        known.update(migration.replaces)
    orphans = sorted(
        f"{app}.{name}"
        for app, name in loader.applied_migrations
        if app in APPS and (app, name) not in known
    )
    return {"models": models, "orphan_migrations": orphans}


COMMANDS = {"snapshot": snapshot, "order": order, "read": read, "show_order": show_order}


def main() -> None:
    sys.path.insert(0, os.getcwd())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    result = COMMANDS[sys.argv[1]](*sys.argv[2:])
    sys.stdout.write(MARKER + json.dumps(result, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
