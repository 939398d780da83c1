"""The home page, the help pages and /favicon.ico (namespaced "shop" by shop/urls.py)."""

from django.urls import path

from shop.storefront import views

urlpatterns = [
    path("", views.home, name="home"),
    path("help/<slug:slug>/", views.help_page, name="help"),
    # Browsers and feed readers ask for /favicon.ico whatever base.html links.
    path("favicon.ico", views.favicon, name="favicon"),
]
