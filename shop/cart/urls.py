"""The cart's pages and API routes, and the quote (ids are checked in the views: a malformed
one is a 404)."""

from django.urls import path

from shop.cart import api, quote_api, restock_views, views

urlpatterns = [
    path("cart/", views.cart_page, name="cart"),
    path("cart/add/", views.cart_add, name="cart_add"),
    path("cart/items/<str:item_id>/", views.cart_item_change, name="cart_item"),
    path("cart/promo/", views.cart_promo, name="cart_promo"),
    # The restock link of replenishment reminder emails (links already emailed use this path).
    path("reminders/restock/<str:token>/", restock_views.reminder_restock, name="reminder_restock"),
]

api_urlpatterns = [
    path("quote/", quote_api.QuoteApi.as_view(), name="api-quote"),
    path("carts/", api.CartCreateApi.as_view(), name="api-carts"),
    path("carts/<str:cart_id>/", api.CartDetailApi.as_view(), name="api-cart"),
    path("carts/<str:cart_id>/items/", api.CartItemsApi.as_view(), name="api-cart-items"),
    path(
        "carts/<str:cart_id>/items/<str:item_id>/",
        api.CartItemDetailApi.as_view(),
        name="api-cart-item",
    ),
    path("carts/<str:cart_id>/promo/", api.CartPromoApi.as_view(), name="api-cart-promo"),
]
