"""The analytics benchmark measures real work: its generated orders are what the report counts."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from bench import bench_analytics
from shop.analytics.period import Period, shop_today
from shop.analytics.report import analytics_report
from shop.checkout.models import Order

pytestmark = pytest.mark.django_db


def test_the_benchmarks_orders_are_counted_by_the_report(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bench_analytics, "ORDERS", 400)
    monkeypatch.setattr(bench_analytics, "CUSTOMERS", 120)
    now = timezone.now()
    bench_analytics._orders(now)
    bench_analytics._campaigns(now)
    last = shop_today()
    period = Period(last - timedelta(days=89), last)
    report = analytics_report(period=period)
    counted = Order.objects.filter(created_at__gte=period.start, created_at__lt=period.end).exclude(
        status="cancelled"
    )
    assert Order.objects.count() == 400
    assert 0 < report.totals["orders"] == counted.count() < 400
    assert report.totals["revenue"] == counted.aggregate(s=Sum("total_amount"))["s"]
    assert report.codes and report.offers and report.bundles
    assert report.giveaways[0]["entries"] == 5000
    assert sum(row["sent"] for row in report.reminders) > 0
    assert report.totals["revenue"] > Decimal("0")
