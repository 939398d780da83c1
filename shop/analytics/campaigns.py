"""What each code, offer, giveaway and reminder brought in over a period, from stored orders.

A code's and an offer's figures come from the orders' order-level adjustments (the
breakdown's `applied` entries as charged): a code is source `promo` (or `shipping` for a
free-shipping code) with the code as rule, an offer source `offer` with the promotion's id as
rule. Pricing applies a code or an offer at most once per order, so each order has at most one
such row per rule and summing the order totals over the rows counts each order once.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)

from promotions.codes.models import PromoCode, Promotion
from promotions.giveaways.models import Entry, Giveaway
from promotions.reminders.models import Kind, Reminder, Subscription
from shop.analytics.period import Period
from shop.analytics.sales import average, counted_orders, money, through_order
from shop.checkout.admin_filters import GIVEAWAY_ORDER_DAYS, REMINDER_ORDER_DAYS
from shop.checkout.models import OrderAdjustment

CODE_SOURCES = ("promo", "shipping")
SHIPPING_THRESHOLD_RULE = "free_shipping_over"  # the shop's own waiver, not a code


def _with_and_without(row: dict[str, Any], totals: dict[str, Any]) -> tuple[Decimal, Decimal]:
    """The average order with the code or offer, and of the period's other orders."""
    others = totals["orders"] - row["orders"]
    return average(row["revenue"], row["orders"]), average(
        totals["revenue"] - money(row["revenue"]), others
    )


def _least(*limits: int | None) -> int | None:
    known = [limit for limit in limits if limit is not None]
    return min(known) if known else None


def applied_by_rule(*, period: Period) -> dict[str, list[dict[str, Any]]]:
    """Orders, discount and revenue per code and per offer, in one pass over the period's
    order-level adjustments: {"code": [rows], "offer": [rows]}, most orders first."""
    rows = (
        OrderAdjustment.objects.filter(
            through_order(period), line__isnull=True, source__in=(*CODE_SOURCES, "offer")
        )
        .exclude(rule=SHIPPING_THRESHOLD_RULE)
        .annotate(kind=Case(When(source="offer", then=Value("offer")), default=Value("code")))
        .values("kind", "rule")
        .annotate(
            orders=Count("order_id", distinct=True),
            discount=Sum("amount"),
            revenue=Sum("order__total_amount"),
        )
        .order_by("-orders", "rule")
    )
    out: dict[str, list[dict[str, Any]]] = {"code": [], "offer": []}
    for row in rows:
        out[row["kind"]].append(dict(row))
    return out


def code_figures(*, applied: list[dict[str, Any]], totals: dict[str, Any]) -> list[dict[str, Any]]:
    """Per code used in the period: orders, discount given (discount and shipping waived),
    revenue, the average order with and without it, and redemptions left (the lower of the
    code's and its promotion's; None without a limit)."""
    codes = {
        code.code: code
        for code in PromoCode.objects.filter(
            code__in=[row["rule"] for row in applied]
        ).select_related("promotion")
    }
    out = []
    for row in applied:
        code = codes.get(row["rule"])
        with_it, without = _with_and_without(row, totals)
        out.append(
            {
                "code": row["rule"],
                "promotion": code.promotion_id if code else None,
                "orders": row["orders"],
                "discount_total": money(row["discount"]),
                "revenue": money(row["revenue"]),
                "average_order_value": with_it,
                "average_order_value_without": without,
                "redemptions_left": _least(code.remaining, code.promotion.remaining)
                if code
                else None,
            }
        )
    return out


def offer_figures(*, applied: list[dict[str, Any]], totals: dict[str, Any]) -> list[dict[str, Any]]:
    """Per automatic offer (source `offer`, rule = the promotion's id): the same as codes."""
    ids = [int(row["rule"]) for row in applied if row["rule"].isdigit()]
    promotions = {str(p.pk): p for p in Promotion.objects.filter(pk__in=ids)}
    out = []
    for row in applied:
        promotion = promotions.get(row["rule"])
        with_it, without = _with_and_without(row, totals)
        out.append(
            {
                "promotion": promotion.pk if promotion else row["rule"],
                "name": promotion.name if promotion else row["rule"],
                "orders": row["orders"],
                "discount_total": money(row["discount"]),
                "revenue": money(row["revenue"]),
                "average_order_value": with_it,
                "average_order_value_without": without,
                "redemptions_left": promotion.remaining if promotion else None,
            }
        )
    return out


