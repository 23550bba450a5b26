"""``/api/v1/``: the schema and docs, each app's API, and a JSON 404 for the rest.

An app's API urls are included without a namespace of their own, so every
route is named ``api:<name>``.
"""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularSwaggerSplitView

from .schema import SchemaView
from .views import not_found

app_name = "api"

urlpatterns = [
    path("schema/", SchemaView.as_view(), name="schema"),
    # Security: the Swagger UI's init script from its own URL (docs/?script=), not inline:
    # the Content-Security-Policy allows no inline script (tracker/settings.py).
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("", include("policies.api.urls")),
    path("", include("evidence.api.urls")),
    # Anything else under /api/v1/ is a JSON 404 with the stable code, not an HTML page.
    re_path(r"^.*$", not_found, name="not-found"),
]
