"""Top-level URLs: storefront, admin, API (each app contributes its own url modules)."""

from csp.decorators import csp_update
from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config import media, tokens, views
from kits import urls as kits_urls
from promotions import api_urls as promotions_api_urls
from shop import urls as shop_urls
from shop.accounts import urls as accounts_urls
from shop.analytics import urls as analytics_urls

admin.site.site_header = f"{settings.SHOP_NAME} admin"
admin.site.site_title = f"{settings.SHOP_NAME} admin"

api_patterns: list[URLPattern | URLResolver] = [
    path("", include(shop_urls.api_urlpatterns)),
    path("", include(kits_urls.api_urlpatterns)),
    path("", include(promotions_api_urls.urlpatterns)),
    path("auth/token/", tokens.TokenApi.as_view(), name="api-token"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI under the site's CSP: the split view serves its start-up script as a file,
    # api_docs.html links its styles; its own CSS draws icons from data: images.
    path(
        "docs/",
        csp_update({"img-src": ["data:"]})(
            SpectacularSwaggerSplitView.as_view(
                url_name="api-schema", template_name="api_docs.html"
            )
        ),
        name="api-docs",
    ),
    # Last: anything else under /api/ is a problem+json 404, in DEBUG too.
    re_path(r"^.*$", views.api_not_found),
]

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("admin/", include(analytics_urls.admin_urlpatterns)),  # before the admin's catch-all
    path("admin/", admin.site.urls),
    *media.urlpatterns(),
    path("api/", include(api_patterns)),
    path("kits/", include("kits.urls")),
    path("quiz/", include("kits.quiz.urls")),
    path("", include("promotions.urls")),
    path("", include("shop.urls")),
    *accounts_urls.allauth_urlpatterns,  # /account/login/ ... (allauth's names, no namespace)
]

handler400 = "config.views.bad_request"
handler403 = "config.views.permission_denied"
handler404 = "config.views.page_not_found"
handler500 = "config.views.server_error"
