"""Names for the few statements written by hand (where the ORM cannot say it: a row lock read
and used in one UPDATE, a count per scope in one query, two guarded UPDATEs in one round trip).
Taken from the models' metadata, so a renamed column or table cannot leave them behind."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import Field
from django.db.models.options import Options


def column(meta: Options[Any], name: str) -> str:
    """The quoted column of the model field `name` (`Model._meta`)."""
    field = meta.get_field(name)
    assert isinstance(field, Field) and field.column
    return connection.ops.quote_name(field.column)


def table(meta: Options[Any]) -> str:
    """The model's quoted table."""
    return connection.ops.quote_name(meta.db_table)
