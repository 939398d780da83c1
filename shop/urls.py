from django.urls import path

from shop.catalog import views
from shop.checkout import views as checkout_views

app_name = "shop"

urlpatterns = [
    path("", views.home, name="home"),
    path("shop/", views.product_list, name="product_list"),
    path("products/<slug:slug>/", views.product_detail, name="product_detail"),
    # Buying (ids and numbers are checked in the views: a malformed one is a 404).
    path("cart/", checkout_views.cart_page, name="cart"),
    path("cart/add/", checkout_views.cart_add, name="cart_add"),
    path("cart/items/<str:item_id>/", checkout_views.cart_item_change, name="cart_item"),
    path("cart/promo/", checkout_views.cart_promo, name="cart_promo"),
    path("checkout/", checkout_views.checkout_page, name="checkout"),
    path(
        "checkout/confirmation/<str:number>/",
        checkout_views.checkout_confirmation,
        name="checkout_confirmation",
    ),
    path("orders/", checkout_views.order_lookup, name="order_lookup"),
    path("orders/<str:number>/", checkout_views.order_detail, name="order_detail"),
]
