"""The dashboard's figures, to the cent, in the API and on the admin page, from a shop whose
figures are known (tests/shop/analytics/scenario.py)."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from shop.analytics.period import period_parse
from shop.analytics.report import analytics_report
from tests.shop.analytics import scenario

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shop_zone")]


@pytest.fixture
def shop_zone() -> Any:
    with override_settings(TIME_ZONE="America/Los_Angeles", SHOP_CURRENCY="USD"):
        yield


@pytest.fixture
def shop() -> scenario.Shop:
    return scenario.build()


def _get(client: APIClient, **params: str) -> Any:
    return client.get("/api/analytics/", params)


def test_the_api_answers_the_periods_figures_to_the_cent(
    staff_api: APIClient, shop: scenario.Shop
) -> None:
    data = _get(staff_api, **{"from": scenario.FROM, "to": scenario.TO}).json()
    assert (data["from"], data["to"], data["currency"]) == ("2026-10-05", "2026-10-18", "USD")
    # The cancelled 200.00 order and the one at 23:30 on Oct 4 (local) are not in it.
    assert data["orders"] == 5
    assert data["revenue"] == "275.01"
    assert data["average_order_value"] == "55.00"
    assert data["discount_total"] == "110.00"
    assert data["refunded"] == "40.00"
    assert data["net_revenue"] == "235.01"
    assert data["previous"] == {
        "from": "2026-09-21",
        "to": "2026-10-04",
        "orders": 1,
        "revenue": "50.00",
        "discount_total": "0.00",
        "shipping_total": "0.00",
        "refunded": "0.00",
        "net_revenue": "50.00",
        "average_order_value": "50.00",
    }
    days = {row["date"]: row for row in data["by_day"]}
    assert len(days) == 14
    assert days["2026-10-05"] == {
        "date": "2026-10-05",
        "orders": 1,
        "revenue": "100.00",
        "discount_total": "15.00",
        "shipping_total": "0.00",
        "refunded": "0.00",
    }
    assert days["2026-10-07"]["refunded"] == "40.00"
    assert days["2026-10-06"]["revenue"] == "85.00"  # the cancelled one left out
    assert days["2026-10-13"]["revenue"] == "20.01"
    assert days["2026-10-08"]["orders"] == 0
    assert sum(row["orders"] for row in data["by_day"]) == 5


def test_codes_and_offers_show_what_they_cost_and_brought_in(
    staff_api: APIClient, shop: scenario.Shop
) -> None:
    data = _get(staff_api, **{"from": scenario.FROM, "to": scenario.TO}).json()
    assert data["codes"] == [
        {
            "code": "PORES15",
            "promotion": shop.code.promotion_id,
            "orders": 1,
            "discount_total": "15.00",
            "revenue": "100.00",
            "average_order_value": "100.00",
            "average_order_value_without": "43.75",  # 175.01 / 4
            "redemptions_left": 9,
        }
    ]
    assert data["offers"] == [
        {
            "promotion": shop.offer.pk,
            "name": "=Autumn offer",
            "orders": 1,
            "discount_total": "10.00",
            "revenue": "85.00",
            "average_order_value": "85.00",
            "average_order_value_without": "47.50",  # 190.01 / 4
            "redemptions_left": None,
        }
    ]


def test_kits_customers_giveaways_and_reminders(staff_api: APIClient, shop: scenario.Shop) -> None:
    data = _get(staff_api, **{"from": scenario.FROM, "to": scenario.TO}).json()
    assert data["bundles"] == [
        {
            "kind": "kit",
            "ref": "seven-piece",
            "name": "The seven-piece collection",
            "units": 2,
            "orders": 1,
            "revenue": "85.00",
        }
    ]
    assert data["customers"] == {
        "new": {"customers": 3, "orders": 4, "revenue": "175.01"},
        "returning": {"customers": 1, "orders": 1, "revenue": "100.00"},
    }
    assert data["giveaways"] == [
        {
            "id": shop.giveaway.pk,
            "slug": "glow",
            "title": "Glow giveaway",
            "entries": 6,
            "confirmed": 3,
            "held": 2,
            "winners": 1,
            "claimed": 1,
            "ordered_within_30_days": 1,
        }
    ]
    reminders = {row["kind"]: row for row in data["reminders"]}
    assert reminders["routine_evening"] == {
        "kind": "routine_evening",
        "label": "Evening routine",
        "sent": 1,
        "unsubscribes": 1,
        "orders_within_7_days": 1,  # the order 6 days later; not the one 8 days later
    }
    assert (reminders["replenish"]["sent"], reminders["replenish"]["orders_within_7_days"]) == (
        1,
        0,
    )


def test_one_day_is_cut_at_midnight_in_the_shops_time_zone(
    staff_api: APIClient, shop: scenario.Shop
) -> None:
    data = _get(staff_api, **{"from": "2026-10-04", "to": "2026-10-04"}).json()
    assert (data["orders"], data["revenue"]) == (1, "50.00")  # 06:30 UTC on Oct 5
    assert [(d["date"], d["orders"], d["revenue"]) for d in data["by_day"]] == [
        ("2026-10-04", 1, "50.00")
    ]


def test_the_figures_take_a_fixed_number_of_queries(shop: scenario.Shop) -> None:
    period = period_parse(first=scenario.FROM, last=scenario.TO)
    with CaptureQueriesContext(connection) as captured:
        analytics_report(period=period)
    statements = [
        q["sql"]
        for q in captured.captured_queries
        if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))
    ]
    # 11 aggregations (and, on PostgreSQL, SET LOCAL jit = off), whatever the number of orders.
    assert len(statements) == 11 + int(connection.vendor == "postgresql")


def test_the_api_makes_a_fixed_number_of_queries(
    staff_api: APIClient, shop: scenario.Shop, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(16):  # the figures, the transaction's savepoint pair
        response = _get(staff_api, **{"from": scenario.FROM, "to": scenario.TO})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"from": "2026-13-01", "to": "2026-10-01"}, "invalid_date"),
        ({"from": "yesterday"}, "invalid_date"),
        ({"from": "0001-01-01", "to": "0001-01-02"}, "invalid_date"),
        ({"from": "2026-10-10", "to": "2026-10-01"}, "period_reversed"),
        ({"from": "2020-01-01", "to": "2026-10-01"}, "period_too_long"),
    ],
)
def test_bad_ranges_are_a_problem_with_a_stable_code(
    staff_api: APIClient, params: dict[str, str], code: str
) -> None:
    response = staff_api.get("/api/analytics/", params)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["code"] == code


def test_only_staff_read_the_figures(api_client: APIClient, shopper_user: Any) -> None:
    assert api_client.get("/api/analytics/").status_code in (401, 403)
    api_client.force_authenticate(shopper_user)
    assert api_client.get("/api/analytics/").status_code == 403


# -- the admin page ------------------------------------------------------------------------------


class _Tables(HTMLParser):
    """Each <section id="table-NAME"> table as rows of cell texts (and the cells' links)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.links: dict[str, list[list[str]]] = {}
        self._name = ""
        self._cell: list[str] | None = None
        self._href = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "section" and (found.get("id") or "").startswith("table-"):
            self._name = (found["id"] or "")[6:]
            self.tables[self._name], self.links[self._name] = [], []
        elif self._name and tag == "tr":
            self.tables[self._name].append([])
            self.links[self._name].append([])
        elif self._name and tag in ("td", "th"):
            self._cell, self._href = [], ""
        elif self._cell is not None and tag == "a":
            self._href = found.get("href") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "section":
            self._name = ""
        elif tag in ("td", "th") and self._cell is not None:
            self.tables[self._name][-1].append("".join(self._cell).strip())
            self.links[self._name][-1].append(self._href)
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _page(client: Client, **params: str) -> _Tables:
    response = client.get("/admin/analytics/", params)
    assert response.status_code == 200
    parsed = _Tables()
    parsed.feed(response.content.decode())
    return parsed


@pytest.fixture
def staff_client(staff_user: Any) -> Client:
    client = Client()
    client.force_login(staff_user)
    return client


def test_the_page_shows_the_same_figures_and_the_previous_period(
    staff_client: Client, shop: scenario.Shop
) -> None:
    page = _page(staff_client, **{"from": scenario.FROM, "to": scenario.TO})
    summary = {row[0]: row[1:] for row in page.tables["summary"][1:]}
    assert summary["Orders"] == ["5", "1", "+400.0%"]
    assert summary["Revenue"] == ["$275.01", "$50.00", "+450.0%"]
    assert summary["Average order value"] == ["$55.00", "$50.00", "+10.0%"]
    assert summary["Discount given"] == ["$110.00", "$0.00", "new"]
    assert summary["Revenue after refunds"] == ["$235.01", "$50.00", "+370.0%"]
    days = {row[0]: row[1:] for row in page.tables["days"][1:]}
    assert days["2026-10-05"] == ["1", "$100.00", "$15.00"]
    assert days["2026-10-06"] == ["1", "$85.00", "$95.00"]
    assert page.tables["codes"][1] == [
        "PORES15", "1", "$15.00", "$100.00", "$100.00", "$43.75", "9"
    ]  # fmt: skip
    assert page.tables["offers"][1] == [
        "=Autumn offer", "1", "$10.00", "$85.00", "$85.00", "$47.50", "no limit"
    ]  # fmt: skip
    assert page.tables["bundles"][1] == [
        "kit", "The seven-piece collection", "2", "1", "$85.00"
    ]  # fmt: skip
    assert page.tables["customers"][1:] == [
        ["New customers", "3", "4", "$175.01"],
        ["Returning customers", "1", "1", "$100.00"],
    ]
    assert page.tables["giveaways"][1] == ["Glow giveaway", "6", "3", "2", "1", "1", "1"]
    reminders = {row[0]: row[1:] for row in page.tables["reminders"][1:]}
    assert reminders["Evening routine"] == ["1", "1", "1"]
    assert reminders["Running out (replenishment)"] == ["1", "0", "0"]


def page_rows(name: str, page: _Tables) -> tuple[list[list[str]], list[list[str]]]:
    return page.tables[name], page.links[name]


def _changelist_numbers(client: Client, link: str) -> set[str]:
    response = client.get(link)
    assert response.status_code == 200, link
    return {order.number for order in response.context["cl"].result_list}


def test_each_figure_links_to_the_orders_behind_it(
    staff_client: Client, shop: scenario.Shop
) -> None:
    page = _page(staff_client, **{"from": scenario.FROM, "to": scenario.TO})
    numbers = {key: o.number for key, o in shop.orders.items()}
    period_link = page.links["summary"][1][1]
    assert _changelist_numbers(staff_client, period_link) == {
        numbers[key] for key in ("code", "kit", "refunded", "six_days", "eight_days")
    }
    assert _changelist_numbers(staff_client, page.links["summary"][1][2]) == {numbers["before"]}
    day = {
        row[0]: links for row, links in zip(page.tables["days"], page.links["days"], strict=True)
    }
    assert _changelist_numbers(staff_client, day["2026-10-06"][1]) == {numbers["kit"]}
    assert _changelist_numbers(staff_client, page.links["codes"][1][1]) == {numbers["code"]}
    assert _changelist_numbers(staff_client, page.links["offers"][1][1]) == {numbers["kit"]}
    assert _changelist_numbers(staff_client, page.links["bundles"][1][2]) == {numbers["kit"]}
    new, returning = page.links["customers"][1][2], page.links["customers"][2][2]
    assert _changelist_numbers(staff_client, new) == {
        numbers[key] for key in ("kit", "refunded", "six_days", "eight_days")
    }
    assert _changelist_numbers(staff_client, returning) == {numbers["code"]}
    # Entrants' orders within 30 days of entering (not the cancelled one, not 40 days later).
    assert _changelist_numbers(staff_client, page.links["giveaways"][1][6]) == {numbers["kit"]}
    reminded = {row[0]: links for row, links in zip(*page_rows("reminders", page), strict=True)}
    assert _changelist_numbers(staff_client, reminded["Evening routine"][3]) == {
        numbers["six_days"]
    }
    held = staff_client.get(page.links["giveaways"][1][3])
    assert {e.email for e in held.context["cl"].result_list} == {
        "spam1@example.com",
        "spam2@example.com",
    }


def test_every_table_downloads_as_csv_with_formulas_neutralised(
    staff_client: Client, shop: scenario.Shop
) -> None:
    params = {"from": scenario.FROM, "to": scenario.TO}
    response = staff_client.get("/admin/analytics/offers.csv", params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    assert text.splitlines() == [
        "Offer,Orders,Discount given,Revenue,Average order with it,Average order without it,"
        "Redemptions left",
        "'=Autumn offer,1,10.00,85.00,85.00,47.50,no limit",
    ]
    summary = staff_client.get("/admin/analytics/summary.csv", params)
    lines = b"".join(summary.streaming_content).decode().splitlines()  # type: ignore[attr-defined]
    assert "Revenue,275.01,50.00,+450.0%" not in lines  # a text cell starting with + is guarded
    assert "Revenue,275.01,50.00,'+450.0%" in lines
    for name in ("days", "customers", "bundles", "codes", "giveaways", "reminders"):
        assert staff_client.get(f"/admin/analytics/{name}.csv", params).status_code == 200
    assert staff_client.get("/admin/analytics/nothing.csv", params).status_code == 404


def test_a_bad_range_on_the_page_is_said_next_to_the_field(staff_client: Client) -> None:
    response = staff_client.get("/admin/analytics/", {"from": "2026-10-10", "to": "2026-10-01"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_from_error"' in html
    assert "The start must not be after the end." in html
    assert 'aria-invalid="true"' in html


def test_the_dashboard_needs_the_view_order_permission(db: Any) -> None:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(
        "clerk", "c@example.com", "pw-123456", is_staff=True
    )
    client = Client()
    client.force_login(user)
    assert client.get("/admin/analytics/").status_code == 403
    assert "Merchant analytics" not in client.get("/admin/").content.decode()
    user.user_permissions.add(Permission.objects.get(codename="view_order"))
    client.force_login(get_user_model().objects.get(pk=user.pk))
    assert client.get("/admin/analytics/").status_code == 200
    assert 'href="/admin/analytics/"' in client.get("/admin/").content.decode()
    assert Client().get("/admin/analytics/").status_code == 302


def test_charts_are_svg_with_a_title_a_description_and_no_inline_style(
    staff_client: Client, shop: scenario.Shop
) -> None:
    html = staff_client.get("/admin/analytics/", {"from": scenario.FROM, "to": scenario.TO})
    text = html.content.decode()
    assert text.count('<svg class="chart"') == 3
    assert '<title id="chart-revenue-title">Revenue by day (USD), 2026-10-05 to 2026-10-18' in text
    assert 'aria-labelledby="chart-revenue-title chart-revenue-desc"' in text
    assert "<title>Oct 13: $20.01</title>" in text  # each bar says its figure
    assert "style=" not in text.split('id="content-main"')[1]
    assert "<script" not in text.split('id="content-main"')[1]


@pytest.mark.parametrize(
    "query",
    [
        "customer=new:9999-12-31",
        "customer=nobody:2026-10-05",
        "entrants=abc",
        "reminded=replenish:2026-10-05:9999-12-31",
        "reminded=x",
        "applied=code:",
        "line=kit",
    ],
)
def test_odd_filter_values_on_the_order_list_are_no_error(
    staff_client: Client, shop: scenario.Shop, query: str
) -> None:
    assert staff_client.get(f"/admin/shop/order/?{query}").status_code == 200
