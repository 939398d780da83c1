"""Customer accounts' routes: the /account/ pages (in the "shop" namespace), the account API
(under /api/, by config/urls.py) and allauth's pages, mounted at /account/ outside any
namespace (allauth reverses its own names) by config/urls.py."""

from django.urls import include, path

from shop.accounts import api, orders_api, orders_views, views

urlpatterns = [
    path("account/", views.overview, name="account"),
    path("account/orders/", orders_views.orders_page, name="account_orders"),
]

api_urlpatterns = [
    path("account/", api.AccountApi.as_view(), name="api-account"),
    path("account/signup/", api.SignupApi.as_view(), name="api-account-signup"),
    path("account/login/", api.LoginApi.as_view(), name="api-account-login"),
    path("account/logout/", api.LogoutApi.as_view(), name="api-account-logout"),
    path("account/orders/", orders_api.AccountOrdersApi.as_view(), name="api-account-orders"),
]

allauth_urlpatterns = [
    path("account/", include("allauth.urls")),
]
