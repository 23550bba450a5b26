from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("tracker.api.urls")),
    path("", include("policies.site.feed_urls")),
    path("", include("policies.editorial.urls")),
    path("", include("evidence.urls")),
    path("", include("policies.site.urls")),
]
