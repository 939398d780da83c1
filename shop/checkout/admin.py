"""Orders and carts in the admin: read-only records, with cancel, refund and capture actions.

An order is what was charged, so nothing on it is editable; staff act on it only through the
services (cancel, full refund, refund of one component's units, capture), each behind a
confirmation page that posts with a CSRF token. Imported by shop.admin.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Concat
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from promotions.messaging.models import OutboxMessage
from shop.cart.models import Cart, CartItem
from shop.checkout import orders
from shop.checkout.admin_filters import (
    AppliedFilter,
    CustomerFilter,
    EntrantsFilter,
    LineFilter,
    RemindedFilter,
)
from shop.checkout.emails import ORDER_CONFIRMATION, order_emails
from shop.checkout.models import Order, OrderLineComponent, Refund


class RefundInline(admin.TabularInline[Refund, Order]):
    model = Refund
    extra = 0
    can_delete = False
    fields = ("created_at", "amount", "component", "units", "reason", "gateway_ref")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


ORDER_FIELDS: tuple[str, ...] = (
    "number",
    "status",
    "created_at",
    "paid_at",
    "cancelled_at",
    "email",
    "name",
    "address_line1",
    "city",
    "region_name",
    "postal_code",
    "country",
    "phone",
    "currency",
    "subtotal_amount",
    "discount_amount",
    "shipping_amount",
    "total_amount",
    "refunded_amount",
    "payment_display",
    "emails_display",
    "lines_display",
    "guest_link",
    "idempotency_key",
    "cart",
)


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin[Order]):
    list_display = [
        "number",
        "created_at",
        "email",
        "status",
        "total_amount",
        "refunded_amount",
        "payment_state",
        "confirmation_email",
    ]
    list_filter = [
        "status",
        "payment__state",
        "created_at",
        AppliedFilter,
        LineFilter,
        CustomerFilter,
        EntrantsFilter,
        RemindedFilter,
    ]
    list_select_related = ["payment"]
    search_fields = ["number", "email", "name"]
    search_help_text = "Search by order number, email or name."
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-id"]
    actions = ["cancel_orders", "refund_orders", "capture_payments"]
    fields = ORDER_FIELDS
    readonly_fields = ORDER_FIELDS
    inlines = [RefundInline]
    list_per_page = 50
    show_full_result_count = False
    change_form_template = "admin/shop/order/change_form.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Order]:
        state = OutboxMessage.objects.filter(
            purpose=ORDER_CONFIRMATION, key=Concat(Value("order:"), OuterRef("number"))
        ).values("state")[:1]
        return (
            super()
            .get_queryset(request)
            .select_related("payment")
            .annotate(confirmation_state=Subquery(state))
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        # Nothing to save on an order: no save buttons, only the actions above the form.
        context = {
            **(extra_context or {}),
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
            "show_delete": False,
        }
        return super().change_view(request, object_id, form_url, context)

    def save_model(self, request: HttpRequest, obj: Order, form: Any, change: bool) -> None:
        return None  # read-only: every field is in readonly_fields; nothing is ever saved here

    # -- columns and read-only fields ----------------------------------------------------------

    @admin.display(description="Payment", ordering="payment__state")
    def payment_state(self, order: Order) -> str:
        payment = getattr(order, "payment", None)
        return "-" if payment is None else payment.state

    @admin.display(description="Confirmation email")
    def confirmation_email(self, order: Order) -> str:
        return getattr(order, "confirmation_state", None) or "-"

    @admin.display(description="Payment")
    def payment_display(self, order: Order) -> str:
        payment = getattr(order, "payment", None)
        if payment is None:
            return "-"
        text = (
            f"{payment.gateway}: {payment.state}, {payment.amount} {payment.currency}, "
            f"refunded {payment.refunded_amount}; authorization {payment.authorization_ref}"
        )
        if payment.capture_ref:
            text += f", capture {payment.capture_ref}"
        if payment.last_error:
            text += f". Last error: {payment.last_error}"
        return text

    @admin.display(description="Emails")
    def emails_display(self, order: Order) -> SafeString:
        rows = order_emails(orders=[order]).get(order.pk, [])
        if not rows:
            return format_html("{}", "-")
        items = format_html_join(
            "",
            '<li><a href="{}">{}</a>: {} ({} attempt(s))</li>',
            (
                (
                    reverse("admin:promotions_outboxmessage_change", args=[m.pk]),
                    m.subject_shown,
                    m.state,
                    m.attempts,
                )
                for m in rows
            ),
        )
        return format_html("<ul>{}</ul>", items)

    @admin.display(description="Lines as charged")
    def lines_display(self, order: Order) -> SafeString:
        return SafeString(
            render_to_string(
                "admin/shop/order/lines.html",
                {"order": order, "lines": orders.order_lines(order=order)},
            )
        )

    @admin.display(description="Guest link")
    def guest_link(self, order: Order) -> SafeString:
        url = reverse("shop:order_detail", args=[order.number])
        return format_html('<a href="{}?token={}">order page</a>', url, order.access_token)

    # -- bulk actions --------------------------------------------------------------------------

    def _each(
        self, request: HttpRequest, queryset: QuerySet[Order], action: Any, done: str
    ) -> None:
        ok = 0
        for order in queryset:
            try:
                action(order)
            except orders.OrderActionRefused as refused:
                self.message_user(request, str(refused), messages.WARNING)
            else:
                ok += 1
        if ok:
            self.message_user(request, f"{done} {ok} order(s).", messages.SUCCESS)

    @admin.action(description="Cancel (return stock, release codes, void or refund payment)")
    def cancel_orders(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        self._each(
            request,
            queryset,
            lambda order: orders.order_cancel(order=order, reason=f"by {request.user}"),
            "Cancelled",
        )

    @admin.action(description="Refund in full through the payment gateway")
    def refund_orders(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        self._each(
            request,
            queryset,
            lambda order: orders.order_refund(order=order, reason=f"Full refund by {request.user}"),
            "Refunded",
        )

    @admin.action(description="Capture authorized payments")
    def capture_payments(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        captured = 0
        for order in queryset:
            if orders.order_payment_capture(order=order).status == Order.Status.PAID:
                captured += 1
        self.message_user(request, f"{captured} order(s) are paid.", messages.SUCCESS)

    # -- one order's actions, each behind a confirmation page ---------------------------------

    def get_urls(self) -> list[URLPattern]:
        own = [
            path(
                f"<int:order_id>/{action}/",
                self.admin_site.admin_view(self.order_action_view),
                {"action": action},
                name=f"shop_order_{action.replace('-', '_')}",
            )
            for action in ("cancel", "refund", "refund-component")
        ]
        return own + super().get_urls()

    def order_action_view(self, request: HttpRequest, order_id: int, action: str) -> HttpResponse:
        if not self.has_change_permission(request):
            raise PermissionDenied
        order = Order.objects.select_related("payment").filter(pk=order_id).first()
        if order is None:
            raise Http404("No such order")
        form = (
            ComponentRefundForm(order, request.POST or None)
            if action == "refund-component"
            else None
        )
        if request.method == "POST" and (form is None or form.is_valid()):
            try:
                if action == "cancel":
                    orders.order_cancel(order=order, reason=f"by {request.user}")
                    done = f"Order {order.number} is cancelled."
                elif action == "refund":
                    refund = orders.order_refund(
                        order=order, reason=f"Full refund by {request.user}"
                    )
                    done = f"Refunded {refund.amount} on order {order.number}."
                else:
                    assert form is not None
                    refund = orders.order_refund_component(
                        order=order,
                        component_id=form.cleaned_data["component"].pk,
                        units=form.cleaned_data["units"],
                        reason=form.cleaned_data["reason"],
                    )
                    done = f"Refunded {refund.amount} on order {order.number}."
            except orders.OrderActionRefused as refused:
                self.message_user(request, str(refused), messages.ERROR)
            else:
                self.message_user(request, done, messages.SUCCESS)
            return HttpResponseRedirect(reverse("admin:shop_order_change", args=[order.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "order": order,
            "action": action,
            "form": form,
            "title": {
                "cancel": f"Cancel order {order.number}?",
                "refund": f"Refund order {order.number} in full?",
                "refund-component": f"Refund part of order {order.number}",
            }[action],
        }
        return render(request, "admin/shop/order/action.html", context)


class ComponentChoiceField(forms.ModelChoiceField[OrderLineComponent]):
    def label_from_instance(self, obj: OrderLineComponent) -> str:
        return (
            f"{obj.line.name}: {obj.product_name} ({obj.quantity} unit(s), "
            f"{obj.allocated_amount} allocated, {obj.refunded_units} refunded)"
        )


class ComponentRefundForm(forms.Form):
    component = ComponentChoiceField(queryset=OrderLineComponent.objects.none())
    units = forms.IntegerField(min_value=1, max_value=10_000, initial=1)
    reason = forms.CharField(max_length=200, required=False)

    def __init__(self, order: Order, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["component"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = OrderLineComponent.objects.filter(
            line__order=order, gift=False
        ).select_related("line")


# -- carts --------------------------------------------------------------------------------------


class CartItemInline(admin.TabularInline[CartItem, Cart]):
    model = CartItem
    extra = 0
    can_delete = False
    fields = ("kind", "ref", "selections", "quantity", "name", "seen_price_amount", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Cart)
class CartAdmin(admin.ModelAdmin[Cart]):
    """Carts are the shoppers'; staff look, never edit."""

    list_display = ["id", "status", "promo_code", "created_at", "updated_at"]
    list_filter = ["status"]
    search_fields = ["=id"]
    fields = ("id", "status", "promo_code", "created_at", "updated_at")
    readonly_fields = fields
    inlines = [CartItemInline]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
