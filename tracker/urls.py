from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("policies.api.urls")),
    path("", include("policies.feed_urls")),
    path("", include("policies.editorial_urls")),
    path("", include("evidence.urls")),
    path("", include("policies.urls")),
]
