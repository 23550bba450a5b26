"""The site's URLs plus ``/bench/bare/``: the cheapest Django JSON view, the
baseline the proposals list is measured against."""

from django.http import HttpRequest, JsonResponse
from django.urls import include, path


def bare(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})


urlpatterns = [
    path("bench/bare/", bare),
    path("", include("tracker.urls")),
]
