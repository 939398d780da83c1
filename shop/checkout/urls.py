"""Checkout's and orders' pages and API routes (numbers are checked in the views)."""

from django.urls import path

from shop.checkout import api, views

urlpatterns = [
    path("checkout/", views.checkout_page, name="checkout"),
    path(
        "checkout/confirmation/<str:number>/",
        views.checkout_confirmation,
        name="checkout_confirmation",
    ),
    path("orders/", views.order_lookup, name="order_lookup"),
    path("orders/<str:number>/", views.order_detail, name="order_detail"),
]

api_urlpatterns = [
    path(
        "carts/<str:cart_id>/checkout/",
        api.CartCheckoutApi.as_view(),
        name="api-cart-checkout",
    ),
    path("orders/<str:number>/", api.OrderDetailApi.as_view(), name="api-order"),
]
