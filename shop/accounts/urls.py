"""Customer accounts' routes: the /account/ pages (in the "shop" namespace), the account API
(under /api/, by config/urls.py) and allauth's pages, mounted at /account/ outside any
namespace (allauth reverses its own names) by config/urls.py."""

from django.urls import include, path

from shop.accounts import (
    api,
    orders_api,
    orders_views,
    privacy_api,
    privacy_views,
    reminders_api,
    reminders_views,
    routines_api,
    routines_views,
    views,
)

urlpatterns = [
    path("account/", views.overview, name="account"),
    path("account/orders/", orders_views.orders_page, name="account_orders"),
    path("account/routines/", routines_views.routines_page, name="account_routines"),
    path("account/routines/save/", routines_views.routine_save, name="account_routine_save"),
    path(
        "account/routines/<int:routine_id>/cart/",
        routines_views.routine_cart,
        name="account_routine_cart",
    ),
    path(
        "account/routines/<int:routine_id>/delete/",
        routines_views.routine_delete,
        name="account_routine_delete",
    ),
    path("account/reminders/", reminders_views.account_reminders, name="account_reminders"),
    path("account/privacy/", privacy_views.account_privacy, name="account_privacy"),
    path(
        "account/privacy/export/",
        privacy_views.account_privacy_export,
        name="account_privacy_export",
    ),
]

api_urlpatterns = [
    path("account/", api.AccountApi.as_view(), name="api-account"),
    path("account/signup/", api.SignupApi.as_view(), name="api-account-signup"),
    path("account/login/", api.LoginApi.as_view(), name="api-account-login"),
    path("account/logout/", api.LogoutApi.as_view(), name="api-account-logout"),
    path("account/orders/", orders_api.AccountOrdersApi.as_view(), name="api-account-orders"),
    path("account/routines/", routines_api.SavedRoutinesApi.as_view(), name="api-account-routines"),
    path(
        "account/routines/<int:routine_id>/",
        routines_api.SavedRoutineApi.as_view(),
        name="api-account-routine",
    ),
    path(
        "account/routines/<int:routine_id>/cart/",
        routines_api.SavedRoutineCartApi.as_view(),
        name="api-account-routine-cart",
    ),
    path(
        "account/reminders/",
        reminders_api.AccountRemindersApi.as_view(),
        name="api-account-reminders",
    ),
    path(
        "account/reminders/<int:pk>/",
        reminders_api.AccountReminderApi.as_view(),
        name="api-account-reminder",
    ),
    path("account/export/", privacy_api.AccountExportApi.as_view(), name="api-account-export"),
]

allauth_urlpatterns = [
    path("account/", include("allauth.urls")),
]
