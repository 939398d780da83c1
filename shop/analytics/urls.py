"""Analytics routes: the staff API (under /api/) and the admin dashboard (under /admin/)."""

from django.urls import path

from shop.analytics import api, views

api_urlpatterns = [
    path("analytics/", api.AnalyticsApi.as_view(), name="api-analytics"),
]

admin_urlpatterns = [
    path("analytics/", views.dashboard, name="admin-analytics"),
    path("analytics/<str:table>.csv", views.table_csv, name="admin-analytics-csv"),
]
