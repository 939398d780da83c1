"""Uploaded media served by the app itself when no object storage is configured, DEBUG or not.

File names are content hashes (shop/catalog/images.py), so a URL's bytes never change and the
answer may be cached for a year as immutable. `django.views.static.serve` joins the path with
`safe_join` (a `..` or absolute path is a 404) and never lists a directory.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, re_path
from django.views.decorators.http import require_safe
from django.views.static import serve

CACHE_CONTROL = "public, max-age=31536000, immutable"


@require_safe
def media(request: HttpRequest, path: str) -> HttpResponse | FileResponse:
    try:
        response = serve(request, path, document_root=str(settings.MEDIA_ROOT))
    except SuspiciousFileOperation:  # a path outside MEDIA_ROOT: as if it did not exist
        raise Http404 from None
    if response.status_code == 200:
        response["Cache-Control"] = CACHE_CONTROL
    return response


def urlpatterns() -> list[URLPattern]:
    """The route for MEDIA_URL, unless media live elsewhere (an absolute MEDIA_URL: S3, a CDN)."""
    prefix = settings.MEDIA_URL.lstrip("/")
    if not prefix or "://" in settings.MEDIA_URL:
        return []
    return [re_path(rf"^{prefix}(?P<path>.+)$", media, name="media")]
