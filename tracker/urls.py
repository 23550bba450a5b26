from django.contrib import admin
from django.urls import include, path

from tracker import faults, health

urlpatterns = [
    # Faults: health endpoints (answered first by tracker.health.HealthMiddleware).
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("tracker.api.urls")),
    path("", include("policies.site.feed_urls")),
    path("", include("policies.editorial.urls")),
    path("", include("evidence.urls")),
    path("", include("policies.site.urls")),
]

# Faults: a database or queue that is down is a 503 (JSON on /api/), not a 500.
handler500 = faults.server_error
