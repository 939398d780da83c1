"""A shop with known figures for 2026-10-05..2026-10-18 (America/Los_Angeles, UTC-7 then).

Counted orders in the period: 100.00 (code PORES15, 15.00 off), 85.00 (kit, offer 10.00 off),
40.00 (refunded in full), 30.00 (6 days after a reminder), 20.01 (8 days after it): 5 orders,
275.01 revenue, AOV 55.00. Left out: a cancelled 200.00 order with the code, and a 50.00
order at 23:30 on Oct 4 local time (06:30 UTC on Oct 5), which belongs to the previous period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from promotions.codes.models import PromoCode, Promotion
from promotions.giveaways.models import Entry, Giveaway
from promotions.reminders.models import Reminder, Subscription
from shop.checkout.models import Order, OrderAdjustment, OrderLine
from tests.factories import GiveawayFactory, OrderFactory, PromoCodeFactory, PromotionFactory

FROM, TO = "2026-10-05", "2026-10-18"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def order(
    email: str,
    at: datetime,
    total: str,
    *,
    status: str = "paid",
    discount: str = "0.00",
    refunded: str = "0.00",
    subtotal: str | None = None,
) -> Order:
    made = OrderFactory(
        email=email,
        customer_email=email,
        status=status,
        subtotal_amount=Decimal(subtotal or total),
        discount_amount=Decimal(discount),
        total_amount=Decimal(total),
        refunded_amount=Decimal(refunded),
    )
    Order.objects.filter(pk=made.pk).update(created_at=at)
    return made


def adjust(target: Order, source: str, rule: str, amount: str, label: str = "") -> None:
    OrderAdjustment.objects.create(
        order=target, source=source, rule=rule, label=label or rule, amount=Decimal(amount)
    )


@dataclass
class Shop:
    code: PromoCode
    offer: Promotion
    giveaway: Giveaway
    orders: dict[str, Order]


def build() -> Shop:
    code = PromoCodeFactory(
        code="PORES15", promotion=PromotionFactory(name="Pores 15", value=15, usage_limit=10)
    )
    Promotion.objects.filter(pk=code.promotion_id).update(uses=1)
    offer = PromotionFactory(name="=Autumn offer", kind="amount", value=10)
    orders: dict[str, Any] = {}
    orders["before"] = order("ana@example.com", utc(2026, 10, 5, 6, 30), "50.00")
    orders["code"] = order(
        "ana@example.com", utc(2026, 10, 5, 7, 30), "100.00", discount="15.00", subtotal="115.00"
    )
    adjust(orders["code"], "promo", "PORES15", "15.00", "PORES15: 15% off")
    orders["kit"] = order(
        "bea@example.com", utc(2026, 10, 6, 18, 0), "85.00", discount="95.00", subtotal="180.00"
    )
    line = OrderLine.objects.create(
        order=orders["kit"],
        position=0,
        line_id="kit:seven-piece",
        kind="kit",
        ref="seven-piece",
        name="The seven-piece collection",
        quantity=2,
        unit_price_amount=Decimal("90.00"),
        subtotal_amount=Decimal("180.00"),
        discount_amount=Decimal("95.00"),
        total_amount=Decimal("85.00"),
    )
    assert line.pk
    adjust(orders["kit"], "bundle", "seven-piece:1", "85.00")
    adjust(orders["kit"], "offer", str(offer.pk), "10.00", "Autumn offer")
    orders["cancelled"] = order(
        "bea@example.com", utc(2026, 10, 6, 19, 0), "200.00", status="cancelled", discount="15.00"
    )
    adjust(orders["cancelled"], "promo", "PORES15", "15.00")
    orders["refunded"] = order(
        "cleo@example.com", utc(2026, 10, 7, 16, 0), "40.00", status="refunded", refunded="40.00"
    )
    orders["six_days"] = order("dana@example.com", utc(2026, 10, 11, 12, 0), "30.00")
    orders["eight_days"] = order("dana@example.com", utc(2026, 10, 13, 12, 0), "20.01")

    giveaway = GiveawayFactory(
        slug="glow",
        title="Glow giveaway",
        opens_at=utc(2026, 10, 1),
        closes_at=utc(2026, 10, 10),
    )

    def entry(email: str, created: datetime, **fields: Any) -> None:
        Entry.objects.create(
            giveaway=giveaway,
            name=email.split("@")[0],
            email=email,
            email_normalized=email,
            created_at=created,
            **fields,
        )

    entry("bea@example.com", utc(2026, 10, 1), status="confirmed", confirmed_at=utc(2026, 10, 1))
    entry("spam1@example.com", utc(2026, 10, 2), status="held", spam_score=9)
    entry("spam2@example.com", utc(2026, 10, 2), status="held", spam_score=7)
    entry(
        "zoe@example.com",
        utc(2026, 10, 2),
        status="winner",
        confirmed_at=utc(2026, 10, 2),
        claim="claimed",
        claimed_at=utc(2026, 10, 12),
    )
    entry("pat@example.com", utc(2026, 10, 3))
    # Entered 40 days before ordering: not an entrant who ordered within 30 days.
    entry("dana@example.com", utc(2026, 9, 1), status="confirmed", confirmed_at=utc(2026, 9, 1))

    def reminder(key: str, kind: str, email: str, handed: datetime, state: str = "sent") -> None:
        Reminder.objects.create(
            key=key,
            kind=kind,
            email=email,
            email_normalized=email,
            due_at=handed,
            handed_at=handed,
            state=state,
        )

    reminder("r1", "routine_evening", "dana@example.com", utc(2026, 10, 5, 12, 0))
    reminder("r2", "replenish", "cleo@example.com", utc(2026, 10, 8, 12, 0))
    reminder("r3", "replenish", "ana@example.com", utc(2026, 10, 9, 12, 0), state="queued")
    Subscription.objects.create(
        email="gone@example.com",
        email_normalized="gone@example.com",
        kind="routine_evening",
        local_time=datetime(2026, 1, 1, 21, 0).time(),
        timezone="Europe/Paris",
        unsubscribed_at=utc(2026, 10, 8, 9, 0),
    )
    return Shop(code=code, offer=offer, giveaway=giveaway, orders=orders)