def giveaway_figures(*, period: Period) -> list[dict[str, Any]]:
    """Per giveaway open at some time in the period, its whole funnel: entries, confirmed
    (email confirmed, whatever happened next), held as spam (waiting in the review queue),
    winners, prizes claimed, and entrants who placed a counted order within 30 days of
    entering (by normalised email)."""
    giveaways = list(
        Giveaway.objects.filter(opens_at__lt=period.end, closes_at__gte=period.start)
        .annotate(
            entry_count=Count("entries"),
            confirmed=Count("entries", filter=Q(entries__confirmed_at__isnull=False)),
            held=Count("entries", filter=Q(entries__status=Entry.Status.HELD)),
            winners=Count("entries", filter=Q(entries__status=Entry.Status.WINNER)),
            claimed=Count("entries", filter=Q(entries__claim=Entry.Claim.CLAIMED)),
        )
        .order_by("-opens_at", "pk")
    )
    window = timedelta(days=GIVEAWAY_ORDER_DAYS)
    entries = Entry.objects.filter(giveaway__in=[g.pk for g in giveaways])
    # Redundant bounds (the first entry, the last one + 30 days) that let PostgreSQL read only
    # the orders of those weeks instead of hashing every order ever placed.
    first = entries.order_by("created_at").values("created_at")[:1]
    last = entries.order_by("-created_at").values("created_at")[:1]
    ordered = (
        counted_orders()
        .filter(created_at__gte=Subquery(first))
        .filter(created_at__lt=ExpressionWrapper(Subquery(last) + window, DateTimeField()))
        .filter(
            customer_email=OuterRef("email_normalized"),
            created_at__gte=OuterRef("created_at"),
            created_at__lt=OuterRef("created_at") + window,
        )
    )
    buyers = dict(
        entries.filter(Exists(ordered))
        .values("giveaway")
        .annotate(n=Count("id"))
        .values_list("giveaway", "n")
    )
    return [
        {
            "id": g.pk,
            "slug": g.slug,
            "title": g.title,
            "entries": g.entry_count,
            "confirmed": g.confirmed,
            "held": g.held,
            "winners": g.winners,
            "claimed": g.claimed,
            "ordered_within_30_days": buyers.get(g.pk, 0),
        }
        for g in giveaways
    ]


def reminder_figures(*, period: Period) -> list[dict[str, Any]]:
    """Per reminder kind: reminders sent in the period (handed to the outbox and sent),
    unsubscribes from that kind in the period, and counted orders placed within 7 days after a
    reminder of that kind reached the same person (each order once per kind)."""
    sent_in = Reminder.objects.filter(
        state=Reminder.State.SENT, handed_at__gte=period.start, handed_at__lt=period.end
    )
    sent = dict(sent_in.values("kind").annotate(n=Count("id")).values_list("kind", "n"))
    unsubscribed = dict(
        Subscription.objects.filter(
            unsubscribed_at__gte=period.start, unsubscribed_at__lt=period.end
        )
        .values("kind")
        .annotate(n=Count("id"))
        .values_list("kind", "n")
    )
    window = timedelta(days=REMINDER_ORDER_DAYS)

    before_order = sent_in.filter(
        email_normalized=OuterRef("customer_email"),
        handed_at__lte=OuterRef("created_at"),
        handed_at__gt=OuterRef("created_at") - window,
    )
    # The orders that followed any reminder first (a semi-join, few rows), then which kinds.
    orders = (
        counted_orders()
        .filter(created_at__gte=period.start, created_at__lt=period.end + window)
        .filter(Exists(before_order))
        .aggregate(
            **{
                kind.value: Count("id", filter=Exists(before_order.filter(kind=kind.value)))
                for kind in Kind
            }
        )
    )
    return [
        {
            "kind": kind.value,
            "label": kind.label,
            "sent": sent.get(kind.value, 0),
            "unsubscribes": unsubscribed.get(kind.value, 0),
            "orders_within_7_days": orders[kind.value] or 0,
        }
        for kind in Kind
    ]
