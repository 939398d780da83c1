"""Replenishment reminders: a paid order says when each product it holds runs out.

Checkout reads the order (`shop.checkout.replenishment`) and calls `replenishment_schedule`
here with plain data: the order's id, email and payment time, and for each product it bought
(plain lines, kit components and routine selections; gifts excluded: nobody chose them) the
units and how many days one unit lasts. Then:

    runs out on = start + days_of_use × units       start = the paid day, or the day the
                                                    person would have run out of the units
                                                    they still have, if later
    remind on   = runs out on − REPLENISH_LEAD_DAYS (7), but not before tomorrow

A later order of the same product moves it the same way (it leaves its old reminder, which
is cancelled when nothing is left in it). Products whose reminder days are within
`REPLENISH_GROUP_DAYS` (3) of one another share one email, on the earliest of those days, at
the person's replenish time (10:00 on their clock unless they chose another), moved out of
quiet hours. The email links to a cart pre-filled with them (`links.restock_url`).

Rows are made for every paid order; consent is checked when they fall due (a confirmed
replenish subscription, not suppressed), so someone who subscribes after buying still hears
about what they already bought.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from promotions.messaging import local_time as reminder_time
from promotions.messaging.identity import normalize_email
from promotions.reminders.links import absolute, default_timezone, restock_url
from promotions.reminders.models import (
    DEFAULT_LOCAL_TIMES,
    Kind,
    Reminder,
    ReplenishmentItem,
    ReplenishmentOrder,
    Subscription,
)
from promotions.reminders.scheduling import marketing_due, reminder_put

State = Reminder.State


def lead_days() -> int:
    return int(getattr(settings, "REPLENISH_LEAD_DAYS", 7))


def group_days() -> int:
    return int(getattr(settings, "REPLENISH_GROUP_DAYS", 3))


# -- pure calculation -------------------------------------------------------------------------


@dataclass(frozen=True)
class RunOut:
    runs_out_on: date
    remind_on: date


def run_out(
    *, paid_on: date, days_of_use: int, units: int, lead: int, still_have_until: date | None
) -> RunOut:
    """When `units` more of a product last until, and when to say so (see the module)."""
    start = paid_on
    if still_have_until is not None and still_have_until > paid_on:
        start = still_have_until
    runs_out_on = start + timedelta(days=days_of_use * units)
    remind_on = max(runs_out_on - timedelta(days=lead), paid_on + timedelta(days=1))
    return RunOut(runs_out_on, remind_on)


# -- the person's clock -----------------------------------------------------------------------


def person_clock(email_normalized: str) -> tuple[time, tzinfo]:
    """The time of day and zone for this person's replenishment emails: their replenish
    subscription's, else any subscription's zone at 10:00, else the shop default."""
    subscriptions = list(
        Subscription.objects.filter(email_normalized=email_normalized).order_by("pk")
    )
    for subscription in subscriptions:
        if subscription.kind == Kind.REPLENISH:
            return subscription.local_time, reminder_time.zone(subscription.timezone)
    tz_key = subscriptions[0].timezone if subscriptions else default_timezone()
    return DEFAULT_LOCAL_TIMES[Kind.REPLENISH], reminder_time.zone(tz_key)


def due_at_for(day: date, local: time, tz: tzinfo) -> datetime:
    return marketing_due(reminder_time.at_local(day, local, tz), tz)


# -- scheduling -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bought:
    """One product a paid order bought: how many units, and how many days one unit lasts."""

    product_id: int
    units: int
    days_of_use: int


def replenishment_schedule(
    *,
    order_id: int,
    email: str,
    paid_at: datetime | None,
    bought: Sequence[Bought],
    now: datetime | None = None,
) -> int:
    """Schedule the products of a paid order (once per order: a repeat changes nothing).
    Returns how many products were scheduled."""
    now = now or timezone.now()
    with transaction.atomic():
        try:
            with transaction.atomic():
                ReplenishmentOrder.objects.create(
                    order_id=order_id, scheduled_at=now, products=len(bought)
                )
        except IntegrityError:
            return 0  # scheduled before
        if not bought:
            return 0
        normalized = normalize_email(email)
        local, tz = person_clock(normalized)
        paid_on = reminder_time.local_date_of(paid_at or now, tz)
        items = {
            item.product_id: item
            for item in ReplenishmentItem.objects.select_for_update(of=("self",))
            .select_related("reminder")
            .filter(email_normalized=normalized, product_id__in=[b.product_id for b in bought])
        }
        for product in sorted(bought, key=lambda b: b.product_id):
            item = items.get(product.product_id)
            timing = run_out(
                paid_on=paid_on,
                days_of_use=product.days_of_use,
                units=product.units,
                lead=lead_days(),
                still_have_until=item.runs_out_on if item is not None else None,
            )
            if item is None:
                item = ReplenishmentItem(
                    email=email, email_normalized=normalized, product_id=product.product_id
                )
            else:
                _detach(item, now=now)
            item.email = email
            item.quantity = product.units
            item.runs_out_on = timing.runs_out_on
            item.remind_on = timing.remind_on
            item.last_order_id = order_id
            item.reminder = None
            item.save()
            _attach(item, local=local, tz=tz, now=now)
    return len(bought)


def replenishment_decline(*, order_id: int, now: datetime | None = None) -> bool:
    """The buyer left "remind me when this runs out" unticked: this order is marked done with
    nothing scheduled, so neither the task after payment nor the catch-up sweep makes rows for
    it. False when it was scheduled already (a replay changes nothing)."""
    _, created = ReplenishmentOrder.objects.get_or_create(
        order_id=order_id, defaults={"scheduled_at": now or timezone.now(), "products": 0}
    )
    return created


def replenishment_forget(
    *,
    order_id: int,
    email: str,
    paid_at: datetime | None,
    units: Mapping[int, int],
    now: datetime | None = None,
) -> int:
    """A cancelled order's units (`units`: product id -> units) never reach the person: take
    them back out of the run-out dates they moved. A product that only this order supplied
    loses its reminder; one an earlier order still supplies goes back to that order's date.
    Runs in the cancelling transaction; returns how many products changed.

    Only products whose latest order this is are undone: when a later order of the product
    already moved it, that order's date stands (the person re-bought it anyway).
    """
    now = now or timezone.now()
    if not ReplenishmentOrder.objects.filter(order_id=order_id).exists():
        return 0
    local, tz = person_clock(normalize_email(email))
    paid_on = reminder_time.local_date_of(paid_at or now, tz)
    today = reminder_time.local_date_of(now, tz)
    changed = 0
    items = (
        ReplenishmentItem.objects.select_for_update(of=("self",))
        .select_related("reminder", "product")
        .filter(last_order_id=order_id, product_id__in=list(units))
        .order_by("product_id")
    )
    for item in items:
        _detach(item, now=now)
        supplied_days = item.product.days_of_use * int(units[item.product_id])
        earlier_until = item.runs_out_on - timedelta(days=supplied_days)
        if earlier_until <= max(paid_on, today):
            item.delete()  # nothing from an earlier order is left to run out
        else:
            item.runs_out_on = earlier_until
            item.remind_on = max(earlier_until - timedelta(days=lead_days()), today)
            item.last_order = None
            item.reminder = None
            item.save()
            _attach(item, local=local, tz=tz, now=now)
        changed += 1
    return changed


def _detach(item: ReplenishmentItem, *, now: datetime) -> None:
    """Take the product out of the pending reminder it was in; an emptied one is cancelled."""
    reminder = item.reminder
    if reminder is None or reminder.state != State.PENDING:
        return
    reminder = Reminder.objects.select_for_update().get(pk=reminder.pk)
    products = [pk for pk in reminder.payload.get("products", []) if pk != item.product_id]
    reminder.payload = {**reminder.payload, "products": products}
    if not products:
        reminder.state = State.CANCELLED
        reminder.reason = "every product in it was reordered or cancelled"
    reminder.save(update_fields=["payload", "state", "reason", "updated_at"])


def _attach(item: ReplenishmentItem, *, local: time, tz: tzinfo, now: datetime) -> Reminder:
    """Put the product in the person's pending reminder that falls up to REPLENISH_GROUP_DAYS
    before its own day, or in a new one on its day."""
    window_start = item.remind_on - timedelta(days=group_days())
    group = None
    for candidate in Reminder.objects.select_for_update().filter(
        email_normalized=item.email_normalized, kind=Kind.REPLENISH, state=State.PENDING
    ):
        day = date.fromisoformat(candidate.payload.get("date", "1970-01-01"))
        if window_start <= day <= item.remind_on and (
            group is None or day < date.fromisoformat(group.payload["date"])
        ):
            group = candidate
    if group is None:
        group = _new_group(item, local=local, tz=tz, now=now)
    products = sorted({*group.payload.get("products", []), item.product_id})
    group.payload = {**group.payload, "products": products}
    group.save(update_fields=["payload", "updated_at"])
    item.reminder = group
    item.remind_on = date.fromisoformat(group.payload["date"])
    item.save(update_fields=["reminder", "remind_on", "updated_at"])
    return group


def _new_group(item: ReplenishmentItem, *, local: time, tz: tzinfo, now: datetime) -> Reminder:
    day = item.remind_on
    base = f"replenish:{item.email_normalized}:{day.isoformat()}"
    fields = {
        "kind": Kind.REPLENISH,
        "email": item.email,
        "email_normalized": item.email_normalized,
        "due_at": due_at_for(day, local, tz),
        "payload": {"date": day.isoformat(), "products": []},
        "created_at": now,
    }
    # The day's key is taken when that day's email already went: the next free suffix.
    for attempt in range(1, 20):
        row = reminder_put(key=base if attempt == 1 else f"{base}:{attempt}", fields=fields)
        if row is not None:
            return row
    raise IntegrityError(f"No free replenishment reminder key for {base}")


def replenishment_reschedule(*, email_normalized: str, now: datetime | None = None) -> int:
    """The person confirmed (or resumed, or changed the time of) their replenish reminders:
    pending ones move to their clock, and products that have not run out yet but whose
    reminder was dropped (cancelled, or skipped for want of consent) get one again, no earlier
    than today. Returns how many rows moved or were made."""
    now = now or timezone.now()
    local, tz = person_clock(email_normalized)
    today = reminder_time.local_date_of(now, tz)
    changed = 0
    with transaction.atomic():
        for reminder in Reminder.objects.select_for_update().filter(
            email_normalized=email_normalized, kind=Kind.REPLENISH, state=State.PENDING
        ):
            day = date.fromisoformat(reminder.payload.get("date", today.isoformat()))
            due = due_at_for(day, local, tz)
            if due != reminder.due_at:
                reminder.due_at = due
                reminder.save(update_fields=["due_at", "updated_at"])
                changed += 1
        orphans = (
            ReplenishmentItem.objects.select_for_update(of=("self",))
            .filter(email_normalized=email_normalized, runs_out_on__gt=today)
            .filter(
                Q(reminder__isnull=True) | Q(reminder__state__in=[State.CANCELLED, State.SKIPPED])
            )
            .order_by("remind_on", "pk")
        )
        for item in orphans:
            item.remind_on = max(item.remind_on, today)
            item.reminder = None
            _attach(item, local=local, tz=tz, now=now)
            changed += 1
    return changed


# -- the email --------------------------------------------------------------------------------


class ReplenishBatch:
    """The products of a batch of due replenishment reminders, loaded in one query."""

    def __init__(self, rows: Sequence[Reminder]) -> None:
        self.items: dict[int, list[ReplenishmentItem]] = defaultdict(list)
        for item in (
            ReplenishmentItem.objects.filter(reminder__in=[row.pk for row in rows])
            .select_related("product")
            .order_by("product__step__position", "product__name")
        ):
            if item.product.active:
                assert item.reminder_id is not None
                self.items[item.reminder_id].append(item)

    def has(self, row: Reminder) -> bool:
        return bool(self.items.get(row.pk))

    def context(self, row: Reminder, *, now: datetime) -> dict[str, Any]:
        items = self.items[row.pk]
        row.payload = {**row.payload, "products": [item.product_id for item in items]}
        return {
            "products": [
                {
                    "name": item.product.name,
                    "url": absolute(item.product.get_absolute_url()),
                    "runs_out_on": item.runs_out_on,
                    "quantity": item.quantity,
                }
                for item in items
            ],
            "first_name": items[0].product.name,
            "count": len(items),
            "restock_url": restock_url(
                reminder_id=row.pk,
                lines=[(item.product_id, item.quantity) for item in items],
            ),
        }
