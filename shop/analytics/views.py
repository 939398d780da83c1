"""The admin dashboard (/admin/analytics/) and its tables as CSV downloads.

Open to staff who may view orders (`shop.view_order`): every figure is made of orders and
links to them.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render

from promotions.codes.api import csv_response
from shop.analytics.charts import Bar, bar_chart
from shop.analytics.period import Period, PeriodError, period_parse
from shop.analytics.report import Report, analytics_report
from shop.analytics.tables import Table, report_tables
from shop.templatetags.money import money

PERMISSION = "shop.view_order"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class PeriodForm(forms.Form):
    """`from` and `to` (both optional, YYYY-MM-DD); the rules are period_parse's."""

    def __init__(self, data: Any) -> None:
        super().__init__(data)
        self.fields["from"] = forms.CharField(
            required=False, max_length=40, widget=forms.DateInput(attrs={"type": "date"})
        )
        self.fields["to"] = forms.CharField(
            required=False, max_length=40, widget=forms.DateInput(attrs={"type": "date"})
        )
        self.period: Period | None = None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        try:
            self.period = period_parse(first=cleaned.get("from"), last=cleaned.get("to"))
        except PeriodError as error:
            for name, messages in (error.errors or {"from": [error.detail]}).items():
                for message in messages:
                    self.add_error(name, message)
        return cleaned


def _allowed(request: HttpRequest) -> None:
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied


def _charts(report: Report) -> list[dict[str, Any]]:
    days = report.by_day
    revenue = [
        Bar(row["date"].strftime("%b %d"), row["revenue"], money(row["revenue"])) for row in days
    ]
    orders = [Bar(row["date"].strftime("%b %d"), row["orders"], str(row["orders"])) for row in days]
    people = [
        Bar(label, report.customers[group]["customers"], str(report.customers[group]["customers"]))
        for group, label in (("new", "New"), ("returning", "Returning"))
    ]
    span = f"{report.period.first} to {report.period.last}"

    def chart(key: str, title: str, description: str, bars: list[Bar], table: str) -> Any:
        svg = bar_chart(
            chart_id=f"chart-{key}",
            title=f"{title}, {span}",
            description=description,
            bars=bars,
        )
        return {"title": title, "svg": svg, "table": table}

    days_note = "the figures are in the table Sales by day."
    return [
        chart(
            "revenue",
            f"Revenue by day ({report.currency})",
            f"{money(report.totals['revenue'])} in total; {days_note}",
            revenue,
            "days",
        ),
        chart(
            "orders",
            "Orders by day",
            f"{report.totals['orders']} orders in total; {days_note}",
            orders,
            "days",
        ),
        chart(
            "customers",
            "New and returning customers",
            "People who ordered, split by whether they had ordered before; the figures are "
            "in the table New and returning customers.",
            people,
            "customers",
        ),
    ]


@admin.site.admin_view
def dashboard(request: HttpRequest) -> HttpResponse:
    _allowed(request)
    form = PeriodForm(request.GET)
    context: dict[str, Any] = {
        **admin.site.each_context(request),
        "title": "Merchant analytics",
        "form": form,
    }
    if not form.is_valid() or form.period is None:
        return render(request, "admin/analytics/dashboard.html", context, status=400)
    report = analytics_report(period=form.period)
    tables = report_tables(report)
    context.update(
        report=report,
        tables=list(tables.values()),
        charts=[{**chart, "table": tables[chart["table"]]} for chart in _charts(report)],
        query=request.GET.urlencode(),
    )
    return render(request, "admin/analytics/dashboard.html", context)


def csv_cell(value: Any) -> str:
    """A cell as CSV text: numbers as they are ("1234.50"); text a spreadsheet would run as a
    formula (a code, a giveaway title or an offer name starting with = + - @) gets a leading
    apostrophe."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    text = str(value)
    if isinstance(value, str) and text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def _csv_rows(table: Table) -> Iterator[list[str]]:
    yield table.columns
    for row in table.rows:
        yield [csv_cell(cell.value) for cell in row]


@admin.site.admin_view
def table_csv(request: HttpRequest, table: str) -> HttpResponseBase:
    _allowed(request)
    form = PeriodForm(request.GET)
    if not form.is_valid() or form.period is None:
        errors = "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in form.errors.items())
        return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
    tables = report_tables(analytics_report(period=form.period))
    if table not in tables:
        raise Http404("No such table")
    period = form.period
    return csv_response(
        _csv_rows(tables[table]), f"analytics-{table}-{period.first}-{period.last}.csv"
    )
