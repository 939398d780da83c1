"""Order list filters the merchant analytics dashboard links to: the orders behind a figure.

Each lists only the value asked for, so the list's sidebar says what it is filtered by
without loading every code or kit. Imported by shop.checkout.admin.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest

from shop.checkout.models import Order, OrderAdjustment, OrderLine


class _LinkedFilter(admin.SimpleListFilter):
    """Filters by `?<parameter>=<kind>:<key>`, listing only the value asked for."""

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        value = self.value()
        return [(value, value)] if value else []


class AppliedFilter(_LinkedFilter):
    """Orders a code (`code:PORES15`) or an automatic offer (`offer:<promotion id>`) applied
    to, from their order-level adjustments as charged."""

    title = "code or offer applied"
    parameter_name = "applied"
    SOURCES = {"code": ("promo", "shipping"), "offer": ("offer",)}

    def queryset(self, request: HttpRequest, queryset: QuerySet[Order]) -> QuerySet[Order]:
        kind, _, rule = (self.value() or "").partition(":")
        if kind not in self.SOURCES or not rule:
            return queryset
        applied = OrderAdjustment.objects.filter(
            order=OuterRef("pk"), line__isnull=True, source__in=self.SOURCES[kind], rule=rule
        )
        return queryset.filter(Exists(applied))


class LineFilter(_LinkedFilter):
    """Orders holding a kit or routine (`kit:<slug>`, `routine:<slug>`)."""

    title = "kit or routine bought"
    parameter_name = "line"

    def queryset(self, request: HttpRequest, queryset: QuerySet[Order]) -> QuerySet[Order]:
        kind, _, ref = (self.value() or "").partition(":")
        if not (kind and ref):
            return queryset
        return queryset.filter(
            Exists(OrderLine.objects.filter(order=OuterRef("pk"), kind=kind, ref=ref))
        )
